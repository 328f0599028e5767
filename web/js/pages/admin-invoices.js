// @ts-check
// Operator · Invoices: run a month by hand (with a confirmation, then what it issued), the runs
// so far (month, started, issued, skipped, failed and why), every invoice with a search and a
// re-send of its e-mail, and the purchases whose VAT evidence disagrees (billing country against
// the verified mobile's country).
import { api, statusOf } from '../api.js';
import { h } from '../dom.js';
import { dateOnly, dateTime } from '../format.js';
import { field, onSubmit, submitButton, summarySlot } from '../forms.js';
import { formatNumber, t } from '../i18n.js';
import { notify } from '../notices.js';
import { list } from '../money.js';
import { navigate } from '../router.js';
import { confirmDialog } from './dialog.js';
import { downloads, invoiceMoney, periodText, resendButton } from './invoices.js';

/**
 * @typedef {object} InvoiceRun
 * @property {string} [id]
 * @property {string} month
 * @property {string} [startedAt]
 * @property {string | null} [finishedAt]
 * @property {number} [issued]
 * @property {number} [skipped]
 * @property {number | Array<{ accountId?: string, reason?: string }>} [failed]
 * @property {Array<{ accountId?: string, reason?: string }>} [failures]
 */

/** The month before the current one, as YYYY-MM: the one a run is usually for. */
function lastMonth() {
  const now = new Date();
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return d.toISOString().slice(0, 7);
}

function failuresOf(/** @type {InvoiceRun} */ run) {
  if (Array.isArray(run.failed)) return run.failed;
  return run.failures ?? [];
}

function failedCount(/** @type {InvoiceRun} */ run) {
  return Array.isArray(run.failed) ? run.failed.length : (run.failed ?? 0);
}

function runRow(/** @type {InvoiceRun} */ run) {
  const failures = failuresOf(run);
  return h(
    'tr',
    {},
    h('td', {}, periodText(run.month)),
    h('td', { class: 'nowrap' }, run.startedAt ? dateTime(run.startedAt) : '—'),
    h('td', { class: 'num' }, formatNumber(run.issued ?? 0)),
    h('td', { class: 'num' }, formatNumber(run.skipped ?? 0)),
    h(
      'td',
      { class: 'num' },
      formatNumber(failedCount(run)),
      failures.length
        ? h(
            'ul',
            { class: 'small muted' },
            failures.slice(0, 5).map((f) => h('li', {}, `${f.accountId ?? ''}: ${f.reason ?? ''}`)),
          )
        : null,
    ),
  );
}

export async function adminInvoicesPage(
  /** @type {{ query: URLSearchParams, signal: AbortSignal }} */ { query, signal },
) {
  const q = query.get('q') ?? '';
  const [runsAnswer, invoicesAnswer, evidenceAnswer] = await Promise.all([
    api.get('/admin/invoices/runs', { signal }),
    api.get(`/admin/invoices${q ? `?q=${encodeURIComponent(q)}` : ''}`, { signal }),
    api.get('/admin/vat-evidence?disagreement=true', { signal }).catch((/** @type {unknown} */ error) => {
      if (statusOf(error) === 404) return null;
      throw error;
    }),
  ]);
  const runs = /** @type {InvoiceRun[]} */ (list(runsAnswer));
  const invoices = /** @type {import('./invoices.js').Invoice[]} */ (list(invoicesAnswer));

  const result = h('div', { role: 'status', 'data-testid': 'invoice-run-result' });
  const runForm = onSubmit(
    h(
      'form',
      { class: 'form form-inline', 'aria-label': t('invoices.admin.runTitle') },
      summarySlot(),
      field({
        name: 'month',
        label: t('invoices.admin.month'),
        type: 'month',
        value: lastMonth(),
        required: true,
        hint: t('invoices.admin.monthHint'),
      }),
      h('div', { class: 'form-actions' }, submitButton(t('invoices.admin.run'))),
    ),
    async ({ month }) => {
      const ok = await confirmDialog({
        title: t('invoices.admin.confirmTitle', { month: periodText(String(month)) }),
        text: t('invoices.admin.confirmText'),
        confirm: t('invoices.admin.run'),
      });
      if (!ok) return;
      /** @type {InvoiceRun} */
      const outcome = /** @type {InvoiceRun} */ (await api.post('/admin/invoices/run', { month }));
      const text = t('invoices.admin.result', {
        issued: outcome.issued ?? 0,
        skipped: outcome.skipped ?? 0,
        failed: failedCount(outcome),
      });
      result.replaceChildren(h('p', { class: 'callout callout-success' }, text));
      notify(text);
      runsBody.replaceChildren(...list(await api.get('/admin/invoices/runs')).map(runRow));
    },
  );

  const runsBody = h('tbody', {}, runs.map(runRow));
  const search = onSubmit(
    h(
      'form',
      { class: 'form form-inline', role: 'search', 'aria-label': t('invoices.admin.search') },
      field({ name: 'q', label: t('invoices.admin.search'), value: q, hint: t('invoices.admin.searchHint') }),
      h('div', { class: 'form-actions' }, submitButton(t('invoices.admin.searchButton'), 'secondary')),
    ),
    ({ q: text }) =>
      navigate(text ? `/admin/invoices?q=${encodeURIComponent(String(text))}` : '/admin/invoices', {
        replace: true,
      }),
  );

  return h(
    'section',
    { class: 'page' },
    h(
      'header',
      { class: 'page-header' },
      h('h1', {}, t('invoices.admin.title')),
      h('p', { class: 'lead' }, t('invoices.admin.lead')),
    ),
    h('div', { class: 'card' }, h('h2', {}, t('invoices.admin.runTitle')), runForm, result),
    h(
      'div',
      { class: 'card' },
      h('h2', {}, t('invoices.admin.runs')),
      runs.length
        ? h(
            'div',
            { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('invoices.admin.runs') },
            h(
              'table',
              { class: 'table table-stack', 'data-testid': 'invoice-runs' },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  h('th', { scope: 'col' }, t('invoices.admin.month')),
                  h('th', { scope: 'col' }, t('invoices.admin.started')),
                  h('th', { scope: 'col', class: 'num' }, t('invoices.admin.issued')),
                  h('th', { scope: 'col', class: 'num' }, t('invoices.admin.skipped')),
                  h('th', { scope: 'col', class: 'num' }, t('invoices.admin.failed')),
                ),
              ),
              runsBody,
            ),
          )
        : h('p', { class: 'empty' }, t('invoices.admin.noRuns')),
    ),
    h(
      'div',
      { class: 'card' },
      h('h2', {}, t('invoices.admin.all')),
      search,
      invoices.length
        ? h(
            'div',
            { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('invoices.admin.all') },
            h(
              'table',
              { class: 'table table-stack', 'data-testid': 'admin-invoices' },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  h('th', { scope: 'col' }, t('invoices.columns.number')),
                  h('th', { scope: 'col' }, t('invoices.admin.customer')),
                  h('th', { scope: 'col' }, t('invoices.columns.date')),
                  h('th', { scope: 'col', class: 'num' }, t('invoices.columns.total')),
                  h('th', { scope: 'col' }, t('invoices.columns.files')),
                  h(
                    'th',
                    { scope: 'col' },
                    h('span', { class: 'visually-hidden' }, t('invoices.admin.resend')),
                  ),
                ),
              ),
              h(
                'tbody',
                {},
                invoices.map((invoice) =>
                  h(
                    'tr',
                    {},
                    h('td', {}, invoice.number),
                    h(
                      'td',
                      {},
                      /** @type {any} */ (invoice).customerName ??
                        /** @type {any} */ (invoice).accountId ??
                        '—',
                    ),
                    h('td', { class: 'nowrap' }, dateOnly(invoice.issueDate)),
                    h('td', { class: 'num' }, invoiceMoney(invoice.total, invoice.currency)),
                    h('td', {}, downloads(invoice)),
                    h('td', {}, resendButton(invoice)),
                  ),
                ),
              ),
            ),
          )
        : h('p', { class: 'empty' }, t('invoices.admin.noInvoices')),
    ),
    evidenceAnswer ? evidenceCard(list(evidenceAnswer)) : null,
  );
}

/** Purchases whose billing country and verified mobile's country disagree. */
function evidenceCard(/** @type {any[]} */ rows) {
  return h(
    'div',
    { class: 'card', 'data-testid': 'vat-evidence' },
    h('h2', {}, t('invoices.admin.evidenceTitle')),
    h('p', { class: 'muted' }, t('invoices.admin.evidenceLead')),
    rows.length
      ? h(
          'ul',
          { class: 'plain-list' },
          rows.map((row) =>
            h(
              'li',
              {},
              h(
                'a',
                { href: `/admin/purchases/${encodeURIComponent(String(row.purchaseId ?? row.id ?? ''))}` },
                String(row.purchaseId ?? row.id ?? ''),
              ),
              ' — ',
              t('invoices.admin.evidenceRow', {
                billing: String(row.billingCountry ?? '—'),
                mobile: String(row.mobileCountry ?? '—'),
              }),
            ),
          ),
        )
      : h('p', { class: 'empty' }, t('invoices.admin.evidenceNone')),
  );
}
