// @ts-check
// My account · Invoices: the account's monthly invoices and credit notes (each credit note right
// below the invoice it corrects), with the PDF, the UBL e-invoice and the Factur-X PDF to download,
// and one invoice's page with its lines. Invoices are issued on the first business day of the
// month after the purchases; until then the list says when the next one comes.
import { api } from '../api.js';
import { h } from '../dom.js';
import { credits, dateOnly, dateTime, money } from '../format.js';
import { onBusyClick } from '../forms.js';
import { intlLocale, t } from '../i18n.js';
import { list } from '../money.js';
import { navigate } from '../router.js';

/**
 * @typedef {{ amount: number, currency: string }} Money
 * @typedef {{ rate: string, treatment: string, base: Money | number, amount: Money | number }} TaxLine
 * @typedef {object} Invoice
 * @property {string} id
 * @property {'invoice' | 'credit_note'} kind
 * @property {string} number
 * @property {string} issueDate
 * @property {string | { month?: string, start?: string, end?: string }} period
 * @property {string} currency
 * @property {Money | number} subtotal
 * @property {TaxLine[]} [tax]
 * @property {Money | number} total
 * @property {string} status
 * @property {string | null} [correctsInvoiceId]
 * @property {string | null} [correctsNumber]
 * @property {string} [accountId]
 * @property {{ name: string }} [customer]
 * @property {InvoiceLine[]} [lines]
 * @typedef {object} InvoiceLine
 * @property {string} [purchaseId]
 * @property {string} [description]
 * @property {string | number} [credits]
 * @property {string} [paidAt]
 * @property {Money | number} [net]
 * @property {Money | number} [vat]
 * @property {string} [vatRate]
 */

/** An amount of the invoice: a Money object, or minor units in the invoice's currency. */
export function invoiceMoney(
  /** @type {Money | number | string | null | undefined} */ value,
  /** @type {string} */ currency,
) {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'object') return money(value);
  return money({ amount: Number(value), currency });
}

/** "2026-11" or {month, start, end} -> "November 2026". */
export function periodText(/** @type {Invoice['period']} */ period) {
  const month = typeof period === 'string' ? period : (period?.month ?? period?.start?.slice(0, 7));
  const match = /^(\d{4})-(\d{2})/.exec(String(month ?? ''));
  if (!match) return '—';
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1));
  return new Intl.DateTimeFormat(intlLocale(), {
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(date);
}

/** The three files of an invoice: the PDF, the UBL XML, the Factur-X PDF. */
export function downloads(/** @type {Invoice} */ invoice) {
  const base = `/api/v1/invoices/${encodeURIComponent(invoice.id)}`;
  const link = (/** @type {string} */ kind, /** @type {string} */ file) =>
    h(
      'a',
      {
        href: `${base}/${kind}`,
        download: file,
        class: 'button button-ghost button-small',
        'aria-label': t(`invoices.download.${kind}Label`, { number: invoice.number }),
      },
      t(`invoices.download.${kind}`),
    );
  return h(
    'div',
    { class: 'button-row' },
    link('pdf', `${invoice.number}.pdf`),
    link('ubl', `${invoice.number}.xml`),
    link('facturx', `${invoice.number}-facturx.pdf`),
  );
}

function kindPill(/** @type {Invoice} */ invoice) {
  return invoice.kind === 'credit_note'
    ? h('span', { class: 'pill pill-warning' }, t('invoices.kind.credit_note'))
    : h('span', { class: 'pill pill-active' }, t('invoices.kind.invoice'));
}

/** Invoices newest first, each followed by the credit notes that correct it. */
export function withCreditNotesBeside(/** @type {Invoice[]} */ invoices) {
  const notes = new Map();
  const shown = new Set(invoices.filter((i) => i.kind === 'invoice').map((i) => i.id));
  for (const note of invoices) {
    if (note.kind !== 'credit_note' || !note.correctsInvoiceId || !shown.has(note.correctsInvoiceId))
      continue;
    notes.set(note.correctsInvoiceId, [...(notes.get(note.correctsInvoiceId) ?? []), note]);
  }
  const placed = new Set([...notes.values()].flat());
  /** @type {Invoice[]} */
  const ordered = [];
  for (const invoice of invoices) {
    if (placed.has(invoice)) continue;
    ordered.push(invoice, ...(notes.get(invoice.id) ?? []));
  }
  return ordered;
}

function invoiceRow(/** @type {Invoice} */ invoice) {
  return h(
    'tr',
    { 'data-invoice-id': invoice.id, class: invoice.kind === 'credit_note' ? 'row-nested' : undefined },
    h(
      'td',
      { class: 'cell-title' },
      h(
        'a',
        { href: `/account/invoices/${encodeURIComponent(invoice.id)}`, class: 'strong-link' },
        invoice.number,
      ),
      ' ',
      kindPill(invoice),
    ),
    h('td', { class: 'nowrap' }, dateOnly(invoice.issueDate)),
    h('td', {}, periodText(invoice.period)),
    h('td', { class: 'num' }, invoiceMoney(invoice.total, invoice.currency)),
    h('td', {}, downloads(invoice)),
  );
}

export async function invoicesPage(
  /** @type {{ query: URLSearchParams, signal: AbortSignal }} */ { query, signal },
) {
  const thisYear = new Date().getFullYear();
  const year = /^\d{4}$/.test(query.get('year') ?? '') ? String(query.get('year')) : '';
  const params = new URLSearchParams();
  if (year) params.set('year', year);
  const answer = await api.get(`/invoices${params.size ? `?${params}` : ''}`, { signal });
  const invoices = withCreditNotesBeside(/** @type {Invoice[]} */ (list(answer)));

  const filter = h(
    'select',
    { id: 'invoice-year', name: 'year' },
    h('option', { value: '' }, t('invoices.allYears')),
    Array.from({ length: 5 }, (_, i) => String(thisYear - i)).map((y) =>
      h('option', { value: y, selected: y === year || undefined }, y),
    ),
  );
  filter.addEventListener('change', () =>
    navigate(filter.value ? `/account/invoices?year=${filter.value}` : '/account/invoices', {
      replace: true,
    }),
  );

  return h(
    'section',
    { class: 'page' },
    h(
      'header',
      { class: 'page-header' },
      h('h1', {}, t('invoices.title')),
      h('p', { class: 'lead' }, t('invoices.lead')),
    ),
    h(
      'div',
      { class: 'card' },
      h(
        'div',
        { class: 'toolbar' },
        h(
          'div',
          { class: 'field field-inline' },
          h('label', { for: 'invoice-year' }, t('invoices.year')),
          filter,
        ),
      ),
      invoices.length
        ? h(
            'div',
            { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('invoices.title') },
            h(
              'table',
              { class: 'table table-stack', 'data-testid': 'invoices-table' },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  h('th', { scope: 'col' }, t('invoices.columns.number')),
                  h('th', { scope: 'col' }, t('invoices.columns.date')),
                  h('th', { scope: 'col' }, t('invoices.columns.period')),
                  h('th', { scope: 'col', class: 'num' }, t('invoices.columns.total')),
                  h('th', { scope: 'col' }, t('invoices.columns.files')),
                ),
              ),
              h('tbody', {}, invoices.map(invoiceRow)),
            ),
          )
        : h(
            'p',
            { class: 'empty', 'data-testid': 'invoices-empty' },
            t(year ? 'invoices.noneThisYear' : 'invoices.none'),
          ),
    ),
  );
}

export async function invoicePage(
  /** @type {{ params: Record<string, string>, signal: AbortSignal }} */ { params, signal },
) {
  /** @type {Invoice} */
  const invoice = /** @type {Invoice} */ (
    await api.get(`/invoices/${encodeURIComponent(params.id ?? '')}`, { signal })
  );
  const lines = invoice.lines ?? [];
  const back = h('a', { href: '/account/invoices', class: 'back-link' }, t('invoices.back'));
  return h(
    'section',
    { class: 'page' },
    back,
    h(
      'header',
      { class: 'page-header page-header-row' },
      h('div', {}, h('h1', {}, `${t(`invoices.kind.${invoice.kind}`)} ${invoice.number}`), kindPill(invoice)),
      downloads(invoice),
    ),
    h(
      'div',
      { class: 'card' },
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, t('invoices.columns.date')),
        h('dd', {}, dateOnly(invoice.issueDate)),
        h('dt', {}, t('invoices.columns.period')),
        h('dd', {}, periodText(invoice.period)),
        invoice.correctsInvoiceId
          ? [
              h('dt', {}, t('invoices.corrects')),
              h(
                'dd',
                {},
                h(
                  'a',
                  { href: `/account/invoices/${encodeURIComponent(invoice.correctsInvoiceId)}` },
                  invoice.correctsNumber ?? invoice.correctsInvoiceId,
                ),
              ),
            ]
          : null,
        h('dt', {}, t('invoices.subtotal')),
        h('dd', {}, invoiceMoney(invoice.subtotal, invoice.currency)),
        (invoice.tax ?? []).map((tax) => [
          h('dt', {}, t('invoices.vatAt', { rate: tax.rate })),
          h('dd', {}, invoiceMoney(tax.amount, invoice.currency)),
        ]),
        h('dt', {}, t('invoices.columns.total')),
        h('dd', { class: 'strong' }, invoiceMoney(invoice.total, invoice.currency)),
      ),
    ),
    h(
      'div',
      { class: 'card' },
      h('h2', {}, t('invoices.lines')),
      h(
        'div',
        { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('invoices.lines') },
        h(
          'table',
          { class: 'table table-stack', 'data-testid': 'invoice-lines' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, t('invoices.columns.paid')),
              h('th', { scope: 'col' }, t('invoices.columns.description')),
              h('th', { scope: 'col', class: 'num' }, t('invoices.columns.net')),
              h('th', { scope: 'col', class: 'num' }, t('invoices.columns.vat')),
            ),
          ),
          h(
            'tbody',
            {},
            lines.map((line) =>
              h(
                'tr',
                {},
                h('td', { class: 'nowrap' }, line.paidAt ? dateTime(line.paidAt) : '—'),
                h(
                  'td',
                  {},
                  line.purchaseId
                    ? h(
                        'a',
                        { href: `/purchases/${encodeURIComponent(line.purchaseId)}` },
                        t('invoices.lineCredits', { credits: credits(String(line.credits ?? '')) }),
                      )
                    : (line.description ?? '—'),
                ),
                h('td', { class: 'num' }, invoiceMoney(line.net, invoice.currency)),
                h('td', { class: 'num' }, invoiceMoney(line.vat, invoice.currency)),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

/** The operator's re-send button of an invoice. */
export function resendButton(/** @type {Invoice} */ invoice) {
  const button = /** @type {HTMLButtonElement} */ (
    h('button', { type: 'button', class: 'button button-ghost button-small' }, t('invoices.admin.resend'))
  );
  onBusyClick(button, async () => {
    await api.post(`/admin/invoices/${encodeURIComponent(invoice.id)}/resend`, {});
    button.textContent = t('invoices.admin.resent');
  });
  return button;
}
