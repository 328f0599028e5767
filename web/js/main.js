// The portal's entry point: restores the session, picks the page for the path, mounts the
// right chrome and sends anyone whose session ends back to the login page.
import { onCsrfRejected, onUnauthenticated } from './api.js';
import { h } from './dom.js';
import { mountAuthLayout, mountShell } from './layout.js';
import { notify, notifyError } from './notices.js';
import { accountDetailPage, accountsPage } from './pages/admin.js';
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
import { campaignPage, campaignsPage, newCampaignPage } from './pages/campaigns.js';
import { cardsPage } from './pages/cards.js';
import { dashboardPage } from './pages/dashboard.js';
import { messagePage, messagesPage } from './pages/messages.js';
import { mobilePage } from './pages/mobile.js';
import { notFoundPage } from './pages/not-found.js';
import { outboxPage } from './pages/outbox.js';
import { preferencesPage } from './pages/preferences.js';
import { pricingPage } from './pages/pricing.js';
import { purchasePage, purchasesPage } from './pages/purchases.js';
import { securityPage } from './pages/security.js';
import { sendPage } from './pages/send.js';
import { transactionsPage } from './pages/transactions.js';
import { browserLanguage, setLanguage } from './i18n.js';
import { compile, currentPath, interceptLinks, navigate, onNavigate } from './router.js';
import { clearSession, isAdmin, loadHealth, restoreSession, session } from './session.js';

// access: 'guest' (only signed out), 'any', 'customer' (a customer account's user), 'admin'
// (operator staff, who have no customer account), 'user' (either). layout: 'auth' or 'app'.
const ROUTES = [
  { path: '/login', page: loginPage, title: 'Log in', access: 'guest', layout: 'auth' },
  { path: '/signup', page: signupPage, title: 'Create your account', access: 'guest', layout: 'auth' },
  {
    path: '/signup/check-email',
    page: checkEmailPage,
    title: 'Check your e-mail',
    access: 'any',
    layout: 'auth',
  },
  {
    path: '/forgot-password',
    page: forgotPasswordPage,
    title: 'Forgot password',
    access: 'any',
    layout: 'auth',
  },
  {
    path: '/reset-password',
    page: resetPasswordPage,
    title: 'Choose a new password',
    access: 'any',
    layout: 'auth',
  },
  {
    path: '/verify-email',
    page: verifyEmailPage,
    title: 'Verify your e-mail',
    access: 'any',
    layout: 'auth',
  },
  { path: '/', page: dashboardPage, title: 'Dashboard', access: 'customer', layout: 'app' },
  { path: '/send', page: sendPage, title: 'Send SMS', access: 'customer', layout: 'app' },
  { path: '/messages', page: messagesPage, title: 'Messages', access: 'customer', layout: 'app' },
  { path: '/messages/:id', page: messagePage, title: 'Message', access: 'customer', layout: 'app' },
  { path: '/campaigns', page: campaignsPage, title: 'Campaigns', access: 'customer', layout: 'app' },
  { path: '/campaigns/new', page: newCampaignPage, title: 'New campaign', access: 'customer', layout: 'app' },
  { path: '/campaigns/:id', page: campaignPage, title: 'Campaign', access: 'customer', layout: 'app' },
  { path: '/outbox', page: outboxPage, title: 'Outbox', access: 'customer', layout: 'app' },
  { path: '/buy', page: buyPage, title: 'Buy credits', access: 'customer', layout: 'app' },
  { path: '/pricing', page: pricingPage, title: 'Price list', access: 'customer', layout: 'app' },
  { path: '/purchases', page: purchasesPage, title: 'Purchases', access: 'customer', layout: 'app' },
  { path: '/purchases/:id', page: purchasePage, title: 'Purchase', access: 'customer', layout: 'app' },
  { path: '/transactions', page: transactionsPage, title: 'Transactions', access: 'customer', layout: 'app' },
  { path: '/cards', page: cardsPage, title: 'Saved cards', access: 'customer', layout: 'app' },
  { path: '/account', redirect: '/account/billing', access: 'customer' },
  { path: '/account/billing', page: billingPage, title: 'Billing data', access: 'customer', layout: 'app' },
  { path: '/account/mobile', page: mobilePage, title: 'Mobile number', access: 'customer', layout: 'app' },
  {
    path: '/account/preferences',
    page: preferencesPage,
    title: 'Preferences',
    access: 'customer',
    layout: 'app',
  },
  { path: '/account/api-keys', page: apiKeysPage, title: 'API keys', access: 'customer', layout: 'app' },
  // Customers and operator staff alike ('user': anyone logged in).
  { path: '/account/security', page: securityPage, title: 'Security', access: 'user', layout: 'app' },
  { path: '/admin', redirect: '/admin/accounts', access: 'admin' },
  { path: '/admin/accounts', page: accountsPage, title: 'Accounts', access: 'admin', layout: 'app' },
  { path: '/admin/accounts/:id', page: accountDetailPage, title: 'Account', access: 'admin', layout: 'app' },
  { path: '/admin/purchases', page: adminPurchasesPage, title: 'Purchases', access: 'admin', layout: 'app' },
  {
    path: '/admin/purchases/:id',
    page: adminPurchasePage,
    title: 'Purchase',
    access: 'admin',
    layout: 'app',
  },
  {
    path: '/admin/bank-statements',
    page: bankStatementsPage,
    title: 'Bank statements',
    access: 'admin',
    layout: 'app',
  },
  { path: '/admin/pricing', page: adminPricingPage, title: 'Pricing', access: 'admin', layout: 'app' },
].map((r) => ({ ...r, match: compile(r.path) }));

const root = document.getElementById('root');
let chrome = null;
let chromeKind = null;
let controller = null;

function mount(kind) {
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

function find(pathname) {
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
    show(target, notFoundPage(), 'Page not found', initial);
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

  const target = mount(route.layout);
  target.onRoute();
  if (route.access === 'admin' && !isAdmin()) {
    show(target, notFoundPage('This page is for the operator’s staff.'), 'Not allowed', initial);
    return;
  }
  target.main.setAttribute('aria-busy', 'true');
  const query = new URLSearchParams(location.search);
  try {
    const node = await route.page({ params, query, signal });
    if (signal.aborted) return;
    show(target, node, route.title, initial);
  } catch (error) {
    if (signal.aborted || error?.name === 'AbortError') return;
    if (error?.status === 401) return; // the unauthenticated handler takes over
    notifyError(error);
    show(
      target,
      h(
        'section',
        { class: 'page' },
        h('h1', { tabindex: '-1' }, route.title),
        h(
          'p',
          { class: 'empty' },
          'This page could not be loaded. ',
          h('a', { href: currentPath() }, 'Try again'),
          '.',
        ),
      ),
      route.title,
      initial,
    );
  } finally {
    if (!signal.aborted) target.main.removeAttribute('aria-busy');
  }
}

function show(target, node, title, initial) {
  target.main.replaceChildren(node);
  document.title = `${title} · Tollgate`;
  if (!initial) {
    // Move focus to the new page's heading so keyboard and screen-reader users start there.
    const heading = target.main.querySelector('h1');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
    }
    window.scrollTo(0, 0);
  } else {
    target.main.querySelector('[autofocus]')?.focus();
  }
}

onUnauthenticated(() => {
  if (!session.user) return;
  clearSession();
  notify('Your session has ended. Log in again to continue.', { kind: 'info' });
  const next = currentPath();
  navigate(`/login?next=${encodeURIComponent(next)}`, { replace: true });
});

onCsrfRejected(async () => {
  // Take the current session's token; if someone else logged in meanwhile, start over.
  const before = session.user?.id;
  try {
    const restored = await restoreSession();
    if (!restored || session.user?.id !== before) {
      notify('You were logged in or out in another tab; this page has been refreshed.', { kind: 'info' });
      navigate(restored ? home() : '/login', { replace: true });
    } else {
      notify('Your session was renewed in another tab. Please try again.', { kind: 'info' });
    }
  } catch (error) {
    notifyError(error);
  }
});

async function boot() {
  interceptLinks();
  onNavigate(render);
  loadHealth();
  try {
    await restoreSession();
  } catch (error) {
    notifyError(error);
  }
  // The account's language once someone is logged in; before that, the browser's.
  await setLanguage(session.account?.preferences?.language ?? browserLanguage());
  await render({ initial: true });
  setInterval(loadHealth, 60000);
}

boot();
