// @ts-check
// The home page: balance, held and available; what the last 30 days cost and how the messages
// fared (GET /usage: charts in SVG with the same figures in a table, and the delivery rate);
// campaigns in progress with their progress bars; the last transactions (grouped by campaign
// and day, in words) and messages; the
// account's status and the next steps a new customer takes, in the help centre's order and as
// this server verifies accounts (ACCOUNT_VERIFICATION: by staff, or by the mobile).
import { api, isAbort } from '../api.js';
import { barChart } from '../chart.js';
import { h, icon, replace } from '../dom.js';
import { credits, dateTime, isPositive, signedCredits, statusLabel } from '../format.js';
import { formatNumber, intlLocale, t } from '../i18n.js';
import { list } from '../money.js';
import { billingComplete, refreshAccount, session, verificationPolicy } from '../session.js';
import { toMicros } from '../sms.js';
import { describeTransaction } from '../transaction-words.js';
import { campaignPill, outcomeLine, progressBar } from './campaign-parts.js';
import { messageRow, messagesTable } from './messages.js';

/** @typedef {import('../api-types.js').Account} Account */
/** @typedef {import('../api-types.js').UsageBucket} UsageBucket */
/** @typedef {import('../api-types.js').Campaign} Campaign */
/** @typedef {import('../api-types.js').Transaction} Transaction */
/** @typedef {import('../api-types.js').Message} Message */

function statusPill(/** @type {string} */ status) {
  return h(
    'span',
    { class: ['pill', `pill-${status}`], 'data-testid': 'account-status' },
    statusLabel(status),
  );
}

/**
 * @typedef {object} Step
 * @property {string} id
 * @property {string} title
 * @property {string} text
 * @property {boolean} done
 * @property {string} [href]
 * @property {string} [action]
 */

/**
 * The set-up steps, as the help centre orders them. The operator's review is a step only when
 * staff verify accounts here; with verification by mobile, the mobile step verifies the account.
 * @param {Account} account
 * @param {{ sentAny?: boolean }} [options]
 * @returns {Step[]}
 */
export function nextSteps(account, { sentAny = false } = {}) {
  const prefs = account.preferences ?? {};
  const byStaff = verificationPolicy(account) === 'staff';
  const active = account.status !== 'pending_verification' && account.status !== 'suspended';
  /** @type {(Step | null)[]} */
  const steps = [
    { id: 'login', title: t('dashboard.steps.login'), text: t('dashboard.steps.loginText'), done: true },
    {
      id: 'billing',
      title: t('dashboard.steps.billing'),
      text: t('dashboard.steps.billingText'),
      done: billingComplete(account),
      href: '/account/billing',
      action: t('dashboard.steps.billingAction'),
    },
    {
      id: 'mobile',
      title: t('dashboard.steps.mobile'),
      text: byStaff ? t('dashboard.steps.mobileTextStaff') : t('dashboard.steps.mobileTextMobile'),
      done: Boolean(account.mobileVerified),
      href: '/account/mobile',
      action: t('dashboard.steps.mobileAction'),
    },
    {
      id: 'preferences',
      title: t('dashboard.steps.preferences'),
      text: t('dashboard.steps.preferencesText'),
      done: Boolean(prefs.country && prefs.currency),
      href: '/account/preferences',
      action: t('dashboard.steps.preferencesAction'),
    },
    byStaff
      ? {
          id: 'review',
          title: t('dashboard.steps.review'),
          text: t('dashboard.steps.reviewText'),
          done: active,
        }
      : null,
    {
      id: 'buy',
      title: t('dashboard.steps.buy'),
      text: t('dashboard.steps.buyText'),
      done: isPositive(account.balance?.credits),
      href: '/buy',
      action: t('shell.nav.buy'),
    },
    {
      id: 'send',
      title: t('dashboard.steps.send'),
      text: t('dashboard.steps.sendText'),
      done: sentAny,
      href: '/send',
      action: t('shell.nav.send'),
    },
  ];
  return /** @type {Step[]} */ (steps.filter(Boolean));
}

/** A day's label on the chart ("5 Dec" / "5 dic"). */
function dayLabel(/** @type {string} */ at) {
  return new Intl.DateTimeFormat(intlLocale(), {
    day: 'numeric',
    month: 'short',
    timeZone: session.account?.preferences?.timezone,
  }).format(new Date(at));
}

/** Micro-credits summed exactly, as a decimal string. */
function sumCredits(/** @type {string[]} */ values) {
  let micros = 0n;
  for (const v of values) micros += toMicros(v) ?? 0n;
  const whole = micros / 1_000_000n;
  const fraction = (micros % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : String(whole);
}

/**
 * The usage card: totals, the two charts and their table.
 * @param {UsageBucket[]} usage
 */
function usageCard(usage) {
  const days = usage.map((u) => dayLabel(u.at));
  const totals = usage.reduce(
    (sum, u) => ({
      delivered: sum.delivered + u.messages.delivered,
      failed: sum.failed + u.messages.failed,
      canceled: sum.canceled + u.messages.canceled,
      sent: sum.sent + u.messages.sent,
      pending: sum.pending + (u.messages.pending ?? 0),
    }),
    { delivered: 0, failed: 0, canceled: 0, sent: 0, pending: 0 },
  );
  const spent = sumCredits(usage.map((u) => u.creditsSpent));
  const messages = totals.delivered + totals.failed + totals.canceled + totals.sent + totals.pending;
  const settled = totals.delivered + totals.failed;
  const rate = settled
    ? new Intl.NumberFormat(intlLocale(), { style: 'percent', maximumFractionDigits: 1 }).format(
        totals.delivered / settled,
      )
    : '—';
  const number = (/** @type {number} */ n) => formatNumber(n);
  const spentChart = barChart({
    label: t('dashboard.usage.spentChart', { credits: credits(spent), days: usage.length }),
    categories: days,
    series: [{ key: 'spent', label: t('dashboard.usage.spent'), className: 'series-spent' }],
    values: usage.map((u) => ({ spent: Number(u.creditsSpent) })),
    format: number,
  });
  const messagesChart = barChart({
    label: t('dashboard.usage.messagesChart', {
      delivered: totals.delivered,
      failed: totals.failed,
      canceled: totals.canceled,
      days: usage.length,
    }),
    categories: days,
    series: [
      { key: 'delivered', label: t('messaging.status.delivered'), className: 'series-delivered' },
      { key: 'sent', label: t('dashboard.usage.awaiting'), className: 'series-sent' },
      { key: 'failed', label: t('messaging.status.failed'), className: 'series-failed' },
      { key: 'canceled', label: t('messaging.status.canceled'), className: 'series-canceled' },
    ],
    values: usage.map((u) => ({ ...u.messages })),
    format: number,
  });
  const table = h(
    'div',
    {
      class: 'table-wrap table-scroll',
      tabindex: '0',
      role: 'region',
      'aria-labelledby': 'usage-table-caption',
    },
    h(
      'table',
      { class: 'table table-compact', 'data-testid': 'usage-table' },
      h('caption', { id: 'usage-table-caption' }, t('dashboard.usage.tableCaption')),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, t('dashboard.usage.day')),
          h('th', { scope: 'col', class: 'num' }, t('dashboard.usage.spent')),
          h('th', { scope: 'col', class: 'num' }, t('messaging.status.delivered')),
          h('th', { scope: 'col', class: 'num' }, t('messaging.status.failed')),
          h('th', { scope: 'col', class: 'num' }, t('messaging.status.canceled')),
          h('th', { scope: 'col', class: 'num' }, t('dashboard.usage.awaiting')),
        ),
      ),
      h(
        'tbody',
        {},
        usage.map((u, i) =>
          h(
            'tr',
            { 'data-at': u.at },
            h('th', { scope: 'row' }, days[i] ?? ''),
            h('td', { class: 'num' }, credits(u.creditsSpent)),
            h('td', { class: 'num' }, number(u.messages.delivered)),
            h('td', { class: 'num' }, number(u.messages.failed)),
            h('td', { class: 'num' }, number(u.messages.canceled)),
            h('td', { class: 'num' }, number(u.messages.sent + (u.messages.pending ?? 0))),
          ),
        ),
      ),
    ),
  );
  const charts = h(
    'div',
    { class: 'usage-charts' },
    h('h3', { class: 'subhead' }, t('dashboard.usage.spentTitle')),
    spentChart,
    h('h3', { class: 'subhead' }, t('dashboard.usage.messagesTitle')),
    messagesChart,
  );
  table.hidden = true;
  const toggle = h(
    'button',
    {
      type: 'button',
      class: 'button button-ghost button-small',
      'aria-expanded': 'false',
      'aria-controls': 'usage-table',
    },
    icon('list'),
    t('dashboard.usage.showTable'),
  );
  table.id = 'usage-table';
  toggle.addEventListener('click', () => {
    const showTable = table.hidden;
    table.hidden = !showTable;
    charts.hidden = showTable;
    toggle.setAttribute('aria-expanded', String(showTable));
    replace(
      toggle,
      icon(showTable ? 'chart' : 'list'),
      showTable ? t('dashboard.usage.showCharts') : t('dashboard.usage.showTable'),
    );
  });
  return h(
    'section',
    { class: 'card card-wide', 'aria-labelledby': 'dash-usage', 'data-testid': 'usage' },
    h(
      'div',
      { class: 'card-head' },
      h('h2', { id: 'dash-usage', class: 'card-title' }, t('dashboard.usage.title')),
      toggle,
    ),
    h(
      'dl',
      { class: 'stat-row usage-stats' },
      h(
        'div',
        { class: 'stat' },
        h('dt', {}, t('dashboard.usage.spent')),
        h('dd', { 'data-testid': 'usage-spent' }, credits(spent)),
      ),
      h(
        'div',
        { class: 'stat' },
        h('dt', {}, t('shell.nav.messages')),
        h('dd', { 'data-testid': 'usage-messages' }, number(messages)),
      ),
      h(
        'div',
        { class: 'stat' },
        h('dt', {}, t('dashboard.usage.rate')),
        h('dd', { 'data-testid': 'delivery-rate' }, rate),
        h(
          'dd',
          { class: 'muted small' },
          t('dashboard.usage.rateNote', { delivered: totals.delivered, settled }),
        ),
      ),
    ),
    charts,
    table,
  );
}

/** Campaigns still on their way, each with its progress bar. */
function campaignsCard(/** @type {Campaign[]} */ campaigns) {
  const moving = campaigns.filter((c) => c.status === 'running' || c.status === 'scheduled');
  if (!moving.length) return null;
  return h(
    'section',
    { class: 'card card-wide', 'aria-labelledby': 'dash-campaigns' },
    h(
      'div',
      { class: 'card-head' },
      h('h2', { id: 'dash-campaigns', class: 'card-title' }, t('dashboard.campaigns')),
      h('a', { href: '/campaigns', class: 'button button-ghost button-small' }, t('shell.nav.campaigns')),
    ),
    h(
      'ul',
      { class: 'progress-list', 'data-testid': 'campaigns-in-progress' },
      moving.map((c) =>
        h(
          'li',
          { class: 'progress-item' },
          h(
            'p',
            { class: 'progress-title' },
            h('a', { href: `/campaigns/${encodeURIComponent(c.id)}`, class: 'strong-link' }, c.name),
            ' ',
            campaignPill(c.status),
          ),
          progressBar(c),
          h('p', { class: 'muted small' }, outcomeLine(c)),
        ),
      ),
    ),
  );
}

/** The last movements of the balance. */
function transactionsCard(/** @type {Transaction[]} */ transactions) {
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'dash-transactions' },
    h(
      'div',
      { class: 'card-head' },
      h('h2', { id: 'dash-transactions', class: 'card-title' }, t('dashboard.transactions')),
      h(
        'a',
        { href: '/transactions', class: 'button button-ghost button-small' },
        t('dashboard.allTransactions'),
      ),
    ),
    transactions.length
      ? h(
          'ul',
          { class: 'plain-list transaction-list', 'data-testid': 'last-transactions' },
          transactions.map((x) =>
            h(
              'li',
              { class: 'transaction-item' },
              h(
                'span',
                {},
                h('strong', {}, describeTransaction(x)),
                h('span', { class: 'muted small' }, ` · ${dateTime(x.at)}`),
              ),
              h(
                'span',
                { class: ['num', String(x.credits).startsWith('-') ? 'text-danger' : 'text-success'] },
                signedCredits(x.credits),
              ),
            ),
          ),
        )
      : h('p', { class: 'muted' }, t('dashboard.noTransactions')),
  );
}

/**
 * Reads what the dashboard shows beside the account; each part may fail alone (the page works
 * without it).
 * @template T
 * @param {Promise<unknown>} request
 * @param {T} fallback
 * @returns {Promise<T>}
 */
async function optional(request, fallback) {
  try {
    return /** @type {T} */ (await request);
  } catch (error) {
    if (isAbort(error)) throw error;
    return fallback;
  }
}

export async function dashboardPage(/** @type {{ signal: AbortSignal }} */ { signal }) {
  const [account, recent, usage, campaigns, transactions] = await Promise.all([
    refreshAccount(),
    optional(api.get('/messages?limit=5', { signal }).then(list), /** @type {Message[] | null} */ (null)),
    optional(api.get('/usage', { signal }), /** @type {UsageBucket[] | null} */ (null)),
    optional(api.get('/campaigns?limit=25', { signal }).then(list), /** @type {Campaign[]} */ ([])),
    optional(
      api.get('/transactions?group=campaign_day&limit=5', { signal }).then(list),
      /** @type {Transaction[] | null} */ (null),
    ),
  ]);
  if (signal.aborted) return h('div');
  const balance = account.balance ?? {};
  const steps = nextSteps(account, { sentAny: Boolean(recent?.length) });
  const done = steps.filter((s) => s.done).length;

  const balanceCard = h(
    'section',
    { class: 'card card-balance', 'aria-labelledby': 'dash-balance' },
    h('h2', { id: 'dash-balance', class: 'card-title' }, t('shell.balance.label')),
    h(
      'p',
      { class: 'big-number' },
      h('span', { 'data-testid': 'dashboard-available' }, credits(balance.available)),
      h('span', { class: 'big-number-unit' }, ` ${t('dashboard.available')}`),
    ),
    h(
      'dl',
      { class: 'inline-stats' },
      h(
        'div',
        {},
        h('dt', {}, t('shell.balance.held')),
        h('dd', { 'data-testid': 'dashboard-held' }, credits(balance.held)),
      ),
      h(
        'div',
        {},
        h('dt', {}, t('shell.balance.label')),
        h('dd', { 'data-testid': 'dashboard-balance' }, credits(balance.credits)),
      ),
    ),
    h('a', { href: '/buy', class: 'button button-primary' }, t('shell.topUp')),
  );

  const statusCard = h(
    'section',
    { class: 'card', 'aria-labelledby': 'dash-status' },
    h('h2', { id: 'dash-status', class: 'card-title' }, t('shell.titles.account')),
    h('p', { class: 'card-line' }, statusPill(account.status)),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, t('shell.titles.account')),
      h('dd', {}, account.name),
      h('dt', {}, t('dashboard.mobile')),
      h(
        'dd',
        {},
        account.mobile ?? account.billing?.mobile ?? t('dashboard.notSet'),
        account.mobileVerified ? ` · ${t('dashboard.verified')}` : '',
      ),
      h('dt', {}, t('shell.nav.billing')),
      h('dd', {}, billingComplete(account) ? t('dashboard.complete') : t('dashboard.incomplete')),
    ),
    h('p', { class: 'card-foot' }, `${t('dashboard.accountId')} `, h('code', {}, account.id)),
  );

  const apiCard = h(
    'section',
    { class: 'card', 'aria-labelledby': 'dash-api' },
    h('h2', { id: 'dash-api', class: 'card-title' }, t('dashboard.integrations')),
    h('p', { class: 'muted' }, t('dashboard.integrationsText')),
    h(
      'div',
      { class: 'button-row' },
      h('a', { href: '/account/api-keys', class: 'button button-secondary' }, t('shell.nav.apiKeys')),
      h(
        'a',
        { href: '/api/docs', class: 'button button-ghost', 'data-native': '' },
        t('dashboard.apiReference'),
      ),
    ),
  );

  const allDone = done === steps.length;
  const checklist = h(
    'section',
    { class: 'card card-wide', 'aria-labelledby': 'dash-steps' },
    h(
      'div',
      { class: 'card-head' },
      h('h2', { id: 'dash-steps', class: 'card-title' }, t('dashboard.nextSteps')),
      h('span', { class: 'muted' }, t('dashboard.stepsDone', { done, count: steps.length })),
    ),
    h('progress', {
      class: 'progress',
      max: steps.length,
      value: done,
      'aria-label': t('dashboard.setupProgress'),
    }),
    h(
      'ol',
      { class: 'checklist' },
      steps.map((s) =>
        h(
          'li',
          { class: ['check-item', s.done && 'check-done'], 'data-step': s.id },
          h('span', { class: 'check-mark' }, s.done ? icon('check') : null),
          h(
            'div',
            { class: 'check-text' },
            h(
              'p',
              { class: 'check-title' },
              s.title,
              h(
                'span',
                { class: 'visually-hidden' },
                s.done ? ` ${t('dashboard.done')}` : ` ${t('dashboard.toDo')}`,
              ),
            ),
            h('p', { class: 'muted' }, s.text),
          ),
          !s.done && s.href
            ? h('a', { href: s.href, class: 'button button-secondary button-small' }, s.action)
            : null,
        ),
      ),
    ),
  );

  const recentCard = recent?.length
    ? h(
        'section',
        { class: 'card card-wide', 'aria-labelledby': 'dash-recent' },
        h(
          'div',
          { class: 'card-head' },
          h('h2', { id: 'dash-recent', class: 'card-title' }, t('dashboard.recent')),
          h(
            'div',
            { class: 'button-row' },
            h(
              'a',
              { href: '/messages', class: 'button button-ghost button-small' },
              t('messaging.send.allMessages'),
            ),
            h(
              'a',
              { href: '/send', class: 'button button-primary button-small' },
              icon('send'),
              t('shell.nav.send'),
            ),
          ),
        ),
        messagesTable(
          h(
            'tbody',
            {},
            recent.map((m) => messageRow(m)),
          ),
          { campaignColumn: true },
        ),
      )
    : null;

  return h(
    'section',
    { class: 'page' },
    h(
      'header',
      { class: 'page-header' },
      h('h1', {}, t('dashboard.welcome', { name: session.user?.name ?? account.name })),
      h('p', { class: 'lead' }, t('dashboard.lead')),
    ),
    h(
      'div',
      { class: 'grid' },
      balanceCard,
      statusCard,
      transactions ? transactionsCard(transactions) : apiCard,
      allDone ? null : checklist,
      usage ? usageCard(usage) : null,
      campaignsCard(campaigns),
      recentCard,
      transactions ? apiCard : null,
      allDone ? checklist : null,
    ),
  );
}
