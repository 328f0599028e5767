// The money desk's shared pieces, used by the customer's and the operator's pages: a purchase's
// status pill, its amounts, the bank-transfer details with copy buttons, and what a refused
// purchase (409 billing data, 402 declined card) means in words.
import { ApiError, api, idempotencyKey } from './api.js';
import { h, icon } from './dom.js';
import { t, tNodes } from './i18n.js';
import {
  credits,
  creditsText,
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
  return creditsText(p.credits);
}

/** Copies `text`; without clipboard access, selects `target` so it can be copied by hand. */
export function copyButton(text, { label = t('purchases.copy.copy'), what = '', target } = {}) {
  const button = h(
    'button',
    { type: 'button', class: 'button button-secondary button-small copy-button', 'aria-label': label },
    icon('copy'),
    h('span', {}, t('purchases.copy.copy')),
  );
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      notify(what ? t('purchases.copy.copiedWhat', { what }) : t('purchases.copy.copied'));
    } catch {
      if (target) getSelection()?.selectAllChildren(target);
      notify(t('purchases.copy.byHand'), { kind: 'info' });
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
              label: copyLabel ?? t('purchases.copy.copy'),
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
    h('h2', { id: 'bank-title', class: 'card-title' }, t('purchases.bank.title')),
    sandbox
      ? h(
          'p',
          { class: 'callout callout-warning' },
          icon('alert'),
          h('span', {}, t('purchases.bank.sandbox')),
        )
      : null,
    h(
      'dl',
      { class: 'bank-details' },
      row(t('purchases.bank.amount'), money(bank.amount), {
        big: true,
        testid: 'bank-amount',
        copy: moneyDecimal(bank.amount),
        copyLabel: t('purchases.bank.copyAmount'),
      }),
      row(t('purchases.bank.reference'), bank.referenceFormatted ?? bank.reference, {
        big: true,
        testid: 'bank-reference',
        copy: bank.reference,
        copyLabel: t('purchases.bank.copyReference'),
      }),
      row('IBAN', groupsOfFour(bank.iban), {
        testid: 'bank-iban',
        copy: bank.iban,
        copyLabel: t('purchases.bank.copyIban'),
      }),
      row('BIC', bank.bic, { testid: 'bank-bic', copy: bank.bic, copyLabel: t('purchases.bank.copyBic') }),
      row(t('purchases.bank.beneficiary'), bank.beneficiary, { text: true, testid: 'bank-beneficiary' }),
      row(t('purchases.bank.payBy'), dateOnly(bank.dueDate), { text: true, testid: 'bank-due' }),
    ),
    h(
      'ul',
      { class: 'bank-notes' },
      h(
        'li',
        {},
        ...tNodes('purchases.bank.noteReference', {
          reference: h('strong', {}, t('purchases.bank.referenceWord')),
        }),
      ),
      h('li', {}, t('purchases.bank.noteAmount', { currency: bank.amount.currency })),
      h('li', {}, t('purchases.bank.noteArrival')),
      h('li', {}, t('purchases.bank.noteExpiry', { date: dateOnly(bank.dueDate) })),
    ),
  );
}

/** Credits, subtotal, tax with its rate and treatment, total (and refunded credits). */
export function amountFacts(p) {
  const pairs = [
    [t('purchases.facts.credits'), creditsText(p.credits)],
    // The pack in words, never its internal id.
    p.packId ? [t('purchases.pack'), t('purchases.packOf', { credits: credits(p.credits) })] : null,
    [t('purchases.facts.paymentMethod'), PAYMENT_METHOD_LABELS[p.paymentMethod] ?? p.paymentMethod],
    p.card?.last4 ? [t('purchases.card'), t('purchases.cardEnding', { last4: p.card.last4 })] : null,
    [t('purchases.facts.subtotal'), money(p.subtotal)],
    [taxTreatmentLabel(p.tax), money(p.tax?.amount)],
    [t('purchases.facts.total'), h('strong', { 'data-testid': 'purchase-total' }, money(p.total))],
    isPositive(p.refundedCredits) ? [t('purchases.facts.refunded'), creditsText(p.refundedCredits)] : null,
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
    [t('purchases.facts.ordered'), dateTime(p.createdAt)],
    p.paidAt ? [t('purchases.facts.paid'), dateTime(p.paidAt)] : null,
    p.creditedAt ? [t('purchases.facts.credited'), dateTime(p.creditedAt)] : null,
    p.canceledAt ? [t('purchases.facts.canceled'), dateTime(p.canceledAt)] : null,
    p.expiredAt ? [t('purchases.facts.expired'), dateTime(p.expiredAt)] : null,
    p.failedAt ? [t('purchases.facts.failed'), dateTime(p.failedAt)] : null,
    p.failureReason ? [t('purchases.facts.why'), failureReasonText(p.failureReason)] : null,
  ];
}

export function facts(pairs) {
  return h(
    'dl',
    { class: 'facts' },
    pairs.filter(Boolean).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')]),
  );
}

/** What a purchase still needs, where to complete it, and the key of the button that goes there. */
const MISSING = {
  billing_data: { href: '/account/billing', action: 'purchases.needs.billingAction' },
  mobile_verification: { href: '/account/mobile', action: 'purchases.needs.mobileAction' },
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
        h('strong', {}, `${t('purchases.problem.cannotBuy')} `),
        t('purchases.problem.cannotBuyText'),
      ),
      missing.length
        ? h(
            'p',
            { class: 'button-row' },
            missing.map((m) =>
              h('a', { href: m.href, class: 'button button-secondary button-small' }, t(m.action)),
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
        h('strong', {}, `${t('purchases.problem.declined')} `),
        failureReasonText(error.details?.reason),
      ),
      h('p', { class: 'small' }, t('purchases.problem.nothingCharged')),
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
      h('p', {}, t('purchases.problem.suspended')),
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
