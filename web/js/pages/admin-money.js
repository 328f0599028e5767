// Operator · the money desk: purchases (bank transfers awaiting payment first, with Mark paid),
// one purchase with its refunds, bank statement imports (camt.053) with what matched and what a
// person has to decide, the price list and packs, and the credit adjustments and movements shown
// on an account's page.
import { api, idempotencyKey } from '../api.js';
import { CURRENCIES } from '../countries.js';
import { h, icon } from '../dom.js';
import {
  credits,
  creditsText,
  dateOnly,
  dateTime,
  dayOf,
  money,
  PAYMENT_METHOD_LABELS,
  purchaseStatusLabel,
} from '../format.js';
import { field, onBusyClick, onSubmit, submitButton, summarySlot } from '../forms.js';
import { notify, notifyError } from '../notices.js';
import { amountFacts, facts, groupsOfFour, list, purchasePill, timelinePairs } from '../money.js';
import { navigate } from '../router.js';
import { formDialog, confirmDialog } from './dialog.js';
import { formatNumber, t, tNodes } from '../i18n.js';
import { packsEditor } from './admin-packs.js';
import { destinationsCard, packsCard } from './pricing.js';
import { transactionRow, transactionsTable } from './transactions.js';

const STATUSES = ['awaiting_payment', 'paid', 'credited', 'failed', 'canceled', 'expired'];
const PAGE_SIZE = 50;

/**
 * Account names for ids (the admin purchase list carries only the account id): one read per
 * account, remembered while the portal is open.
 */
const accountNames = new Map();
async function namesOf(ids, signal) {
  const missing = [...new Set(ids)].filter((id) => !accountNames.has(id));
  await Promise.all(
    missing.map(async (id) => {
      try {
        const a = await api.get(`/admin/accounts/${encodeURIComponent(id)}`, { signal });
        accountNames.set(id, a.billing?.legalName ?? a.name ?? id);
      } catch (error) {
        if (error?.name === 'AbortError') throw error;
        accountNames.set(id, id);
      }
    }),
  );
}

function accountLink(id) {
  return h('a', { href: `/admin/accounts/${encodeURIComponent(id)}` }, accountNames.get(id) ?? id);
}

function header(title, lead, ...actions) {
  return h(
    'header',
    { class: 'page-header page-header-row' },
    h('div', {}, h('h1', {}, title), lead ? h('p', { class: 'lead' }, lead) : null),
    actions.length ? h('div', { class: 'button-row' }, actions) : null,
  );
}

/** Asks when and under which bank reference the money arrived, then credits the purchase. */
async function markPaid(p) {
  const values = await formDialog({
    title: t('operator.purchases.markTitle', { amount: money(p.total) }),
    text: t('operator.purchases.markText', {
      credits: creditsText(p.credits),
      reference: p.bankTransfer?.referenceFormatted ?? p.bankTransfer?.reference ?? '',
    }),
    fields: [
      field({
        name: 'paidOn',
        label: t('operator.purchases.receivedOn'),
        type: 'date',
        value: dayOf(),
        required: true,
        attrs: { max: dayOf() },
      }),
      field({
        name: 'bankReference',
        label: t('operator.purchases.bankReference'),
        required: true,
        hint: t('operator.purchases.bankReferenceHint'),
        attrs: { maxlength: 140, autocomplete: 'off' },
      }),
    ],
    confirm: t('operator.purchases.markPaid'),
  });
  if (!values) return null;
  // Today's date means now; an earlier day, the middle of it (the statement gives no time).
  const paidAt = values.paidOn === dayOf() ? new Date().toISOString() : `${values.paidOn}T12:00:00Z`;
  const updated = await api.post(`/admin/purchases/${encodeURIComponent(p.id)}/mark-paid`, {
    paidAt,
    bankReference: values.bankReference,
  });
  notify(
    t('operator.purchases.creditsAdded', {
      credits: creditsText(updated.credits),
      account: accountNames.get(updated.accountId) ?? updated.accountId,
    }),
  );
  return updated;
}

function markPaidButton(p, after) {
  const button = h(
    'button',
    { type: 'button', class: 'button button-primary button-small' },
    t('operator.purchases.markPaid'),
  );
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const updated = await markPaid(p);
      if (updated) await after(updated);
    } catch (error) {
      notifyError(error);
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

const canMarkPaid = (p) =>
  p.paymentMethod === 'bank_transfer' && ['awaiting_payment', 'expired', 'canceled'].includes(p.status);

export async function adminPurchasesPage({ query, signal }) {
  // By default the desk's daily work: bank transfers waiting for their money.
  const status = query.get('status') ?? 'awaiting_payment';
  const method = query.get('method') ?? 'bank_transfer';
  const accountId = query.get('accountId') ?? '';
  const body = h('tbody');
  const more = h(
    'button',
    { type: 'button', class: 'button button-secondary', hidden: true },
    t('operator.purchases.showMore'),
  );
  const empty = h('p', { class: 'empty', hidden: true }, t('operator.purchases.noneMatch'));
  let cursor = null;

  const row = (p) => {
    const actions = canMarkPaid(p)
      ? markPaidButton(p, async () => {
          await reload();
        })
      : null;
    const bank = p.bankTransfer;
    return h(
      'tr',
      { 'data-purchase-id': p.id },
      h('td', { class: 'nowrap' }, dateTime(p.createdAt)),
      h('td', {}, accountLink(p.accountId)),
      h(
        'td',
        {},
        h(
          'a',
          { href: `/admin/purchases/${encodeURIComponent(p.id)}`, class: 'strong-link' },
          creditsText(p.credits),
        ),
        h('div', { class: 'muted small' }, PAYMENT_METHOD_LABELS[p.paymentMethod] ?? p.paymentMethod),
      ),
      h(
        'td',
        {},
        bank
          ? h('code', { class: 'nowrap' }, bank.referenceFormatted ?? bank.reference)
          : h('span', { class: 'muted' }, '—'),
      ),
      h('td', { class: 'num' }, money(p.total)),
      h(
        'td',
        {},
        purchasePill(p.status),
        bank && p.status === 'awaiting_payment'
          ? h('div', { class: 'muted small' }, t('operator.purchases.due', { date: dateOnly(bank.dueDate) }))
          : null,
      ),
      h('td', { class: 'cell-actions' }, actions),
    );
  };

  const load = async () => {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (status !== 'all') params.set('status', status);
    if (method !== 'all') params.set('paymentMethod', method);
    if (accountId) params.set('accountId', accountId);
    if (cursor) params.set('cursor', cursor);
    const page = await api.get(`/admin/purchases?${params}`, { signal });
    const rows = list(page);
    await namesOf(
      rows.map((p) => p.accountId),
      signal,
    );
    body.append(...rows.map(row));
    cursor = page?.nextCursor ?? null;
    more.hidden = !cursor;
    empty.hidden = body.children.length > 0;
  };
  const reload = async () => {
    body.replaceChildren();
    cursor = null;
    await load();
  };
  onBusyClick(more, load);

  const statusSelect = h(
    'select',
    { id: 'ap-status', value: status },
    h('option', { value: 'all' }, t('operator.purchases.anyStatus')),
    STATUSES.map((s) => h('option', { value: s }, purchaseStatusLabel(s))),
  );
  const methodSelect = h(
    'select',
    { id: 'ap-method', value: method },
    h('option', { value: 'all' }, t('operator.purchases.anyMethod')),
    Object.entries(PAYMENT_METHOD_LABELS).map(([value, label]) => h('option', { value }, label)),
  );
  const apply = () => {
    const params = new URLSearchParams({ status: statusSelect.value, method: methodSelect.value });
    if (accountId) params.set('accountId', accountId);
    navigate(`/admin/purchases?${params}`, { replace: true });
  };
  statusSelect.addEventListener('change', apply);
  methodSelect.addEventListener('change', apply);

  await load();
  return h(
    'section',
    { class: 'page' },
    header(
      t('operator.purchases.title'),
      t('operator.purchases.lead'),
      h(
        'a',
        { href: '/admin/bank-statements', class: 'button button-secondary' },
        icon('upload'),
        t('operator.purchases.importStatement'),
      ),
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
          h('label', { for: 'ap-status' }, t('operator.purchases.status')),
          statusSelect,
        ),
        h(
          'div',
          { class: 'field field-inline' },
          h('label', { for: 'ap-method' }, t('operator.purchases.method')),
          methodSelect,
        ),
        accountId
          ? h(
              'p',
              { class: 'muted small' },
              ...tNodes('operator.purchases.forAccount', {
                account: accountLink(accountId),
                all: h('a', { href: '/admin/purchases' }, t('operator.purchases.allAccounts')),
              }),
            )
          : null,
      ),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'table table-hover', 'data-testid': 'admin-purchases' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, t('operator.purchases.ordered')),
              h('th', { scope: 'col' }, t('operator.purchases.account')),
              h('th', { scope: 'col' }, t('operator.purchases.purchase')),
              h('th', { scope: 'col' }, t('operator.statements.reference')),
              h('th', { scope: 'col', class: 'num' }, t('operator.purchases.total')),
              h('th', { scope: 'col' }, t('operator.purchases.status')),
              h(
                'th',
                { scope: 'col' },
                h('span', { class: 'visually-hidden' }, t('operator.purchases.actions')),
              ),
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

const REFUND_STATUSES = ['to_be_paid_by_operator', 'pending', 'succeeded', 'failed'];
const refundStatusLabel = (status) =>
  REFUND_STATUSES.includes(status) ? t(`operator.purchases.refundStatus.${status}`) : status;

export async function adminPurchasePage({ params, signal }) {
  const id = params.id;
  const base = `/admin/purchases/${encodeURIComponent(id)}`;
  const page = h('section', { class: 'page' });

  const refund = async (p) => {
    const left = remainingCredits(p);
    const values = await formDialog({
      title: t('operator.purchases.refundTitle'),
      text: t('operator.purchases.refundText', { credits: creditsText(left) }),
      fields: [
        field({
          name: 'credits',
          label: t('operator.purchases.refundCredits'),
          optional: true,
          hint: t('operator.purchases.refundHint', { credits: creditsText(left) }),
          attrs: { inputmode: 'decimal', autocomplete: 'off' },
        }),
      ],
      confirm: t('operator.purchases.refund'),
      danger: true,
    });
    if (!values) return;
    const body = values.credits ? { credits: values.credits.replace(/[\s,]/g, '') } : {};
    const made = await api.post(`${base}/refund`, body, { headers: { 'idempotency-key': idempotencyKey() } });
    notify(
      made.status === 'to_be_paid_by_operator'
        ? t('operator.purchases.refundedByTransfer', {
            credits: creditsText(made.credits),
            amount: money(made.total),
          })
        : t('operator.purchases.refunded', { credits: creditsText(made.credits), amount: money(made.total) }),
    );
    render(await api.get(base));
  };

  const render = (p) => {
    const actions = [];
    if (canMarkPaid(p)) actions.push(markPaidButton(p, async (updated) => render(updated)));
    if (p.status === 'credited' && remainingCredits(p) > 0) {
      const button = h(
        'button',
        { type: 'button', class: 'button button-danger-ghost' },
        t('operator.purchases.refund'),
      );
      button.addEventListener('click', async () => {
        button.disabled = true;
        try {
          await refund(p);
        } catch (error) {
          notifyError(error);
        } finally {
          button.disabled = false;
        }
      });
      actions.push(button);
    }
    const bank = p.bankTransfer;
    page.replaceChildren(
      h(
        'p',
        { class: 'breadcrumb' },
        h('a', { href: '/admin/purchases' }, t('operator.purchases.title')),
        ' / ',
        p.id,
      ),
      h(
        'header',
        { class: 'page-header page-header-row' },
        h(
          'div',
          {},
          h(
            'h1',
            {},
            t('operator.purchases.heading', {
              credits: creditsText(p.credits),
              account: accountNames.get(p.accountId) ?? p.accountId,
            }),
          ),
          h(
            'p',
            { class: 'lead' },
            purchasePill(p.status),
            ' ',
            money(p.total),
            ' · ',
            accountLink(p.accountId),
          ),
        ),
        h('div', { class: 'button-row' }, actions),
      ),
      h(
        'div',
        { class: 'grid grid-2' },
        h(
          'section',
          { class: 'card' },
          h('h2', { class: 'card-title' }, t('operator.purchases.order')),
          amountFacts(p),
        ),
        h(
          'section',
          { class: 'card' },
          h('h2', { class: 'card-title' }, t('operator.purchases.payment')),
          facts([
            bank
              ? [t('operator.purchases.reference'), h('code', {}, bank.referenceFormatted ?? bank.reference)]
              : null,
            bank
              ? [t('operator.purchases.payTo'), h('span', {}, groupsOfFour(bank.iban), h('br'), bank.bic)]
              : null,
            bank ? [t('operator.purchases.dueLabel'), dateOnly(bank.dueDate)] : null,
            [
              t('operator.purchases.paidVia'),
              p.paidVia
                ? ['card', 'bank_statement', 'operator'].includes(p.paidVia)
                  ? t(`operator.purchases.paidViaKinds.${p.paidVia}`)
                  : p.paidVia
                : '—',
            ],
            p.paidReference
              ? [t('operator.purchases.paymentReference'), h('code', {}, p.paidReference)]
              : null,
            p.card?.status ? [t('operator.purchases.cardStatus'), p.card.status] : null,
            ...timelinePairs(p),
          ]),
        ),
        h(
          'section',
          { class: 'card card-wide' },
          h('h2', { class: 'card-title' }, t('operator.purchases.refunds')),
          p.refunds?.length
            ? h(
                'div',
                { class: 'table-wrap' },
                h(
                  'table',
                  { class: 'table', 'data-testid': 'refunds' },
                  h(
                    'thead',
                    {},
                    h(
                      'tr',
                      {},
                      h('th', { scope: 'col' }, t('operator.purchases.date')),
                      h('th', { scope: 'col', class: 'num' }, t('operator.purchases.credits')),
                      h('th', { scope: 'col', class: 'num' }, t('operator.purchases.money')),
                      h('th', { scope: 'col' }, t('operator.purchases.status')),
                    ),
                  ),
                  h(
                    'tbody',
                    {},
                    p.refunds.map((r) =>
                      h(
                        'tr',
                        {},
                        h('td', { class: 'nowrap' }, dateTime(r.createdAt)),
                        h('td', { class: 'num' }, credits(r.credits)),
                        h('td', { class: 'num' }, money(r.total)),
                        h(
                          'td',
                          {},
                          refundStatusLabel(r.status),
                          r.failureReason ? h('div', { class: 'muted small' }, r.failureReason) : null,
                        ),
                      ),
                    ),
                  ),
                ),
              )
            : h('p', { class: 'empty' }, t('operator.purchases.noRefunds')),
        ),
      ),
    );
  };

  try {
    const p = await api.get(base, { signal });
    await namesOf([p.accountId], signal);
    render(p);
  } catch (error) {
    if (error.status === 404) {
      notifyError(error);
      navigate('/admin/purchases', { replace: true });
      return h('div');
    }
    throw error;
  }
  return page;
}

/** Whole and fractional credits left to refund, as a number for comparisons only. */
function remainingCredits(p) {
  return Math.max(0, Number(p.credits) - Number(p.refundedCredits ?? 0));
}

const UNMATCHED_REASONS = {
  already_imported: 'operator.statements.reasons.already_imported',
  duplicate_entry: 'operator.statements.reasons.duplicate_entry',
  debit_entry: 'operator.statements.reasons.debit_entry',
  not_booked: 'operator.statements.reasons.not_booked',
  unreadable_amount: 'operator.statements.reasons.unreadable_amount',
  no_reference: 'operator.statements.reasons.no_reference',
  unknown_reference: 'operator.statements.reasons.unknown_reference',
  purchase_already_credited: 'operator.statements.reasons.purchase_already_credited',
  purchase_canceled: 'operator.statements.reasons.purchase_canceled',
  purchase_failed: 'operator.statements.reasons.purchase_failed',
  wrong_currency: 'operator.statements.reasons.wrong_currency',
  wrong_amount: 'operator.statements.reasons.wrong_amount',
};

function lineAmount(line) {
  return line.amount ? money(line.amount) : '—';
}

function statementTable(lines, { matched }) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table', 'data-testid': matched ? 'statement-matched' : 'statement-unmatched' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, t('operator.statements.booked')),
          h('th', { scope: 'col', class: 'num' }, t('operator.statements.amount')),
          h('th', { scope: 'col' }, t('operator.statements.reference')),
          h('th', { scope: 'col' }, t('operator.statements.from')),
          h(
            'th',
            { scope: 'col' },
            t(matched ? 'operator.statements.purchase' : 'operator.statements.whyNot'),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        lines.map((line) =>
          h(
            'tr',
            {},
            h('td', { class: 'nowrap' }, dateOnly(line.bookedAt)),
            h('td', { class: 'num' }, line.direction === 'debit' ? `−${lineAmount(line)}` : lineAmount(line)),
            h(
              'td',
              {},
              line.reference ? h('code', {}, line.reference) : null,
              line.remittance && line.remittance !== line.reference
                ? h('div', { class: 'muted small' }, line.remittance)
                : null,
              !line.reference && !line.remittance ? '—' : null,
            ),
            h(
              'td',
              {},
              line.debtorName ?? '—',
              line.bankRef ? h('div', { class: 'muted small' }, line.bankRef) : null,
            ),
            matched
              ? h(
                  'td',
                  {},
                  h(
                    'a',
                    { href: `/admin/purchases/${encodeURIComponent(line.purchaseId)}` },
                    line.purchaseId,
                  ),
                  line.accountId ? h('div', { class: 'small' }, accountLink(line.accountId)) : null,
                )
              : h(
                  'td',
                  {},
                  UNMATCHED_REASONS[line.reason] ? t(UNMATCHED_REASONS[line.reason]) : (line.reason ?? '—'),
                  line.purchaseId
                    ? h(
                        'div',
                        { class: 'small' },
                        h(
                          'a',
                          { href: `/admin/purchases/${encodeURIComponent(line.purchaseId)}` },
                          line.purchaseId,
                        ),
                      )
                    : null,
                ),
          ),
        ),
      ),
    ),
  );
}

/**
 * Attaches an unmatched entry to the bank-transfer order it pays: the orders waiting for exactly
 * its amount are offered (any other order by its id, an expired one say). True when attached.
 */
async function attachEntry(entry, signal) {
  const params = new URLSearchParams({
    status: 'awaiting_payment',
    paymentMethod: 'bank_transfer',
    limit: '500',
  });
  const open = list(await api.get(`/admin/purchases?${params}`, { signal }));
  const fits = open.filter(
    (p) => p.total?.amount === entry.amount.amount && p.total?.currency === entry.amount.currency,
  );
  await namesOf(
    fits.map((p) => p.accountId),
    signal,
  );
  const options = fits.map((p) => ({
    value: p.id,
    label: t('operator.attach.option', {
      credits: credits(p.credits),
      account: accountNames.get(p.accountId) ?? p.accountId,
      reference: p.bankTransfer?.referenceFormatted ?? p.bankTransfer?.reference ?? p.id,
    }),
  }));
  const values = await formDialog({
    title: t('operator.attach.title', { amount: lineAmount(entry) }),
    text: t('operator.attach.text', { from: entry.debtorName ?? t('operator.attach.unknownSender') }),
    fields: [
      fits.length
        ? field({
            name: 'purchaseId',
            label: t('operator.attach.order'),
            options: [{ value: '', label: t('operator.attach.byId') }, ...options],
            value: options.length === 1 ? options[0].value : '',
            hint: t('operator.attach.orderHint', { count: fits.length }),
          })
        : h('p', { class: 'callout callout-info' }, t('operator.attach.noneWaiting')),
      field({
        name: 'orderId',
        label: t('operator.attach.orderId'),
        optional: true,
        hint: t('operator.attach.orderIdHint'),
        attrs: { maxlength: 64, autocomplete: 'off', spellcheck: 'false' },
      }),
      field({ name: 'note', label: t('operator.attach.note'), optional: true, attrs: { maxlength: 1000 } }),
    ],
    confirm: t('operator.attach.confirm'),
  });
  if (!values) return false;
  const purchaseId = values.orderId || values.purchaseId;
  if (!purchaseId) {
    notify(t('operator.attach.pickOne'), { kind: 'info' });
    return false;
  }
  const answer = await api.post(`/admin/bank-statements/unmatched/${encodeURIComponent(entry.id)}/attach`, {
    purchaseId,
    ...(values.note ? { note: values.note } : {}),
  });
  await namesOf([answer.purchase.accountId], signal);
  notify(
    t('operator.attach.done', {
      credits: credits(answer.purchase.credits),
      account: accountNames.get(answer.purchase.accountId) ?? answer.purchase.accountId,
    }),
  );
  return true;
}

export async function bankStatementsPage({ signal }) {
  const result = h('div', { 'aria-live': 'polite' });
  const openHost = h('div');

  const loadOpen = async () => {
    const entries = list(await api.get('/admin/bank-statements/unmatched?status=open', { signal }));
    if (!entries.length) {
      openHost.replaceChildren(h('p', { class: 'empty' }, t('operator.statements.nothingLeft')));
      return;
    }
    openHost.replaceChildren(
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'table', 'data-testid': 'unmatched-open' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, t('operator.statements.booked')),
              h('th', { scope: 'col', class: 'num' }, t('operator.statements.amount')),
              h('th', { scope: 'col' }, t('operator.statements.reference')),
              h('th', { scope: 'col' }, t('operator.statements.from')),
              h('th', { scope: 'col' }, t('operator.statements.why')),
              h(
                'th',
                { scope: 'col' },
                h('span', { class: 'visually-hidden' }, t('operator.statements.actions')),
              ),
            ),
          ),
          h(
            'tbody',
            {},
            entries.map((e) => {
              const resolve = h(
                'button',
                { type: 'button', class: 'button button-secondary button-small' },
                t('operator.statements.resolve'),
              );
              resolve.addEventListener('click', async () => {
                const values = await formDialog({
                  title: t('operator.statements.resolveTitle'),
                  text: t('operator.statements.resolveText', {
                    amount: lineAmount(e),
                    from: e.debtorName ?? t('operator.attach.unknownSender'),
                  }),
                  fields: [
                    field({
                      name: 'note',
                      label: t('operator.statements.whatWasDone'),
                      required: true,
                      attrs: { maxlength: 1000 },
                    }),
                  ],
                  confirm: t('operator.statements.resolve'),
                });
                if (!values) return;
                try {
                  await api.post(`/admin/bank-statements/unmatched/${encodeURIComponent(e.id)}/resolve`, {
                    note: values.note,
                  });
                  notify(t('operator.statements.resolved'));
                  await loadOpen();
                } catch (error) {
                  notifyError(error);
                }
              });
              const attach = h(
                'button',
                { type: 'button', class: 'button button-primary button-small' },
                t('operator.attach.button'),
              );
              attach.addEventListener('click', async () => {
                attach.disabled = true;
                try {
                  if (await attachEntry(e, signal)) await loadOpen();
                } catch (error) {
                  notifyError(error);
                } finally {
                  attach.disabled = false;
                }
              });
              const canPay = e.direction === 'CRDT' && e.status === 'BOOK' && e.amount;
              return h(
                'tr',
                { 'data-entry-id': e.id },
                h('td', { class: 'nowrap' }, dateOnly(e.bookedAt)),
                h('td', { class: 'num' }, lineAmount(e)),
                h('td', {}, e.reference ? h('code', {}, e.reference) : (e.remittance ?? '—')),
                h('td', {}, e.debtorName ?? '—'),
                h('td', {}, UNMATCHED_REASONS[e.reason] ? t(UNMATCHED_REASONS[e.reason]) : (e.reason ?? '—')),
                h(
                  'td',
                  { class: 'cell-actions' },
                  h('div', { class: 'button-row' }, canPay ? attach : null, resolve),
                ),
              );
            }),
          ),
        ),
      ),
    );
  };

  const form = h(
    'form',
    { class: 'form form-inline', 'aria-label': t('operator.statements.importLabel') },
    summarySlot(),
    field({
      name: 'file',
      label: t('operator.statements.file'),
      type: 'file',
      required: true,
      hint: t('operator.statements.fileHint'),
      attrs: { accept: '.xml,.053,application/xml,text/xml' },
    }),
    h('div', { class: 'form-actions' }, submitButton(t('operator.statements.import'))),
  );
  onSubmit(form, async (_values, f) => {
    const file = f.querySelector('input[type="file"]').files[0];
    const answer = await api.upload('POST', '/admin/bank-statements', file);
    await namesOf(
      answer.matched.map((m) => m.accountId),
      signal,
    );
    notify(
      t('operator.statements.importedNotice', {
        matched: answer.matched.length,
        unmatched: answer.unmatched.length,
      }),
    );
    result.replaceChildren(
      h(
        'section',
        { class: 'card', 'data-testid': 'statement-result' },
        h('h2', { class: 'card-title' }, t('operator.statements.imported', { file: file.name })),
        h(
          'p',
          { class: 'inline-stats' },
          h(
            'span',
            {},
            h('strong', {}, formatNumber(answer.entries)),
            ` ${t('operator.statements.entries')}`,
          ),
          h(
            'span',
            {},
            h('strong', {}, formatNumber(answer.matched.length)),
            ` ${t('operator.statements.matchedCredited')}`,
          ),
          h(
            'span',
            {},
            h('strong', {}, formatNumber(answer.unmatched.length)),
            ` ${t('operator.statements.notMatched')}`,
          ),
        ),
        h('h3', {}, t('operator.statements.matchedTitle')),
        answer.matched.length
          ? statementTable(answer.matched, { matched: true })
          : h('p', { class: 'empty' }, t('operator.statements.none')),
        h('h3', { class: 'spaced' }, t('operator.statements.unmatchedTitle')),
        answer.unmatched.length
          ? statementTable(answer.unmatched, { matched: false })
          : h('p', { class: 'empty' }, t('operator.statements.none')),
      ),
    );
    f.reset();
    await loadOpen();
  });

  await loadOpen();
  return h(
    'section',
    { class: 'page' },
    header(
      t('operator.statements.title'),
      t('operator.statements.lead'),
      h('a', { href: '/admin/purchases', class: 'button button-ghost' }, t('operator.statements.awaiting')),
    ),
    h('div', { class: 'card' }, h('h2', { class: 'card-title' }, t('operator.statements.importTitle')), form),
    result,
    h(
      'div',
      { class: 'card' },
      h('h2', { class: 'card-title' }, t('operator.statements.toDecide')),
      openHost,
    ),
  );
}

export async function adminPricingPage({ query, signal }) {
  const currency = CURRENCIES.some((c) => c.code === query.get('currency')) ? query.get('currency') : 'EUR';
  const [destinations, table] = await Promise.all([
    api.get('/pricing/destinations', { signal }),
    api.get(`/pricing/packs?currency=${currency}`, { signal }).catch((error) => {
      if (error?.name === 'AbortError') throw error;
      return null;
    }),
  ]);
  const problems = h('div');
  const form = h(
    'form',
    { class: 'form form-inline', 'aria-label': t('operator.pricing.importLabel') },
    summarySlot(),
    field({
      name: 'file',
      label: t('operator.pricing.file'),
      type: 'file',
      required: true,
      hint: t('operator.pricing.fileHint'),
      attrs: { accept: '.csv,text/csv' },
    }),
    h(
      'div',
      { class: 'form-actions' },
      submitButton(t('operator.pricing.import')),
      h(
        'a',
        {
          href: '/api/v1/admin/pricing/destinations.csv',
          class: 'button button-ghost',
          download: '',
          'data-testid': 'price-list-csv',
        },
        icon('download'),
        t('operator.pricing.download'),
      ),
    ),
  );
  onSubmit(form, async (_values, f) => {
    problems.replaceChildren();
    const file = f.querySelector('input[type="file"]').files[0];
    const ok = await confirmDialog({
      title: t('operator.pricing.replaceTitle'),
      text: t('operator.pricing.replaceText', { file: file.name }),
      confirm: t('operator.pricing.replace'),
      danger: true,
    });
    if (!ok) return;
    try {
      const answer = await api.upload('PUT', '/admin/pricing/destinations', file);
      notify(t('operator.pricing.replaced', { count: answer.count }));
      navigate('/admin/pricing', { replace: true });
    } catch (error) {
      const rows = error?.fields ?? [];
      if (!rows.length) throw error;
      // Row-numbered CSV errors, listed above the form where they can be read all at once.
      problems.replaceChildren(
        h(
          'div',
          { class: 'callout callout-danger', role: 'alert', 'data-testid': 'price-list-errors' },
          h('p', {}, h('strong', {}, error.message)),
          h(
            'ul',
            {},
            rows
              .slice(0, 50)
              .map((r) =>
                h(
                  'li',
                  {},
                  r.path
                    ? `${r.path.replace(/^line (\d+)/, (_, n) => t('operator.pricing.line', { n }))}: ${r.message}`
                    : r.message,
                ),
              ),
          ),
          rows.length > 50 ? h('p', {}, t('operator.pricing.more', { count: rows.length - 50 })) : null,
        ),
      );
      notifyError(error);
    }
  });

  const currencyNav = h(
    'nav',
    { class: 'segmented', 'aria-label': t('operator.pricing.currency') },
    CURRENCIES.map((c) =>
      h(
        'a',
        {
          href: `/admin/pricing?currency=${c.code}`,
          'aria-current': c.code === currency ? 'page' : null,
          class: 'segment',
        },
        c.code,
      ),
    ),
  );

  return h(
    'section',
    { class: 'page' },
    header(t('operator.pricing.title'), t('operator.pricing.lead')),
    h(
      'div',
      { class: 'grid' },
      h(
        'section',
        { class: 'card card-wide' },
        h('h2', { class: 'card-title' }, t('operator.pricing.importTitle')),
        problems,
        form,
      ),
      h(
        'div',
        { class: 'card-wide' },
        currencyNav,
        table
          ? packsCard(table, { buy: false })
          : h('p', { class: 'callout callout-warning' }, t('operator.pricing.noPacks', { currency })),
        h(
          'section',
          { class: 'card', 'aria-labelledby': 'packs-editor-title' },
          h('h2', { class: 'card-title', id: 'packs-editor-title' }, t('operator.packs.title', { currency })),
          h('p', { class: 'muted' }, t('operator.packs.lead')),
          packsEditor(table, currency, () =>
            navigate(`/admin/pricing?currency=${currency}`, { replace: true }),
          ),
        ),
      ),
      destinationsCard(Array.isArray(destinations) ? destinations : [], {
        title: t('operator.pricing.destinations', { n: destinations.length }),
      }),
    ),
  );
}

/**
 * An account's money on its operator page: an adjustment form (signed credits with a reason)
 * and its recent movements and purchases. `onBalance` gets the new balance after an adjustment.
 */
export function accountMoney(account, { signal, onBalance }) {
  const id = account.id;
  const txBody = h('tbody');
  const txEmpty = h('p', { class: 'empty', hidden: true }, t('operator.adjust.noMovements'));
  const purchasesHost = h('div');

  const loadTransactions = async () => {
    const page = await api.get(`/admin/accounts/${encodeURIComponent(id)}/transactions?limit=20`, { signal });
    txBody.replaceChildren(
      ...list(page).map((tx) =>
        transactionRow(tx, { purchaseHref: (ref) => `/admin/purchases/${encodeURIComponent(ref)}` }),
      ),
    );
    txEmpty.hidden = txBody.children.length > 0;
  };
  const loadPurchases = async () => {
    const page = await api.get(`/admin/purchases?accountId=${encodeURIComponent(id)}&limit=10`, { signal });
    const rows = list(page);
    purchasesHost.replaceChildren(
      rows.length
        ? h(
            'ul',
            { class: 'plain-list' },
            rows.map((p) =>
              h(
                'li',
                { class: 'purchase-line' },
                h('a', { href: `/admin/purchases/${encodeURIComponent(p.id)}` }, creditsText(p.credits)),
                h(
                  'span',
                  { class: 'muted' },
                  ` ${money(p.total)} · ${PAYMENT_METHOD_LABELS[p.paymentMethod] ?? p.paymentMethod} · ${dateTime(p.createdAt)} `,
                ),
                purchasePill(p.status),
              ),
            ),
          )
        : h('p', { class: 'empty' }, t('operator.adjust.noPurchases')),
      h(
        'p',
        { class: 'card-foot' },
        h(
          'a',
          { href: `/admin/purchases?status=all&method=all&accountId=${encodeURIComponent(id)}` },
          t('operator.adjust.allPurchases'),
        ),
      ),
    );
  };

  let attemptKey = null;
  const form = h(
    'form',
    { class: 'form', 'aria-label': t('operator.adjust.label') },
    summarySlot(),
    h(
      'div',
      { class: 'form-grid' },
      field({
        name: 'credits',
        label: t('operator.adjust.credits'),
        required: true,
        hint: t('operator.adjust.creditsHint'),
        attrs: { inputmode: 'decimal', autocomplete: 'off' },
      }),
      field({
        name: 'reason',
        label: t('operator.adjust.reason'),
        required: true,
        hint: t('operator.adjust.reasonHint'),
        attrs: { maxlength: 500 },
      }),
    ),
    h('div', { class: 'form-actions' }, submitButton(t('operator.adjust.apply'))),
  );
  form.addEventListener('input', () => {
    attemptKey = null; // another adjustment
  });
  onSubmit(form, async (values, f) => {
    const amount = values.credits.replace(/[\s,]/g, '').replace(/^\+/, '').replace('−', '-');
    const ok = await confirmDialog({
      title: amount.startsWith('-')
        ? t('operator.adjust.takeTitle', { credits: creditsText(amount.slice(1)), account: account.name })
        : t('operator.adjust.addTitle', { credits: creditsText(amount), account: account.name }),
      text: t('operator.adjust.text', { reason: values.reason }),
      confirm: t('operator.adjust.apply'),
      danger: amount.startsWith('-'),
    });
    if (!ok) return;
    attemptKey ??= idempotencyKey();
    let made;
    try {
      made = await api.post(
        `/admin/accounts/${encodeURIComponent(id)}/adjustments`,
        { credits: amount, reason: values.reason },
        { headers: { 'idempotency-key': attemptKey } },
      );
    } catch (error) {
      if (error?.status !== 0) attemptKey = null;
      throw error;
    }
    attemptKey = null;
    f.reset();
    notify(
      t('operator.adjust.done', {
        sign: made.credits.startsWith('-') ? '' : '+',
        credits: creditsText(made.credits),
      }),
    );
    onBalance?.(made.balance);
    await loadTransactions();
  });

  const cards = [
    h(
      'section',
      { class: 'card card-wide' },
      h('h2', { class: 'card-title' }, t('operator.adjust.title')),
      form,
    ),
    h(
      'section',
      { class: 'card card-wide' },
      h('h2', { class: 'card-title' }, t('operator.adjust.recent')),
      transactionsTable(txBody),
      txEmpty,
    ),
    h(
      'section',
      { class: 'card card-wide' },
      h('h2', { class: 'card-title' }, t('operator.adjust.purchases')),
      purchasesHost,
    ),
  ];
  const ready = Promise.all([loadTransactions(), loadPurchases()]).catch((error) => {
    if (error?.name !== 'AbortError') notifyError(error);
  });
  return { cards, ready };
}
