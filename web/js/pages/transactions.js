// @ts-check
// Payments · Transactions: the movements of the balance, newest first, with the balance after
// each. By default what messages cost is one row per campaign and day (single sends: per day)
// with the count and the total, and a button that opens the row to its messages; purchases,
// refunds and adjustments are one row each, in words. "Every movement" lists them one by one.
// The view and the filters are kept in the address (a reload or a shared link shows the same);
// both views download as CSV with the same filters.
import { api } from '../api.js';
import { h, icon } from '../dom.js';
import { credits, dateTime, signedCredits, TRANSACTION_TYPES, transactionTypeLabel } from '../format.js';
import { onBusyClick } from '../forms.js';
import { intlLocale, t } from '../i18n.js';
import { list } from '../money.js';
import { navigate } from '../router.js';
import { describeTransaction } from '../transaction-words.js';

/** @typedef {import('../api-types.js').Transaction} Transaction */

const PAGE_SIZE = 50;
/** A grouped row folds a day of a campaign: fewer per page keeps a large account's first page quick. */
const GROUPED_PAGE_SIZE = 20;
const DETAIL_PAGE = 50;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The filters and view from the address: only values the API takes.
 * @param {URLSearchParams} query
 */
function filtersOf(query) {
  const type = query.get('type') ?? '';
  const from = query.get('from') ?? '';
  const to = query.get('to') ?? '';
  return {
    type: type in TRANSACTION_TYPES ? type : '',
    from: DAY.test(from) ? from : '',
    to: DAY.test(to) ? to : '',
    view: query.get('view') === 'all' ? 'all' : '',
  };
}

/** @typedef {ReturnType<typeof filtersOf>} Filters */

function searchOf(/** @type {Record<string, string>} */ values) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value) params.set(key, value);
  return params.toString();
}

/**
 * The filters as the API takes them: the days are this browser's calendar days (the API would
 * read a bare date as a UTC day), so "from" is that day's first moment and "to" the next day's.
 * @param {Filters} filters
 * @param {Record<string, string>} [extra]
 */
function apiSearchOf(filters, extra = {}) {
  const startOf = (/** @type {string} */ day, plusDays = 0) => {
    const [y = 0, m = 1, d = 1] = day.split('-').map(Number);
    return new Date(y, m - 1, d + plusDays).toISOString();
  };
  return searchOf({
    type: filters.type,
    from: filters.from ? startOf(filters.from) : '',
    to: filters.to ? startOf(filters.to, 1) : '',
    ...extra,
  });
}

const customerPurchase = (/** @type {string} */ id) => `/purchases/${encodeURIComponent(id)}`;

/**
 * The description cell: the row in words; a purchase (or its refund) links to the purchase, a
 * message to its history. The operator's view also shows the raw reference.
 * @param {Transaction} x
 * @param {{ purchaseHref: (id: string) => string, showReference: boolean }} options
 */
function descriptionCell(x, { purchaseHref, showReference }) {
  const ref = x.reference ?? '';
  const words = describeTransaction(x);
  const link = x.group
    ? null
    : ref.startsWith('pur_')
      ? purchaseHref(ref)
      : ref.startsWith('msg_')
        ? `/messages/${encodeURIComponent(ref)}`
        : null;
  return h(
    'td',
    { class: 'cell-description' },
    link ? h('a', { href: link }, words) : h('span', {}, words),
    showReference && ref ? h('div', { class: 'muted small' }, ref) : null,
  );
}

/**
 * One row of the table.
 * @param {Transaction} x
 * @param {{ purchaseHref?: (id: string) => string, showReference?: boolean, date?: string }} [options]
 */
export function transactionRow(x, { purchaseHref = customerPurchase, showReference, date } = {}) {
  const negative = String(x.credits).startsWith('-');
  return h(
    'tr',
    { 'data-transaction-id': x.id, 'data-type': x.type },
    h('td', { class: 'nowrap cell-date' }, date ?? dateTime(x.at)),
    h(
      'td',
      { class: 'cell-type' },
      h('span', { class: ['type-tag', `type-${x.type}`] }, transactionTypeLabel(x.type)),
    ),
    // The operator's view (its own purchase links) shows the raw reference too.
    descriptionCell(x, { purchaseHref, showReference: showReference ?? purchaseHref !== customerPurchase }),
    h(
      'td',
      { class: ['num', 'cell-credits', negative ? 'amount-out' : 'amount-in'] },
      signedCredits(x.credits),
    ),
    h(
      'td',
      { class: 'num cell-balance', 'data-label': t('transactions.balanceAfter') },
      credits(x.balanceAfter),
    ),
  );
}

/** The table around rows; the operator's account page shows the same. */
export function transactionsTable(/** @type {HTMLElement} */ body) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table table-stack table-transactions', 'data-testid': 'transactions-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, t('transactions.date')),
          h('th', { scope: 'col' }, t('transactions.type')),
          h('th', { scope: 'col' }, t('transactions.description')),
          h('th', { scope: 'col', class: 'num' }, t('transactions.credits')),
          h('th', { scope: 'col', class: 'num' }, t('transactions.balanceAfter')),
        ),
      ),
      body,
    ),
  );
}

/** The day of a grouped row, as the account's calendar names it (no time: the row is a day). */
function groupDate(/** @type {Transaction} */ x) {
  const day = x.group?.day ?? '';
  const [y = 0, m = 1, d = 1] = day.split('-').map(Number);
  if (!DAY.test(day)) return dateTime(x.at);
  return new Intl.DateTimeFormat(intlLocale(), { dateStyle: 'medium', timeZone: 'UTC' }).format(
    new Date(Date.UTC(y, m - 1, d, 12)),
  );
}

/**
 * A grouped row and, under it, a row with the button that opens it to its messages (loaded
 * page by page from the row's `detail` address).
 * @param {Transaction} x
 * @param {AbortSignal} signal
 * @returns {HTMLElement[]}
 */
function groupRows(x, signal) {
  const row = transactionRow(x, { date: groupDate(x) });
  row.classList.add('transaction-group');
  const count = x.group?.count ?? x.count ?? 0;
  const detailId = `detail-${x.id.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  const detailBody = h('tbody', { id: detailId, class: 'transaction-detail', hidden: true });
  const more = h('button', { type: 'button', class: 'button button-ghost button-small', hidden: true });
  more.textContent = t('transactions.moreMessages');
  const toggle = h('button', {
    type: 'button',
    class: 'button button-ghost button-small transaction-toggle',
    'aria-expanded': 'false',
    'aria-controls': detailId,
    'data-testid': 'transaction-expand',
  });
  toggle.textContent = t('transactions.showMessages', { count });
  /** @type {string | null} */
  let cursor = null;
  let loaded = false;
  const address = (x.detail ?? '').replace(/^\/api\/v1/, '');
  const load = async () => {
    const params = new URLSearchParams(address.split('?')[1] ?? '');
    params.set('limit', String(DETAIL_PAGE));
    if (cursor) params.set('cursor', cursor);
    const page = /** @type {import('../api-types.js').Page<Transaction>} */ (
      await api.get(`/transactions?${params}`, { signal })
    );
    for (const m of list(page)) {
      const r = transactionRow(m);
      r.classList.add('transaction-member');
      more.parentElement?.parentElement?.before(r);
    }
    cursor = page?.nextCursor ?? null;
    more.hidden = !cursor;
  };
  const moreRow = h('tr', { class: 'transaction-member-more' }, h('td', { colspan: '5' }, more));
  detailBody.append(moreRow);
  onBusyClick(more, load);
  onBusyClick(toggle, async () => {
    const open = toggle.getAttribute('aria-expanded') === 'true';
    if (open) {
      detailBody.hidden = true;
      toggle.setAttribute('aria-expanded', 'false');
      toggle.textContent = t('transactions.showMessages', { count });
      return;
    }
    if (!loaded) {
      await load();
      loaded = true;
    }
    detailBody.hidden = false;
    toggle.setAttribute('aria-expanded', 'true');
    toggle.textContent = t('transactions.hideMessages');
  });
  const cell = row.querySelector('.cell-description');
  cell?.append(h('div', {}, toggle));
  return [row, detailBody];
}

export async function transactionsPage(
  /** @type {{ query: URLSearchParams, signal: AbortSignal }} */ { query, signal },
) {
  const filters = filtersOf(query);
  const grouped = filters.view !== 'all';
  // Grouped rows carry their own tbody (their messages) after them, so the table holds several.
  const table = transactionsTable(h('tbody'));
  const tableEl = /** @type {HTMLTableElement} */ (table.querySelector('table'));
  const more = h('button', { type: 'button', class: 'button button-secondary', hidden: true });
  more.textContent = t('transactions.more');
  const empty = h('p', { class: 'empty', hidden: true });
  /** @type {string | null} */
  let cursor = null;
  let shown = 0;

  const load = async () => {
    /** @type {Record<string, string>} */
    const extra = grouped
      ? { limit: String(GROUPED_PAGE_SIZE), group: 'campaign_day' }
      : { limit: String(PAGE_SIZE) };
    if (cursor) Object.assign(extra, { cursor });
    const page = /** @type {import('../api-types.js').Page<Transaction>} */ (
      await api.get(`/transactions?${apiSearchOf(filters, extra)}`, { signal })
    );
    /** @type {Transaction[]} */
    const rows = list(page);
    let body = /** @type {HTMLTableSectionElement} */ (tableEl.tBodies[tableEl.tBodies.length - 1]);
    for (const x of rows) {
      if (x.group && x.detail) {
        const [row, detail] = groupRows(x, signal);
        const own = h('tbody', {}, row);
        tableEl.append(own, /** @type {HTMLElement} */ (detail));
        body = h('tbody');
        tableEl.append(body);
      } else {
        body.append(transactionRow(x));
      }
    }
    shown += rows.length;
    cursor = page?.nextCursor ?? null;
    more.hidden = !cursor;
    empty.hidden = shown > 0;
    empty.replaceChildren(
      filters.type || filters.from || filters.to
        ? t('transactions.noMatch')
        : h(
            'span',
            {},
            `${t('transactions.none')} `,
            h('a', { href: '/buy' }, t('transactions.startLink')),
            ` ${t('transactions.startText')}`,
          ),
    );
  };
  onBusyClick(more, load);

  const typeSelect = h(
    'select',
    { id: 'tx-type', name: 'type', value: filters.type },
    h('option', { value: '' }, t('transactions.allTypes')),
    Object.entries(TRANSACTION_TYPES).map(([value, label]) => h('option', { value }, label)),
  );
  const fromInput = h('input', { id: 'tx-from', name: 'from', type: 'date', value: filters.from });
  const toInput = h('input', { id: 'tx-to', name: 'to', type: 'date', value: filters.to });
  const hasFilters = Boolean(filters.type || filters.from || filters.to);
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': t('transactions.filters') },
    h('div', { class: 'field' }, h('label', { for: 'tx-type' }, t('transactions.type')), typeSelect),
    h('div', { class: 'field' }, h('label', { for: 'tx-from' }, t('transactions.from')), fromInput),
    h('div', { class: 'field' }, h('label', { for: 'tx-to' }, t('transactions.to')), toInput),
    h(
      'div',
      { class: 'filters-actions' },
      h('button', { type: 'submit', class: 'button button-secondary' }, t('transactions.apply')),
      hasFilters
        ? h(
            'a',
            { href: `/transactions${grouped ? '' : '?view=all'}`, class: 'button button-ghost' },
            t('transactions.clear'),
          )
        : null,
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = searchOf({
      view: filters.view,
      type: typeSelect.value,
      from: fromInput.value,
      to: toInput.value,
    });
    navigate(next ? `/transactions?${next}` : '/transactions', { replace: true });
  });
  // The date inputs change as they are typed in; a type choice applies at once.
  typeSelect.addEventListener('change', () => form.requestSubmit());

  const viewLink = (/** @type {string} */ view, /** @type {string} */ label) => {
    const search = searchOf({ view, type: filters.type, from: filters.from, to: filters.to });
    return h(
      'a',
      {
        href: search ? `/transactions?${search}` : '/transactions',
        class: 'segment',
        'aria-current': filters.view === view ? 'page' : null,
        'data-testid': `transactions-view-${view || 'grouped'}`,
      },
      label,
    );
  };
  const views = h(
    'nav',
    { class: 'segmented', 'aria-label': t('transactions.views') },
    viewLink('', t('transactions.grouped')),
    viewLink('all', t('transactions.detailed')),
  );

  const csvLink = (/** @type {boolean} */ byGroup, /** @type {string} */ label, /** @type {string} */ id) => {
    const search = apiSearchOf(filters, byGroup ? { group: 'campaign_day' } : {});
    return h(
      'a',
      {
        href: `/api/v1/transactions.csv${search ? `?${search}` : ''}`,
        class: 'button button-secondary',
        download: '',
        'data-testid': id,
      },
      icon('download'),
      label,
    );
  };

  const problem = h('div');
  try {
    await load();
  } catch (error) {
    const e =
      /** @type {{ status?: number, message?: string, fields?: { path: string, message: string }[] }} */ (
        error
      );
    if (e?.status !== 400) throw error;
    // Filters the API refuses (a "to" before "from", say): say so next to them.
    const field = e.fields?.[0];
    problem.replaceChildren(
      h(
        'p',
        { class: 'callout callout-warning', role: 'alert' },
        icon('alert'),
        h(
          'span',
          {},
          field
            ? t('transactions.problem', {
                field: field.path.replace('querystring.', ''),
                message: field.message,
              })
            : (e.message ?? ''),
        ),
      ),
    );
    more.hidden = true;
  }
  return h(
    'section',
    { class: 'page' },
    h(
      'header',
      { class: 'page-header page-header-row' },
      h('div', {}, h('h1', {}, t('transactions.title')), h('p', { class: 'lead' }, t('transactions.lead'))),
      h(
        'div',
        { class: 'button-row' },
        csvLink(true, t('transactions.csvGrouped'), 'transactions-csv-grouped'),
        csvLink(false, t('transactions.csvDetailed'), 'transactions-csv'),
        h('a', { href: '/buy', class: 'button button-primary' }, t('transactions.buy')),
      ),
    ),
    h('div', { class: 'card' }, views, form, problem, table, empty, h('div', { class: 'table-more' }, more)),
  );
}
