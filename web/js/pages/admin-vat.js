// @ts-check
// Operator · VAT evidence: purchases whose billing country and verified mobile's country
// disagree (the two pieces of evidence an OSS seller keeps of where a consumer lives), and those
// whose VAT id VIES could not check (re-checked by the worker) or refuted after the purchase.
// Reads GET /api/v1/admin/vat-evidence; the tax itself never changes here.
import { api } from '../api.js';
import { countryName } from '../countries.js';
import { h } from '../dom.js';
import { dateTime, money, taxTreatmentLabel } from '../format.js';
import { onBusyClick } from '../forms.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';

/**
 * @typedef {{
 *   billingCountry: string | null, mobileCountry: string | null, disagreement: boolean,
 *   vatIdIgnored: string | null,
 *   vies: { status: string, requestIdentifier: string | null, checkedAt: string | null,
 *     recheckAt: string | null, invalidAfterPurchase: boolean } | null
 * }} VatEvidence
 */
/**
 * @typedef {{ id: string, accountId: string, createdAt: string, credits: string,
 *   total: { amount: number, currency: string },
 *   tax: { treatment: string, rate: string, country?: string, vatId?: string },
 *   vatEvidence: VatEvidence }} EvidenceRow
 */

/** The lists the operator picks from, by their query to the API. */
const VIEWS = /** @type {const} */ ({
  disagreement: 'disagreement=true',
  unavailable: 'vies=unavailable',
  invalid: 'vies=invalid',
  eu_consumer: 'treatment=eu_consumer',
});
/** @typedef {keyof typeof VIEWS} View */

const PAGE_SIZE = 50;

/** @param {VatEvidence['vies']} vies */
function viesCell(vies) {
  if (!vies) return h('span', { class: 'muted' }, t('vat.vies.none'));
  return h(
    'div',
    {},
    t(`vat.vies.${vies.invalidAfterPurchase ? 'invalidAfterPurchase' : vies.status}`),
    vies.requestIdentifier ? h('div', { class: 'muted small' }, h('code', {}, vies.requestIdentifier)) : null,
    vies.recheckAt
      ? h('div', { class: 'muted small' }, t('vat.vies.recheckAt', { at: dateTime(vies.recheckAt) }))
      : null,
  );
}

/** A country by its name in the portal's language, its code beneath ("España", "ES"). */
function countryCell(/** @type {string | null} */ code) {
  if (!code) return '—';
  return [countryName(code), h('div', { class: 'muted small' }, code)];
}

/** @param {EvidenceRow} p */
function row(p) {
  const e = p.vatEvidence;
  return h(
    'tr',
    { 'data-purchase-id': p.id },
    h('td', { class: 'nowrap' }, dateTime(p.createdAt)),
    h('td', {}, h('a', { href: `/admin/accounts/${encodeURIComponent(p.accountId)}` }, p.accountId)),
    h(
      'td',
      {},
      h('a', { href: `/admin/purchases/${encodeURIComponent(p.id)}`, class: 'strong-link' }, money(p.total)),
    ),
    h(
      'td',
      {},
      taxTreatmentLabel(p.tax),
      p.tax.vatId ? h('div', { class: 'muted small' }, p.tax.vatId) : null,
    ),
    h('td', {}, countryCell(e.billingCountry)),
    h(
      'td',
      {},
      countryCell(e.mobileCountry),
      e.disagreement ? h('span', { class: 'pill pill-failed' }, t('vat.disagrees')) : null,
    ),
    h('td', {}, viesCell(e.vies)),
  );
}

export async function adminVatEvidencePage(
  /** @type {{ query: URLSearchParams, signal: AbortSignal }} */ { query, signal },
) {
  const asked = query.get('view') ?? 'disagreement';
  /** @type {View} */
  const view = asked in VIEWS ? /** @type {View} */ (asked) : 'disagreement';
  const body = h('tbody');
  const more = h('button', { type: 'button', class: 'button button-secondary', hidden: true }, t('vat.more'));
  const empty = h('p', { class: 'empty', hidden: true }, t('vat.empty'));
  /** @type {string | null} */
  let cursor = null;

  const load = async () => {
    const params = new URLSearchParams(VIEWS[view]);
    params.set('limit', String(PAGE_SIZE));
    if (cursor) params.set('cursor', cursor);
    const page = /** @type {{ data: EvidenceRow[], nextCursor: string | null }} */ (
      await api.get(`/admin/vat-evidence?${params}`, { signal })
    );
    body.append(...page.data.map(row));
    cursor = page.nextCursor;
    more.hidden = !cursor;
    empty.hidden = body.children.length > 0;
  };
  onBusyClick(more, load);

  const select = h(
    'select',
    { id: 'vat-view' },
    Object.keys(VIEWS).map((key) =>
      h('option', { value: key, selected: key === view }, t(`vat.views.${key}`)),
    ),
  );
  select.addEventListener('change', () =>
    navigate(`/admin/vat-evidence?view=${select.value}`, { replace: true }),
  );

  await load();
  return h(
    'section',
    { class: 'page' },
    h(
      'header',
      { class: 'page-header' },
      h('h1', {}, t('vat.title')),
      h('p', { class: 'lead' }, t('vat.lead')),
    ),
    h(
      'div',
      { class: 'card' },
      h(
        'div',
        { class: 'toolbar' },
        h('div', { class: 'field field-inline' }, h('label', { for: 'vat-view' }, t('vat.show')), select),
      ),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'table table-hover', 'data-testid': 'vat-evidence' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, t('vat.columns.ordered')),
              h('th', { scope: 'col' }, t('vat.columns.account')),
              h('th', { scope: 'col' }, t('vat.columns.purchase')),
              h('th', { scope: 'col' }, t('vat.columns.tax')),
              h('th', { scope: 'col' }, t('vat.columns.billingCountry')),
              h('th', { scope: 'col' }, t('vat.columns.mobileCountry')),
              h('th', { scope: 'col' }, t('vat.columns.vies')),
            ),
          ),
          body,
        ),
      ),
      empty,
      h('div', { class: 'table-more' }, more),
    ),
  );
}
