// The money desk's shared pieces, used by the customer's and the operator's pages: a purchase's
// status pill, its amounts, the bank-transfer details with copy buttons, and what a refused
// purchase (409 billing data, 402 declined card) means in words.
import { ApiError, api, idempotencyKey } from './api.js';
import { h, icon } from './dom.js';
import { t } from './i18n.js';
import {
  credits,
  dateOnly,
  dateTime,
  failureReasonText,
  isPositive,
  money,
  moneyDecimal,
  PAYMENT_METHOD_LABELS,
  purchaseStatusLabel,
  taxTreatmentLabel,
  taxTreatmentNote,
} from './format.js';
import { notify, notifyError } from './notices.js';
import { session, updateBalance } from './session.js';

export function list(data) {
  return Array.isArray(data) ? data : Array.isArray(data?.data) ? data.data : [];
}

export function purchasePill(status) {
  return h(
    'span',
    { class: ['pill', `pill-${status}`], 'data-testid': 'purchase-status' },
    purchaseStatusLabel(status),
  );
}

/** What was bought: "1,000 credits" (and the pack, if one). */
export function purchaseTitle(p) {
  return `${credits(p.credits)} credits`;
}

/** Copies `text`; without clipboard access, selects `target` so it can be copied by hand. */
export function copyButton(text, { label = 'Copy', what = 'Copied', target } = {}) {
  const button = h(
    'button',
    { type: 'button', class: 'button button-secondary button-small copy-button', 'aria-label': label },
    icon('copy'),
    h('span', {}, 'Copy'),
  );
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      notify(`${what} copied to the clipboard`);
    } catch {
      if (target) getSelection()?.selectAllChildren(target);
      notify('Select it and copy with Ctrl+C / ⌘C', { kind: 'info' });
    }
  });
  return button;
}

/** "GB93SAND00000012345678" -> "GB93 SAND 0000 0012 3456 78", as printed on statements. */
export function groupsOfFour(text) {
  return String(text ?? '')
    .replace(/\s+/g, '')
    .replace(/(.{4})(?=.)/g, '$1 ');
}

/**
 * The bank details of a purchase awaiting a transfer: the reference ("concept") and the exact
 * amount first and largest, each with a copy button; IBAN, BIC, beneficiary and the due date.
 */
export function bankDetails(bank, { sandbox = session.health?.sandbox } = {}) {
  const row = (label, value, { copy, big = false, text = false, testid, copyLabel } = {}) => {
    const shown = h(
      'span',
      { class: ['bank-value', big && 'bank-value-big', text && 'bank-value-text'], 'data-testid': testid },
      value,
    );
    return h(
      'div',
      { class: 'bank-row' },
      h('dt', {}, label),
      h(
        'dd',
        {},
        shown,
        copy
          ? copyButton(copy, {
              label: copyLabel ?? `Copy the ${label.toLowerCase()}`,
              what: label,
              target: shown,
            })
          : null,
      ),
    );
  };
  return h(
    'section',
    { class: 'card bank-card', 'aria-labelledby': 'bank-title', 'data-testid': 'bank-details' },
    h('h2', { id: 'bank-title', class: 'card-title' }, 'Pay by bank transfer'),
    sandbox
      ? h(
          'p',
          { class: 'callout callout-warning' },
          icon('alert'),
          h('span', {}, 'Sandbox: these are test bank details. Do not send money to them.'),
        )
      : null,
    h(
      'dl',
      { class: 'bank-details' },
      row('Amount', money(bank.amount), {
        big: true,
        testid: 'bank-amount',
        copy: moneyDecimal(bank.amount),
        copyLabel: 'Copy the amount',
      }),
      row('Reference', bank.referenceFormatted ?? bank.reference, {
        big: true,
        testid: 'bank-reference',
        copy: bank.reference,
        copyLabel: 'Copy the reference',
      }),
      row('IBAN', groupsOfFour(bank.iban), {
        testid: 'bank-iban',
        copy: bank.iban,
        copyLabel: 'Copy the IBAN',
      }),
      row('BIC', bank.bic, { testid: 'bank-bic', copy: bank.bic, copyLabel: 'Copy the BIC' }),
      row('Beneficiary', bank.beneficiary, { text: true, testid: 'bank-beneficiary' }),
      row('Pay by', dateOnly(bank.dueDate), { text: true, testid: 'bank-due' }),
    ),
    h(
      'ul',
      { class: 'bank-notes' },
      h(
        'li',
        {},
        'Put the ',
        h('strong', {}, 'reference'),
        ' in the transfer’s concept (remittance information) exactly as shown: that is how we match your payment.',
      ),
      h('li', {}, 'Send exactly the amount shown, in ', bank.amount.currency, '; bank charges are yours.'),
      h(
        'li',
        {},
        'Your credits arrive when we receive the transfer, usually within 1–2 business days. ',
        'We e-mail you when they do; you can also follow it on this page.',
      ),
      h('li', {}, `An order not paid by ${dateOnly(bank.dueDate)} expires; you can always place a new one.`),
    ),
  );
}

/** Credits, subtotal, tax with its rate and treatment, total (and refunded credits). */
export function amountFacts(p) {
  const pairs = [
    ['Credits', `${credits(p.credits)} credits`],
    // The pack in words, never its internal id.
    p.packId ? [t('purchases.pack'), t('purchases.packOf', { credits: credits(p.credits) })] : null,
    ['Payment method', PAYMENT_METHOD_LABELS[p.paymentMethod] ?? p.paymentMethod],
    p.card?.last4 ? [t('purchases.card'), t('purchases.cardEnding', { last4: p.card.last4 })] : null,
    ['Subtotal', money(p.subtotal)],
    [taxTreatmentLabel(p.tax), money(p.tax?.amount)],
    ['Total', h('strong', { 'data-testid': 'purchase-total' }, money(p.total))],
    isPositive(p.refundedCredits) ? ['Refunded', `${credits(p.refundedCredits)} credits`] : null,
  ];
  return h(
    'div',
    {},
    facts(pairs),
    p.tax?.treatment && p.tax.treatment !== 'domestic'
      ? h('p', { class: 'fineprint facts-note' }, taxTreatmentNote(p.tax))
      : null,
  );
}

/** When things happened to a purchase, in order. */
export function timelineFacts(p) {
  return facts(timelinePairs(p));
}

export function timelinePairs(p) {
  return [
    ['Ordered', dateTime(p.createdAt)],
    p.paidAt ? ['Paid', dateTime(p.paidAt)] : null,
    p.creditedAt ? ['Credited', dateTime(p.creditedAt)] : null,
    p.canceledAt ? ['Canceled', dateTime(p.canceledAt)] : null,
    p.expiredAt ? ['Expired', dateTime(p.expiredAt)] : null,
    p.failedAt ? ['Failed', dateTime(p.failedAt)] : null,
    p.failureReason ? ['Why', failureReasonText(p.failureReason)] : null,
  ];
}

export function facts(pairs) {
  return h(
    'dl',
    { class: 'facts' },
    pairs.filter(Boolean).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')]),
  );
}

const MISSING = {
  billing_data: { text: 'complete billing data', href: '/account/billing', action: 'Complete billing data' },
  mobile_verification: { text: 'a verified mobile number', href: '/account/mobile', action: 'Verify mobile' },
};

/**
 * A refused purchase explained where it happened: what is missing (409
 * billing_data_incomplete), why the card was declined (402 payment_failed), or that a payment
 * method is not offered here. Null for other errors (the toast says those).
 */
export function purchaseProblem(error) {
  if (!(error instanceof ApiError)) return null;
  if (error.code === 'billing_data_incomplete') {
    const missing = (Array.isArray(error.details?.missing) ? error.details.missing : ['billing_data'])
      .map((m) => MISSING[m])
      .filter(Boolean);
    return h(
      'div',
      { class: 'callout callout-warning', role: 'alert', 'data-testid': 'purchase-problem' },
      h(
        'p',
        {},
        h('strong', {}, 'Your account cannot buy yet. '),
        'A purchase needs complete billing data (we invoice it) and a verified mobile number.',
      ),
      missing.length
        ? h(
            'p',
            { class: 'button-row' },
            missing.map((m) =>
              h('a', { href: m.href, class: 'button button-secondary button-small' }, m.action),
            ),
          )
        : null,
    );
  }
  if (error.code === 'payment_failed') {
    return h(
      'div',
      { class: 'callout callout-danger', role: 'alert', 'data-testid': 'purchase-problem' },
      h(
        'p',
        {},
        h('strong', {}, 'The payment did not go through. '),
        failureReasonText(error.details?.reason),
      ),
      h('p', { class: 'small' }, 'Nothing was charged and no credits were added.'),
    );
  }
  if (error.details?.reason === 'payment_method_not_configured') {
    return h(
      'div',
      { class: 'callout callout-warning', role: 'alert', 'data-testid': 'purchase-problem' },
      h('p', {}, error.message),
    );
  }
  if (error.details?.reason === 'account_suspended') {
    return h(
      'div',
      { class: 'callout callout-danger', role: 'alert', 'data-testid': 'purchase-problem' },
      h(
        'p',
        {},
        'Your account is suspended, so it cannot buy credits. Contact the operator of this Tollgate.',
      ),
    );
  }
  return null;
}

/** Reads the balance now (after credits arrived) so the top bar shows it without waiting. */
export async function refreshBalance() {
  try {
    updateBalance(await api.get('/balance'));
  } catch {
    // the top bar's own poll tries again
  }
}

/**
 * "Pay with another card": a declined card order paid again, on the card payment page, by an
 * order that takes its place (POST /purchases with retryOf); the browser goes to that page.
 * @param {{ id: string, packId?: string | null, credits?: string | number, currency?: string }} failed
 */
export function payAgainButton(failed) {
  const button = h(
    'button',
    { type: 'button', class: 'button button-primary button-small', 'data-testid': 'pay-again' },
    t('purchases.anotherCard'),
  );
  const key = idempotencyKey();
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const item = failed.packId ? { packId: failed.packId } : { credits: String(failed.credits) };
      const purchase = await api.post(
        '/purchases',
        { ...item, currency: failed.currency, paymentMethod: 'card', saveCard: true, retryOf: failed.id },
        { headers: { 'idempotency-key': key } },
      );
      const url = purchase?.card?.checkoutUrl;
      if (url) location.assign(url);
      else location.assign(`/purchases/${encodeURIComponent(purchase.id)}`);
    } catch (error) {
      button.disabled = false;
      notifyError(error);
    }
  });
  return h(
    'p',
    { class: 'button-row' },
    button,
    h('span', { class: 'small muted' }, t('purchases.anotherCardText')),
  );
}
