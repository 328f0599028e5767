// The chrome around the pages: the top bar (account, balance, top up, sandbox badge), the
// navigation, the account status banner, and the centred card used by the sign-in pages.
import { api } from './api.js';
import { h, icon } from './dom.js';
import { t } from './i18n.js';
import { credits, isPositive, statusLabel } from './format.js';
import { notifyError } from './notices.js';
import { navigate } from './router.js';
import { clearSession, isAdmin, missingSteps, onSessionChange, session, updateBalance } from './session.js';

const BALANCE_POLL_MS = 5000;

/** Messages not yet handed to a carrier, shown on the Outbox link; null until first read. */
let outboxCount = null;
let outboxPoll = null;

/** Reads the outbox now (after a send or Remove outbox) so its badge follows at once. */
export function refreshOutboxBadge() {
  return outboxPoll?.();
}

/** Two-factor settings: for customers (My account) and operator staff alike. */
const SECURITY_LINK = {
  href: '/account/security',
  icon: 'lock',
  get label() {
    return t('security.nav');
  },
};

// Customer groups are hidden from operator staff, who have no customer account.
const NAV = [
  { group: 'Overview', customer: true, items: [{ href: '/', label: 'Dashboard', icon: 'home' }] },
  {
    group: 'Messaging',
    customer: true,
    items: [
      { href: '/send', label: 'Send SMS', icon: 'send' },
      { href: '/messages', label: 'Messages', icon: 'message' },
      { href: '/campaigns', label: 'Campaigns', icon: 'campaign' },
      { href: '/outbox', label: 'Outbox', icon: 'outbox', badge: 'outbox' },
    ],
  },
  {
    group: 'Credits',
    customer: true,
    items: [
      { href: '/buy', label: 'Buy credits', icon: 'coins' },
      { href: '/pricing', label: 'Price list', icon: 'tag' },
    ],
  },
  {
    group: 'Payments',
    customer: true,
    items: [
      { href: '/purchases', label: 'Purchases', icon: 'receipt' },
      { href: '/transactions', label: 'Transactions', icon: 'list' },
      { href: '/cards', label: 'Saved cards', icon: 'card' },
    ],
  },
  {
    group: 'My account',
    customer: true,
    items: [
      { href: '/account/billing', label: 'Billing data', icon: 'billing' },
      { href: '/account/mobile', label: 'Mobile number', icon: 'phone' },
      { href: '/account/preferences', label: 'Preferences', icon: 'sliders' },
      { href: '/account/api-keys', label: 'API keys', icon: 'key' },
      SECURITY_LINK,
    ],
  },
  {
    group: 'Operator',
    admin: true,
    items: [
      { href: '/admin/accounts', label: 'Accounts', icon: 'shield' },
      { href: '/admin/purchases', label: 'Purchases', icon: 'receipt' },
      { href: '/admin/bank-statements', label: 'Bank statements', icon: 'bank' },
      { href: '/admin/pricing', label: 'Pricing', icon: 'tag' },
      SECURITY_LINK,
    ],
  },
];

function brand() {
  return h(
    'a',
    { href: '/', class: 'brand', 'aria-label': 'Tollgate home' },
    h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'T'),
    h('span', { class: 'brand-name' }, 'Tollgate'),
  );
}

function sandboxBadge() {
  return h(
    'span',
    {
      class: 'sandbox-badge',
      title: 'Sandbox: payments, e-mails and SMS are simulated. Nothing is charged or really sent.',
      hidden: !session.health?.sandbox,
    },
    'Sandbox',
  );
}

function initials(name) {
  const words = String(name ?? '?')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  return ((words[0]?.[0] ?? '?') + (words[1]?.[0] ?? '')).toUpperCase();
}

/** The balance in the top bar: available credits; held and total on hover or focus. */
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
    h('span', { class: 'balance-label' }, 'Balance'),
    h('span', { class: 'balance-value' }, amount, h('span', { class: 'balance-unit' }, ' credits')),
    held,
    h(
      'div',
      { class: 'balance-popover', id: 'balance-details', role: 'tooltip' },
      h(
        'dl',
        {},
        h('dt', {}, 'Available'),
        rows.available,
        h('dt', {}, 'Held'),
        rows.held,
        h('dt', {}, 'Balance'),
        rows.credits,
      ),
      h(
        'p',
        { class: 'balance-note' },
        'Held credits are reserved for messages being sent. Credits never expire.',
      ),
    ),
  );
  const render = () => {
    const b = session.account?.balance;
    amount.textContent = credits(b?.available);
    rows.available.textContent = `${credits(b?.available)} credits`;
    rows.held.textContent = `${credits(b?.held)} credits`;
    rows.credits.textContent = `${credits(b?.credits)} credits`;
    held.textContent = isPositive(b?.held) ? `${credits(b?.held)} held` : '';
    held.hidden = !isPositive(b?.held);
  };
  render();
  return { widget, render };
}

function navigation() {
  const nav = h('nav', { class: 'sidenav', 'aria-label': 'Portal' });
  const render = () => {
    nav.replaceChildren(
      ...NAV.filter((g) => (isAdmin() ? g.admin : g.customer)).map((g) =>
        h(
          'div',
          { class: 'nav-group' },
          h('p', { class: 'nav-group-title' }, g.group),
          h(
            'ul',
            {},
            g.items.map((item) =>
              h(
                'li',
                {},
                h(
                  'a',
                  { href: item.href, class: 'nav-link' },
                  icon(item.icon),
                  h('span', {}, item.label),
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
      title: `${count} ${count === 1 ? 'message' : 'messages'} not yet sent`,
    },
    count > 999 ? '999+' : String(count),
    h('span', { class: 'visually-hidden' }, ' not yet sent'),
  );
}

function markActive(nav) {
  const path = location.pathname;
  for (const link of nav.querySelectorAll('a.nav-link')) {
    const href = link.getAttribute('href');
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
        h(
          'div',
          {},
          h('strong', {}, 'Your account is suspended. '),
          'Sending and purchases are stopped. Contact the operator of this Tollgate to have it reactivated.',
        ),
      );
      return;
    }
    const missing = missingSteps();
    const items = [];
    if (missing.includes('email'))
      items.push(h('li', {}, 'Confirm your e-mail address with the link we sent you.'));
    if (missing.includes('billing')) {
      items.push(h('li', {}, h('a', { href: '/account/billing' }, 'Complete your billing data'), '.'));
    }
    if (missing.includes('mobile')) {
      items.push(
        h('li', {}, h('a', { href: '/account/mobile' }, 'Verify your mobile number'), ' with a code by SMS.'),
      );
    }
    if (!missing.length) {
      // Nothing left for the customer: the operator's review is what remains.
      banner.className = 'status-banner status-banner-info';
      banner.replaceChildren(
        icon('check'),
        h(
          'div',
          {},
          h('strong', {}, `${statusLabel(account.status)}. `),
          'Everything is in place: our team is reviewing your account. You can send as soon as it is verified.',
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
        'To have your account verified:',
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
    if (error.status !== 401) notifyError(error);
  }
  clearSession();
  navigate('/login', { replace: true });
}

/**
 * Mounts the signed-in chrome into `root` and returns its main slot. Redrawn parts follow the
 * session; the balance is polled while the page is visible.
 */
export function mountShell(root) {
  // Operator staff have no customer account: no balance, no top up.
  const customer = !isAdmin();
  const balance = balanceWidget();
  const nav = navigation();
  const banner = statusBanner();
  const badge = sandboxBadge();
  const who = h('span', { class: 'user-name' });
  const email = h('span', { class: 'user-email' });
  const avatar = h('span', { class: 'avatar', 'aria-hidden': 'true' });
  const main = h('main', { id: 'main', class: 'content', tabindex: '-1' });

  const header = h(
    'header',
    { class: 'topbar' },
    h('div', { class: 'topbar-left' }, brand(), badge),
    h(
      'div',
      { class: 'topbar-right' },
      customer ? balance.widget : h('span', { class: 'role-badge' }, 'Operator staff'),
      customer ? h('a', { href: '/buy', class: 'button button-primary button-small topup' }, 'Top up') : null,
      h('div', { class: 'user' }, avatar, h('div', { class: 'user-text' }, who, email)),
      h(
        'button',
        {
          type: 'button',
          class: 'button button-ghost button-small',
          onclick: logout,
          title: 'Log out',
          'aria-label': 'Log out',
        },
        icon('logout'),
        h('span', { class: 'logout-label' }, 'Log out'),
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

  root.className = 'app';
  root.replaceChildren(
    header,
    h('div', { class: 'layout' }, nav.nav, h('div', { class: 'main-column' }, banner.banner, main)),
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
      const b = await api.get('/balance');
      updateBalance(b);
      if (stale) balance.widget.classList.remove('balance-stale');
      stale = false;
    } catch (error) {
      // A poll failure is not worth a notice each time; 401 is handled globally.
      stale = true;
      balance.widget.classList.add('balance-stale');
      balance.widget.title = error.message;
    }
  };
  const pollOutbox = async () => {
    if (document.visibilityState === 'hidden' || !session.account) return;
    try {
      const outbox = await api.get('/outbox');
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
    : null;
  if (customer) {
    document.addEventListener('visibilitychange', onVisible);
    poll();
    pollOutbox();
  }

  return {
    main,
    onRoute() {
      markActive(nav.nav);
    },
    destroy() {
      clearInterval(timer);
      if (outboxPoll === pollOutbox) outboxPoll = null;
      outboxCount = null;
      document.removeEventListener('visibilitychange', onVisible);
      unsubscribe();
    },
  };
}

/** The centred card of the sign-in pages. */
export function mountAuthLayout(root) {
  const main = h('main', { id: 'main', class: 'auth-card', tabindex: '-1' });
  const badge = sandboxBadge();
  root.className = 'auth';
  root.replaceChildren(
    h(
      'div',
      { class: 'auth-wrap' },
      h('div', { class: 'auth-brand' }, brand(), badge),
      main,
      h(
        'p',
        { class: 'auth-footer' },
        'Prepaid SMS credits that never expire · ',
        h('a', { href: '/api/docs', 'data-native': '' }, 'API documentation'),
      ),
    ),
  );
  const unsubscribe = onSessionChange(() => {
    badge.hidden = !session.health?.sandbox;
  });
  return { main, onRoute() {}, destroy: unsubscribe };
}
