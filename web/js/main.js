// @ts-check
// The portal's entry point: restores the session, picks the page for the path, mounts the
// right chrome and sends anyone whose session ends back to the login page.
import { isAbort, onCsrfRejected, onUnauthenticated, statusOf } from './api.js';
import { h } from './dom.js';
import { keepScrollRegionsFocusable, mountAuthLayout, mountShell } from './layout.js';
import { notify, notifyError } from './notices.js';
import { accountDetailPage, accountsPage } from './pages/admin.js';
import { adminVatEvidencePage } from './pages/admin-vat.js';
import {
  adminPricingPage,
  adminPurchasePage,
  adminPurchasesPage,
  bankStatementsPage,
} from './pages/admin-money.js';
import { apiKeysPage } from './pages/api-keys.js';
import {
  checkEmailPage,
  forgotPasswordPage,
  loginPage,
  resetPasswordPage,
  signupPage,
  verifyEmailPage,
} from './pages/auth.js';
import { billingPage } from './pages/billing.js';
import { buyPage } from './pages/buy.js';
import { campaignPage } from './pages/campaign.js';
import { newCampaignPage } from './pages/campaign-new.js';
import { campaignsPage } from './pages/campaigns.js';
import { cardsPage } from './pages/cards.js';
import { dashboardPage } from './pages/dashboard.js';
import { messagePage, messagesPage } from './pages/messages.js';
import { mobilePage } from './pages/mobile.js';
import { notAllowedPage, notFoundPage } from './pages/not-found.js';
import { outboxPage } from './pages/outbox.js';
import { preferencesPage } from './pages/preferences.js';
import { pricingPage } from './pages/pricing.js';
import { purchasePage, purchasesPage } from './pages/purchases.js';
import { refillsPage } from './pages/refills.js';
import { invoicePage, invoicesPage } from './pages/invoices.js';
import { adminInvoicesPage } from './pages/admin-invoices.js';
import { securityPage } from './pages/security.js';
import { sendPage } from './pages/send.js';
import { transactionsPage } from './pages/transactions.js';
import { mailboxPage } from './pages/mailbox.js';
import { webhooksPage } from './pages/webhooks.js';
import { browserLanguage, onLanguageChange, setLanguage, t } from './i18n.js';
import { compile, currentPath, interceptLinks, navigate, onNavigate, redraw } from './router.js';
import { clearSession, isAdmin, loadHealth, restoreSession, session } from './session.js';

// access: 'guest' (only signed out), 'any', 'customer' (a customer account's user), 'admin'
// (operator staff, who have no customer account), 'user' (either). layout: 'auth' or 'app'.
// title: a catalogue key.
/**
 * @typedef {object} Route
 * @property {string} path
 * @property {(args: PageArgs) => Node | Promise<Node>} [page]
 * @property {string} [title]
 * @property {string} [redirect]
 * @property {'guest' | 'any' | 'customer' | 'admin' | 'user'} access
 * @property {'auth' | 'app' | 'auto'} [layout] auto: the app's while signed in, else the sign-in pages'
 */
/** @typedef {{ params: Record<string, string>, query: URLSearchParams, signal: AbortSignal }} PageArgs */
/** @type {Route[]} */
const ROUTE_TABLE = [
  { path: '/login', page: loginPage, title: 'auth.login.title', access: 'guest', layout: 'auth' },
  { path: '/signup', page: signupPage, title: 'auth.signup.title', access: 'guest', layout: 'auth' },
  {
    path: '/signup/check-email',
    page: checkEmailPage,
    title: 'auth.checkEmail.title',
    access: 'any',
    layout: 'auth',
  },
  {
    path: '/forgot-password',
    page: forgotPasswordPage,
    title: 'auth.forgot.title',
    access: 'any',
    layout: 'auth',
  },
  {
    path: '/reset-password',
    page: resetPasswordPage,
    title: 'auth.reset.title',
    access: 'any',
    layout: 'auth',
  },
  {
    path: '/verify-email',
    page: verifyEmailPage,
    title: 'auth.verify.title',
    access: 'any',
    layout: 'auth',
  },
  { path: '/', page: dashboardPage, title: 'shell.nav.dashboard', access: 'customer', layout: 'app' },
  { path: '/send', page: sendPage, title: 'shell.nav.send', access: 'customer', layout: 'app' },
  { path: '/messages', page: messagesPage, title: 'shell.nav.messages', access: 'customer', layout: 'app' },
  {
    path: '/messages/:id',
    page: messagePage,
    title: 'shell.titles.message',
    access: 'customer',
    layout: 'app',
  },
  {
    path: '/campaigns',
    page: campaignsPage,
    title: 'shell.nav.campaigns',
    access: 'customer',
    layout: 'app',
  },
  {
    path: '/campaigns/new',
    page: newCampaignPage,
    title: 'shell.titles.newCampaign',
    access: 'customer',
    layout: 'app',
  },
  {
    path: '/campaigns/:id',
    page: campaignPage,
    title: 'shell.titles.campaign',
    access: 'customer',
    layout: 'app',
  },
  { path: '/outbox', page: outboxPage, title: 'shell.nav.outbox', access: 'customer', layout: 'app' },
  { path: '/buy', page: buyPage, title: 'shell.nav.buy', access: 'customer', layout: 'app' },
  { path: '/pricing', page: pricingPage, title: 'shell.nav.pricing', access: 'customer', layout: 'app' },
  {
    path: '/purchases',
    page: purchasesPage,
    title: 'shell.nav.purchases',
    access: 'customer',
    layout: 'app',
  },
  {
    path: '/purchases/:id',
    page: purchasePage,
    title: 'shell.titles.purchase',
    access: 'customer',
    layout: 'app',
  },
  {
    path: '/transactions',
    page: transactionsPage,
    title: 'shell.nav.transactions',
    access: 'customer',
    layout: 'app',
  },
  { path: '/cards', page: cardsPage, title: 'shell.nav.cards', access: 'customer', layout: 'app' },
  { path: '/refills', page: refillsPage, title: 'refills.title', access: 'customer', layout: 'app' },
  { path: '/account', redirect: '/account/billing', access: 'customer' },
  {
    path: '/account/billing',
    page: billingPage,
    title: 'shell.nav.billing',
    access: 'customer',
    layout: 'app',
  },
  { path: '/account/mobile', page: mobilePage, title: 'shell.nav.mobile', access: 'customer', layout: 'app' },
  {
    path: '/account/preferences',
    page: preferencesPage,
    title: 'shell.nav.preferences',
    access: 'customer',
    layout: 'app',
  },
  {
    path: '/account/api-keys',
    page: apiKeysPage,
    title: 'shell.nav.apiKeys',
    access: 'customer',
    layout: 'app',
  },
  // Customers and operator staff alike ('user': anyone logged in).
  {
    path: '/account/security',
    page: securityPage,
    title: 'security.nav',
    access: 'user',
    layout: 'app',
  },
  { path: '/admin', redirect: '/admin/accounts', access: 'admin' },
  {
    path: '/admin/accounts',
    page: accountsPage,
    title: 'shell.nav.accounts',
    access: 'admin',
    layout: 'app',
  },
  {
    path: '/admin/accounts/:id',
    page: accountDetailPage,
    title: 'shell.titles.account',
    access: 'admin',
    layout: 'app',
  },
  {
    path: '/account/invoices',
    page: invoicesPage,
    title: 'invoices.title',
    access: 'customer',
    layout: 'app',
  },
  {
    path: '/account/invoices/:id',
    page: invoicePage,
    title: 'invoices.kind.invoice',
    access: 'customer',
    layout: 'app',
  },
  {
    path: '/admin/invoices',
    page: adminInvoicesPage,
    title: 'invoices.admin.title',
    access: 'admin',
    layout: 'app',
  },
  {
    path: '/admin/purchases',
    page: adminPurchasesPage,
    title: 'shell.nav.adminPurchases',
    access: 'admin',
    layout: 'app',
  },
  {
    path: '/admin/purchases/:id',
    page: adminPurchasePage,
    title: 'shell.titles.purchase',
    access: 'admin',
    layout: 'app',
  },
  {
    path: '/admin/bank-statements',
    page: bankStatementsPage,
    title: 'shell.nav.bankStatements',
    access: 'admin',
    layout: 'app',
  },
  {
    path: '/admin/pricing',
    page: adminPricingPage,
    title: 'shell.nav.adminPricing',
    access: 'admin',
    layout: 'app',
  },
  {
    path: '/admin/vat-evidence',
    page: adminVatEvidencePage,
    title: 'vat.title',
    access: 'admin',
    layout: 'app',
  },
  // Default mode only (the page says so otherwise); a newcomer reads it before logging in.
  { path: '/mailbox', page: mailboxPage, title: 'mailbox.title', access: 'any', layout: 'auto' },
  {
    path: '/account/webhooks',
    page: webhooksPage,
    title: 'webhooks.title',
    access: 'customer',
    layout: 'app',
  },
];
const ROUTES = ROUTE_TABLE.map((r) => ({ ...r, match: compile(r.path) }));

const root = /** @type {HTMLElement} */ (document.getElementById('root'));
/** @typedef {{ main: HTMLElement, onRoute(): void, destroy(): void }} Chrome */
/** @type {Chrome | null} */
let chrome = null;
/** @type {'auth' | 'app' | null} */
let chromeKind = null;
/** @type {AbortController | null} */
let controller = null;

/** @returns {Chrome} */
function mount(/** @type {'auth' | 'app'} */ kind) {
  if (chromeKind === kind && chrome) return chrome;
  chrome?.destroy();
  chrome = kind === 'app' ? mountShell(root) : mountAuthLayout(root);
  chromeKind = kind;
  return chrome;
}

/** Where a signed-in user starts: customers on their dashboard, operator staff on the accounts. */
function home() {
  return isAdmin() ? '/admin/accounts' : '/';
}

function find(/** @type {string} */ pathname) {
  for (const route of ROUTES) {
    const params = route.match(pathname);
    if (params) return { route, params };
  }
  return null;
}

async function render({ initial = false } = {}) {
  controller?.abort();
  controller = new AbortController();
  const { signal } = controller;
  const found = find(location.pathname);
  const signedIn = Boolean(session.user);

  if (!found) {
    const target = mount(signedIn ? 'app' : 'auth');
    target.onRoute();
    show(target, notFoundPage(), t('shell.notFound.title'), initial);
    return;
  }
  const { route, params } = found;
  if (route.redirect) return navigate(route.redirect, { replace: true });
  if ((route.access === 'customer' || route.access === 'admin' || route.access === 'user') && !signedIn) {
    const next = currentPath();
    return navigate(next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`, { replace: true });
  }
  if (route.access === 'guest' && signedIn) return navigate(home(), { replace: true });
  if (route.access === 'customer' && isAdmin()) return navigate('/admin/accounts', { replace: true });

  const layout = route.layout === 'auto' ? (signedIn ? 'app' : 'auth') : (route.layout ?? 'app');
  const target = mount(layout);
  target.onRoute();
  if (route.access === 'admin' && !isAdmin()) {
    show(target, notAllowedPage(), t('shell.notAllowed.title'), initial);
    return;
  }
  const title = t(route.title ?? 'common.brand');
  if (!route.page) return;
  target.main.setAttribute('aria-busy', 'true');
  const query = new URLSearchParams(location.search);
  try {
    const node = await route.page({ params, query, signal });
    if (signal.aborted) return;
    show(target, node, title, initial);
  } catch (error) {
    if (signal.aborted || isAbort(error)) return;
    if (statusOf(error) === 401) return; // the unauthenticated handler takes over
    notifyError(error);
    show(
      target,
      h(
        'section',
        { class: 'page' },
        h('h1', { tabindex: '-1' }, title),
        h(
          'p',
          { class: 'empty' },
          `${t('shell.loadFailed')} `,
          h('a', { href: currentPath() }, t('common.actions.retry')),
          '.',
        ),
      ),
      title,
      initial,
    );
  } finally {
    if (!signal.aborted) target.main.removeAttribute('aria-busy');
  }
}

/**
 * @param {Chrome} target
 * @param {Node} node
 * @param {string} title
 * @param {boolean} initial
 */
function show(target, node, title, initial) {
  target.main.replaceChildren(node);
  document.title = `${title} · ${t('common.brand')}`;
  if (!initial) {
    // Move focus to the new page's heading so keyboard and screen-reader users start there.
    const heading = target.main.querySelector('h1');
    if (heading instanceof HTMLElement) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
    }
    window.scrollTo(0, 0);
  } else {
    const autofocus = target.main.querySelector('[autofocus]');
    if (autofocus instanceof HTMLElement) autofocus.focus();
  }
}

onUnauthenticated(() => {
  if (!session.user) return;
  clearSession();
  notify(t('shell.sessionEnded'), { kind: 'info' });
  const next = currentPath();
  navigate(`/login?next=${encodeURIComponent(next)}`, { replace: true });
});

onCsrfRejected(async () => {
  // Take the current session's token; if someone else logged in meanwhile, start over.
  const before = session.user?.id;
  try {
    const restored = await restoreSession();
    if (!restored || session.user?.id !== before) {
      notify(t('shell.otherTab'), { kind: 'info' });
      navigate(restored ? home() : '/login', { replace: true });
    } else {
      notify(t('shell.renewed'), { kind: 'info' });
    }
  } catch (error) {
    notifyError(error);
  }
});

/** The few words index.html holds outside the pages: the skip link. */
function translateDocument() {
  const skip = document.querySelector('.skip-link');
  if (skip) skip.textContent = t('shell.skip');
}

async function boot() {
  interceptLinks();
  keepScrollRegionsFocusable(root);
  onNavigate(render);
  loadHealth();
  try {
    await restoreSession();
  } catch (error) {
    notifyError(error);
  }
  // The account's language once someone is logged in; before that, the browser's.
  await setLanguage(session.account?.preferences?.language ?? browserLanguage());
  translateDocument();
  // A new language redraws the chrome and the page in it.
  onLanguageChange(() => {
    translateDocument();
    chrome?.destroy();
    chrome = null;
    chromeKind = null;
    redraw();
  });
  await render({ initial: true });
  setInterval(loadHealth, 60000);
}

boot();
