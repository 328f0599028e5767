// @ts-check
// The chrome around the pages: the top bar (product name, balance with its unit, top up,
// sandbox badge, language, account), the navigation (a side column on wide screens, a menu
// behind a button on phones), the account status banner, and the centred card used by the
// sign-in pages.
import { api, statusOf } from './api.js';
import { h, icon, uniqueId } from './dom.js';
import { credits, isPositive, statusLabel } from './format.js';
import { LANGUAGES, language, rememberLanguage, setLanguage, t } from './i18n.js';
import { notifyError } from './notices.js';
import { navigate } from './router.js';
import {
  clearSession,
  isAdmin,
  missingSteps,
  onSessionChange,
  session,
  setSession,
  updateBalance,
  verificationPolicy,
} from './session.js';

/** @typedef {import('./api-types.js').Account} Account */
/** @typedef {import('./api-types.js').Balance} Balance */
/** @typedef {import('./api-types.js').Outbox} Outbox */

const BALANCE_POLL_MS = 5000;

/** Messages not yet handed to a carrier, shown on the Outbox link; null until first read. */
/** @type {number | null} */
let outboxCount = null;
/** @type {(() => Promise<void>) | null} */
let outboxPoll = null;

/** Reads the outbox now (after a send or Remove outbox) so its badge follows at once. */
export function refreshOutboxBadge() {
  return outboxPoll?.();
}

/** Two-factor settings: for customers (My account) and operator staff alike. */
/** @type {NavItem} */
const SECURITY_LINK = { href: '/account/security', label: 'security.nav', icon: 'lock' };

/** The default mode's mailbox, for customers and operator staff alike. */
/** @type {NavItem} */
const MAILBOX_LINK = { href: '/mailbox', label: 'mailbox.nav', icon: 'mail', only: 'mailbox' };

/**
 * @typedef {object} NavItem
 * @property {string} href
 * @property {string} label Catalogue key.
 * @property {string} icon
 * @property {'outbox'} [badge]
 * @property {'mailbox'} [only] Shown only when the server has it (GET /health says so).
 */
/** @typedef {{ group: string, customer?: boolean, admin?: boolean, items: NavItem[] }} NavGroup */

// Customer groups are hidden from operator staff, who have no customer account. Labels are
// catalogue keys, read when drawn (the language may change).
/** @type {NavGroup[]} */
const NAV = [
  {
    group: 'shell.nav.overview',
    customer: true,
    items: [{ href: '/', label: 'shell.nav.dashboard', icon: 'home' }],
  },
  {
    group: 'shell.nav.messaging',
    customer: true,
    items: [
      { href: '/send', label: 'shell.nav.send', icon: 'send' },
      { href: '/messages', label: 'shell.nav.messages', icon: 'message' },
      { href: '/campaigns', label: 'shell.nav.campaigns', icon: 'campaign' },
      { href: '/outbox', label: 'shell.nav.outbox', icon: 'outbox', badge: 'outbox' },
    ],
  },
  {
    group: 'shell.nav.credits',
    customer: true,
    items: [
      { href: '/buy', label: 'shell.nav.buy', icon: 'coins' },
      { href: '/pricing', label: 'shell.nav.pricing', icon: 'tag' },
    ],
  },
  {
    group: 'refills.group',
    customer: true,
    items: [{ href: '/refills', label: 'refills.nav', icon: 'refresh' }],
  },
  {
    group: 'shell.nav.payments',
    customer: true,
    items: [
      { href: '/purchases', label: 'shell.nav.purchases', icon: 'receipt' },
      { href: '/transactions', label: 'shell.nav.transactions', icon: 'list' },
      { href: '/cards', label: 'shell.nav.cards', icon: 'card' },
    ],
  },
  {
    group: 'shell.nav.account',
    customer: true,
    items: [
      { href: '/account/billing', label: 'shell.nav.billing', icon: 'billing' },
      { href: '/account/invoices', label: 'invoices.title', icon: 'receipt' },
      { href: '/account/mobile', label: 'shell.nav.mobile', icon: 'phone' },
      { href: '/account/preferences', label: 'shell.nav.preferences', icon: 'sliders' },
      { href: '/account/api-keys', label: 'shell.nav.apiKeys', icon: 'key' },
      { href: '/account/webhooks', label: 'webhooks.nav', icon: 'link' },
      SECURITY_LINK,
      MAILBOX_LINK,
    ],
  },
  {
    group: 'shell.nav.operator',
    admin: true,
    items: [
      { href: '/admin/accounts', label: 'shell.nav.accounts', icon: 'shield' },
      { href: '/admin/purchases', label: 'shell.nav.adminPurchases', icon: 'receipt' },
      { href: '/admin/bank-statements', label: 'shell.nav.bankStatements', icon: 'bank' },
      { href: '/admin/pricing', label: 'shell.nav.adminPricing', icon: 'tag' },
      { href: '/admin/invoices', label: 'invoices.admin.title', icon: 'receipt' },
      { href: '/admin/vat-evidence', label: 'vat.nav', icon: 'globe' },
      SECURITY_LINK,
      MAILBOX_LINK,
    ],
  },
];

/** The product's name and mark; the link's name is the product's, for screen readers too. */
function brand() {
  return h(
    'a',
    { href: '/', class: 'brand' },
    h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'T'),
    h('span', { class: 'brand-name' }, t('common.brand')),
  );
}

function sandboxBadge() {
  return h(
    'span',
    { class: 'sandbox-badge', title: t('shell.sandboxTitle'), hidden: !session.health?.sandbox },
    t('shell.sandbox'),
  );
}

function initials(/** @type {string | null | undefined} */ name) {
  const words = String(name ?? '?')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  return ((words[0]?.[0] ?? '?') + (words[1]?.[0] ?? '')).toUpperCase();
}

/**
 * The language switch: a labelled select. Signed in as a customer, the choice is saved to the
 * account (its e-mails follow it too); otherwise it is remembered in this browser.
 */
export function languageSwitch() {
  const id = uniqueId('language-switch');
  const select = h(
    'select',
    { id, class: 'language-select', value: language() },
    LANGUAGES.map((lang) => h('option', { value: lang, lang }, t(`common.language.${lang}`))),
  );
  select.addEventListener('change', async () => {
    const chosen = select.value === 'es' ? 'es' : 'en';
    rememberLanguage(chosen);
    try {
      if (session.account && !isAdmin()) {
        const account = /** @type {Account} */ (await api.put('/account/language', { language: chosen }));
        setSession({ user: session.user, account });
      }
    } catch (error) {
      if (statusOf(error) !== 401) notifyError(error);
    }
    await setLanguage(chosen);
  });
  return h(
    'div',
    { class: 'language' },
    h(
      'label',
      { for: id, class: 'language-label' },
      icon('globe'),
      h('span', { class: 'visually-hidden' }, t('common.language.switch')),
    ),
    select,
  );
}

/** The balance in the top bar: available credits with their unit; held and total on hover or focus. */
function balanceWidget() {
  const amount = h('span', { class: 'balance-amount', 'data-testid': 'balance-available' }, '—');
  const held = h('span', { class: 'balance-held' });
  const rows = {
    available: h('dd', {}, '—'),
    held: h('dd', {}, '—'),
    credits: h('dd', {}, '—'),
  };
  const widget = h(
    'div',
    { class: 'balance', tabindex: '0', 'aria-describedby': 'balance-details' },
    h('span', { class: 'balance-label' }, t('shell.balance.label')),
    h(
      'span',
      { class: 'balance-value' },
      amount,
      h('span', { class: 'balance-unit' }, ` ${t('shell.balance.unit')}`),
    ),
    held,
    h(
      'div',
      { class: 'balance-popover', id: 'balance-details', role: 'tooltip' },
      h(
        'dl',
        {},
        h('dt', {}, t('shell.balance.available')),
        rows.available,
        h('dt', {}, t('shell.balance.held')),
        rows.held,
        h('dt', {}, t('shell.balance.label')),
        rows.credits,
      ),
      h('p', { class: 'balance-note' }, t('shell.balance.note')),
      h(
        'a',
        { href: '/refills', class: 'balance-link', 'data-testid': 'balance-refills' },
        t('refills.balanceLink'),
      ),
    ),
  );
  const render = () => {
    const b = session.account?.balance;
    amount.textContent = credits(b?.available);
    rows.available.textContent = t('shell.balance.amount', { amount: credits(b?.available) });
    rows.held.textContent = t('shell.balance.amount', { amount: credits(b?.held) });
    rows.credits.textContent = t('shell.balance.amount', { amount: credits(b?.credits) });
    held.textContent = isPositive(b?.held) ? t('shell.balance.heldShort', { amount: credits(b?.held) }) : '';
    held.hidden = !isPositive(b?.held);
  };
  render();
  return { widget, render };
}

function navigation() {
  const nav = h('nav', { class: 'sidenav', id: 'portal-nav', 'aria-label': t('shell.nav.label') });
  const render = () => {
    nav.replaceChildren(
      ...NAV.filter((g) => (isAdmin() ? g.admin : g.customer)).map((g) =>
        h(
          'div',
          { class: 'nav-group' },
          h('p', { class: 'nav-group-title' }, t(g.group)),
          h(
            'ul',
            {},
            g.items
              .filter((item) => !item.only || session.health?.[item.only])
              .map((item) =>
                h(
                  'li',
                  {},
                  h(
                    'a',
                    { href: item.href, class: 'nav-link' },
                    icon(item.icon),
                    h('span', {}, t(item.label)),
                    item.badge === 'outbox' ? outboxBadge() : null,
                  ),
                ),
              ),
          ),
        ),
      ),
    );
    markActive(nav);
  };
  render();
  return { nav, render };
}

function outboxBadge() {
  const count = outboxCount ?? 0;
  return h(
    'span',
    {
      class: 'nav-badge',
      'data-testid': 'outbox-badge',
      hidden: count === 0,
      title: t('shell.outboxBadge', { count }),
    },
    count > 999 ? '999+' : String(count),
    h('span', { class: 'visually-hidden' }, ` ${t('shell.notYetSent')}`),
  );
}

function markActive(/** @type {HTMLElement} */ nav) {
  const path = location.pathname;
  for (const link of nav.querySelectorAll('a.nav-link')) {
    const href = link.getAttribute('href') ?? '';
    const active = href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`);
    if (active) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

/** Explains an account that cannot work normally yet, and what to do about it. */
function statusBanner() {
  const banner = h('div', { class: 'status-banner', hidden: true });
  const render = () => {
    const account = session.account;
    if (!account || (account.status !== 'pending_verification' && account.status !== 'suspended')) {
      banner.hidden = true;
      banner.replaceChildren();
      return;
    }
    banner.hidden = false;
    if (account.status === 'suspended') {
      banner.className = 'status-banner status-banner-danger';
      banner.replaceChildren(
        icon('alert'),
        h('div', {}, h('strong', {}, `${t('shell.banner.suspended')} `), t('shell.banner.suspendedText')),
      );
      return;
    }
    const missing = missingSteps();
    const items = [];
    if (missing.includes('email')) items.push(h('li', {}, t('shell.banner.email')));
    if (missing.includes('billing')) {
      items.push(h('li', {}, h('a', { href: '/account/billing' }, t('shell.banner.billing')), '.'));
    }
    if (missing.includes('mobile')) {
      items.push(
        h(
          'li',
          {},
          h('a', { href: '/account/mobile' }, t('shell.banner.mobile')),
          ` ${t('shell.banner.mobileText')}`,
        ),
      );
    }
    if (!missing.length) {
      // Nothing left for the customer: with staff verification, the operator's review remains.
      banner.className = 'status-banner status-banner-info';
      banner.replaceChildren(
        icon('check'),
        h(
          'div',
          {},
          h('strong', {}, `${statusLabel(account.status)}. `),
          verificationPolicy(account) === 'staff' ? t('shell.banner.review') : t('shell.banner.activating'),
        ),
      );
      return;
    }
    banner.className = 'status-banner status-banner-warning';
    banner.replaceChildren(
      icon('alert'),
      h(
        'div',
        {},
        h('strong', {}, `${statusLabel(account.status)}. `),
        t('shell.banner.toVerify'),
        h('ul', { class: 'status-banner-list' }, items),
      ),
    );
  };
  render();
  return { banner, render };
}

export async function logout() {
  try {
    await api.post('/auth/logout');
  } catch (error) {
    if (statusOf(error) !== 401) notifyError(error);
  }
  clearSession();
  navigate('/login', { replace: true });
}

/**
 * The menu button of narrow screens: shows and hides the navigation, closes it after a choice
 * or with Escape, and gives focus back to the button.
 */
function menuButton(/** @type {HTMLElement} */ nav, /** @type {HTMLElement} */ root) {
  const button = h(
    'button',
    {
      type: 'button',
      class: 'button button-ghost button-small menu-button',
      'aria-expanded': 'false',
      'aria-controls': 'portal-nav',
      'aria-label': t('shell.menu'),
    },
    icon('menu'),
    h('span', { class: 'menu-label' }, t('shell.menu')),
  );
  const set = (/** @type {boolean} */ open) => {
    button.setAttribute('aria-expanded', String(open));
    root.classList.toggle('menu-open', open);
  };
  button.addEventListener('click', () => set(button.getAttribute('aria-expanded') !== 'true'));
  nav.addEventListener('click', (event) => {
    if (event.target instanceof Element && event.target.closest('a')) set(false);
  });
  root.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && root.classList.contains('menu-open')) {
      set(false);
      button.focus();
    }
  });
  return { button, close: () => set(false) };
}

/**
 * Mounts the signed-in chrome into `root` and returns its main slot. Redrawn parts follow the
 * session; the balance is polled while the page is visible.
 * @param {HTMLElement} root
 */
export function mountShell(root) {
  // Operator staff have no customer account: no balance, no top up.
  const customer = !isAdmin();
  const balance = balanceWidget();
  const nav = navigation();
  const banner = statusBanner();
  const badge = sandboxBadge();
  const menu = menuButton(nav.nav, root);
  const who = h('span', { class: 'user-name' });
  const email = h('span', { class: 'user-email' });
  const avatar = h('span', { class: 'avatar', 'aria-hidden': 'true' });
  const main = h('main', { id: 'main', class: 'content', tabindex: '-1' });

  const header = h(
    'header',
    { class: 'topbar' },
    h('div', { class: 'topbar-left' }, menu.button, brand(), badge),
    h(
      'div',
      { class: 'topbar-right' },
      customer ? balance.widget : h('span', { class: 'role-badge' }, t('shell.operatorStaff')),
      customer
        ? h('a', { href: '/buy', class: 'button button-primary button-small topup' }, t('shell.topUp'))
        : null,
      h('div', { class: 'topbar-language' }, languageSwitch()),
      h('div', { class: 'user' }, avatar, h('div', { class: 'user-text' }, who, email)),
      h(
        'button',
        {
          type: 'button',
          class: 'button button-ghost button-small logout',
          onclick: logout,
          title: t('shell.logOut'),
          'aria-label': t('shell.logOut'),
        },
        icon('logout'),
        h('span', { class: 'logout-label' }, t('shell.logOut')),
      ),
    ),
  );

  const renderIdentity = () => {
    const name = (customer ? session.account?.name : null) ?? session.user?.name ?? session.user?.email ?? '';
    who.textContent = name;
    email.textContent = session.user?.email ?? '';
    avatar.textContent = initials(name);
    badge.hidden = !session.health?.sandbox;
  };
  renderIdentity();

  // On a phone the top bar keeps the product, the sandbox badge and the balance; the language
  // and Log out move into the menu, under the navigation.
  const extras = h(
    'div',
    { class: 'nav-extras' },
    languageSwitch(),
    h(
      'button',
      { type: 'button', class: 'button button-secondary button-small', onclick: logout },
      icon('logout'),
      t('shell.logOut'),
    ),
  );
  root.className = 'app';
  root.replaceChildren(
    header,
    h(
      'div',
      { class: 'layout' },
      h('div', { class: 'nav-column' }, nav.nav, extras),
      h('div', { class: 'main-column' }, banner.banner, main),
    ),
  );

  const unsubscribe = onSessionChange(() => {
    if (!session.user) return;
    renderIdentity();
    balance.render();
    banner.render();
    nav.render();
  });

  let stale = false;
  const poll = async () => {
    if (document.visibilityState === 'hidden' || !session.account) return;
    try {
      const b = /** @type {Balance} */ (await api.get('/balance'));
      updateBalance(b);
      if (stale) balance.widget.classList.remove('balance-stale');
      stale = false;
    } catch (error) {
      // A poll failure is not worth a notice each time; 401 is handled globally.
      stale = true;
      balance.widget.classList.add('balance-stale');
      balance.widget.title = error instanceof Error ? error.message : '';
    }
  };
  const pollOutbox = async () => {
    if (document.visibilityState === 'hidden' || !session.account) return;
    try {
      const outbox = /** @type {Outbox} */ (await api.get('/outbox'));
      const count = Number(outbox?.messages ?? 0);
      if (count !== outboxCount) {
        outboxCount = count;
        nav.render();
      }
    } catch {
      // the badge keeps its last count; the Outbox page says what went wrong
    }
  };
  if (customer) outboxPoll = pollOutbox;
  const onVisible = () => {
    if (document.visibilityState === 'visible') {
      poll();
      pollOutbox();
    }
  };
  const timer = customer
    ? setInterval(() => {
        poll();
        pollOutbox();
      }, BALANCE_POLL_MS)
    : undefined;
  if (customer) {
    document.addEventListener('visibilitychange', onVisible);
    poll();
    pollOutbox();
  }

  return {
    main,
    onRoute() {
      markActive(nav.nav);
      menu.close();
    },
    destroy() {
      clearInterval(timer);
      if (outboxPoll === pollOutbox) outboxPoll = null;
      outboxCount = null;
      root.classList.remove('menu-open');
      document.removeEventListener('visibilitychange', onVisible);
      unsubscribe();
    },
  };
}

/**
 * Makes every region of `root` that scrolls on its own (a wide table on a phone, a long list)
 * reachable by keyboard, unless something inside it already takes focus; kept up as the page
 * changes. Pages need not think of it.
 */
export function keepScrollRegionsFocusable(/** @type {HTMLElement} */ root) {
  const mark = () => {
    for (const el of root.querySelectorAll('.table-wrap, .table-scroll, pre')) {
      if (!(el instanceof HTMLElement) || el.hasAttribute('tabindex')) continue;
      const scrolls = el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
      const focusable = el.querySelector('a[href], button, input, select, textarea, [tabindex]');
      if (scrolls && !focusable) {
        el.tabIndex = 0;
        if (!el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby')) {
          el.setAttribute('role', 'region');
          el.setAttribute('aria-label', t('shell.scrollRegion'));
        }
      }
    }
  };
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(mark, 50);
  };
  new MutationObserver(soon).observe(root, { childList: true, subtree: true });
  window.addEventListener('resize', soon);
  mark();
}

/** The centred card of the sign-in pages. */
export function mountAuthLayout(/** @type {HTMLElement} */ root) {
  const main = h('main', { id: 'main', class: 'auth-card', tabindex: '-1' });
  const badge = sandboxBadge();
  root.className = 'auth';
  root.replaceChildren(
    h(
      'div',
      { class: 'auth-wrap' },
      h('header', { class: 'auth-brand' }, brand(), badge, languageSwitch()),
      main,
      h(
        'footer',
        { class: 'auth-footer' },
        `${t('shell.authFooter')} · `,
        h('a', { href: '/api/docs', 'data-native': '' }, t('shell.apiDocs')),
      ),
    ),
  );
  const unsubscribe = onSessionChange(() => {
    badge.hidden = !session.health?.sandbox;
  });
  return { main, onRoute() {}, destroy: unsubscribe };
}
