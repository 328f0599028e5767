// Payments · Transactions: every movement of the balance (purchases, messages, refunds,
// adjustments…), newest first, with the balance after each; filtered by type and dates (kept in
// the address, so a reload or a shared link shows the same), paged, and downloadable as CSV with
// the same filters.
import { api } from '../api.js';
import { h, icon } from '../dom.js';
import { credits, dateTime, signedCredits, TRANSACTION_TYPES } from '../format.js';
import { list } from '../money.js';
import { navigate } from '../router.js';
import { onBusyClick } from '../forms.js';

const PAGE_SIZE = 50;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The filters from the address: only values the API takes. */
function filtersOf(query) {
  const type = query.get('type') ?? '';
  const from = query.get('from') ?? '';
  const to = query.get('to') ?? '';
  return {
    type: type in TRANSACTION_TYPES ? type : '',
    from: DAY.test(from) ? from : '',
    to: DAY.test(to) ? to : '',
  };
}

function searchOf(filters, extra = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...filters, ...extra })) if (value) params.set(key, value);
  return params.toString();
}

/**
 * The filters as the API takes them: the days are this browser's calendar days (the API would
 * read a bare date as a UTC day), so "from" is that day's first moment and "to" the next day's.
 */
function apiSearchOf(filters, extra = {}) {
  const startOf = (day, plusDays = 0) => {
    const [y, m, d] = day.split('-').map(Number);
    return new Date(y, m - 1, d + plusDays).toISOString();
  };
  return searchOf(
    {
      type: filters.type,
      from: filters.from ? startOf(filters.from) : '',
      to: filters.to ? startOf(filters.to, 1) : '',
    },
    extra,
  );
}

const customerPurchase = (id) => `/purchases/${encodeURIComponent(id)}`;

/** A purchase's movement links to the purchase; other references are shown as they are. */
function referenceCell(t, purchaseHref) {
  const ref = t.reference;
  return h(
    'td',
    { class: 'cell-description' },
    h('span', {}, t.description ?? TRANSACTION_TYPES[t.type] ?? t.type),
    ref
      ? h(
          'div',
          { class: 'muted small' },
          ref.startsWith('pur_') ? h('a', { href: purchaseHref(ref) }, ref) : ref,
        )
      : null,
  );
}

/** One movement; `purchaseHref` says where a purchase's reference links (the operator's page differs). */
export function transactionRow(t, { purchaseHref = customerPurchase } = {}) {
  const negative = String(t.credits).startsWith('-');
  return h(
    'tr',
    { 'data-transaction-id': t.id, 'data-type': t.type },
    h('td', { class: 'nowrap cell-date' }, dateTime(t.at)),
    h(
      'td',
      { class: 'cell-type' },
      h('span', { class: ['type-tag', `type-${t.type}`] }, TRANSACTION_TYPES[t.type] ?? t.type),
    ),
    referenceCell(t, purchaseHref),
    h(
      'td',
      { class: ['num', 'cell-credits', negative ? 'amount-out' : 'amount-in'] },
      signedCredits(t.credits),
    ),
    h('td', { class: 'num cell-balance', 'data-label': 'Balance' }, credits(t.balanceAfter)),
  );
}

export function transactionsTable(body) {
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
          h('th', { scope: 'col' }, 'Date'),
          h('th', { scope: 'col' }, 'Type'),
          h('th', { scope: 'col' }, 'Description'),
          h('th', { scope: 'col', class: 'num' }, 'Credits'),
          h('th', { scope: 'col', class: 'num' }, 'Balance after'),
        ),
      ),
      body,
    ),
  );
}

export async function transactionsPage({ query, signal }) {
  const filters = filtersOf(query);
  const body = h('tbody');
  const more = h('button', { type: 'button', class: 'button button-secondary', hidden: true }, 'Show more');
  const empty = h('p', { class: 'empty', hidden: true });
  let cursor = null;

  const load = async () => {
    const page = await api.get(
      `/transactions?${apiSearchOf(filters, { limit: String(PAGE_SIZE), cursor })}`,
      {
        signal,
      },
    );
    body.append(...list(page).map((t) => transactionRow(t)));
    cursor = page?.nextCursor ?? null;
    more.hidden = !cursor;
    empty.hidden = body.children.length > 0;
    empty.replaceChildren(
      filters.type || filters.from || filters.to
        ? 'No transactions match these filters.'
        : h('span', {}, 'No transactions yet. ', h('a', { href: '/buy' }, 'Buy credits'), ' to get started.'),
    );
  };
  onBusyClick(more, load);

  const typeSelect = h(
    'select',
    { id: 'tx-type', name: 'type', value: filters.type },
    h('option', { value: '' }, 'All types'),
    Object.entries(TRANSACTION_TYPES).map(([value, label]) => h('option', { value }, label)),
  );
  const fromInput = h('input', { id: 'tx-from', name: 'from', type: 'date', value: filters.from });
  const toInput = h('input', { id: 'tx-to', name: 'to', type: 'date', value: filters.to });
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter transactions' },
    h('div', { class: 'field' }, h('label', { for: 'tx-type' }, 'Type'), typeSelect),
    h('div', { class: 'field' }, h('label', { for: 'tx-from' }, 'From'), fromInput),
    h('div', { class: 'field' }, h('label', { for: 'tx-to' }, 'To'), toInput),
    h(
      'div',
      { class: 'filters-actions' },
      h('button', { type: 'submit', class: 'button button-secondary' }, 'Apply'),
      filters.type || filters.from || filters.to
        ? h('a', { href: '/transactions', class: 'button button-ghost' }, 'Clear')
        : null,
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = searchOf({ type: typeSelect.value, from: fromInput.value, to: toInput.value });
    navigate(next ? `/transactions?${next}` : '/transactions', { replace: true });
  });
  // The date inputs change as they are typed in; a type choice applies at once.
  typeSelect.addEventListener('change', () => form.requestSubmit());

  const csv = apiSearchOf(filters);
  const download = h(
    'a',
    {
      href: `/api/v1/transactions.csv${csv ? `?${csv}` : ''}`,
      class: 'button button-secondary',
      download: '',
      'data-testid': 'transactions-csv',
    },
    icon('download'),
    'Download CSV',
  );

  const problem = h('div');
  try {
    await load();
  } catch (error) {
    if (error?.status !== 400) throw error;
    // Filters the API refuses (a "to" before "from", say): say so next to them.
    problem.replaceChildren(
      h(
        'p',
        { class: 'callout callout-warning', role: 'alert' },
        icon('alert'),
        h(
          'span',
          {},
          error.fields?.[0]?.message
            ? `${error.fields[0].path.replace('querystring.', '')} ${error.fields[0].message}`
            : error.message,
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
      h(
        'div',
        {},
        h('h1', {}, 'Transactions'),
        h(
          'p',
          { class: 'lead' },
          'Every movement of your credits, with the balance after it. Credits reserved for messages being sent show as held in the top bar.',
        ),
      ),
      h(
        'div',
        { class: 'button-row' },
        download,
        h('a', { href: '/buy', class: 'button button-primary' }, 'Buy credits'),
      ),
    ),
    h(
      'div',
      { class: 'card' },
      form,
      problem,
      transactionsTable(body),
      empty,
      h('div', { class: 'table-more' }, more),
    ),
  );
}
