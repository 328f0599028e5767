// The hosted checkout page: what is being paid (or that a card is being saved), a card form,
// Pay and Cancel, and the test cards to try.
import type { Core } from '../core.js';
import { formatAmount } from '../money.js';
import type { CheckoutSession } from '../types.js';
import { errorBox, escapeHtml, layout } from './html.js';

export interface CheckoutForm {
  email: string;
  name: string;
  number: string;
  expiry: string;
}

export const EMPTY_FORM: CheckoutForm = { email: '', name: '', number: '', expiry: '' };

const TEST_CARDS: [string, string][] = [
  ['4242 4242 4242 4242', 'succeeds'],
  ['4000 0000 0000 0002', 'declined (not saved either)'],
  ['4000 0000 0000 9995', 'declined: insufficient funds (not saved either)'],
  ['4000 0027 6000 3184', 'asks for authentication (approve or fail)'],
  ['4000 0000 0000 0341', 'saves, then every charge is declined'],
  ['4000 0082 6000 3178', 'asks for authentication, saves, then declined: insufficient funds'],
];

function summary(core: Core, session: CheckoutSession): string {
  if (session.mode === 'setup') {
    return '<h1>Save a card for future payments</h1><p>Nothing is charged now.</p>';
  }
  const currency = session.currency ?? '';
  const items = core.store.checkoutDetails.get(session.id)?.lineItems ?? [];
  const rows = items
    .map(
      (item) =>
        `<tr><td>${escapeHtml(item.name)} × ${item.quantity}</td><td style="text-align:right">${escapeHtml(
          formatAmount(item.unitAmount * item.quantity, currency),
        )}</td></tr>`,
    )
    .join('');
  return `<h1>Pay</h1>
<p class="total" data-testid="checkout-amount">${escapeHtml(formatAmount(session.amount_total ?? 0, currency))} <small>${escapeHtml(currency.toUpperCase())}</small></p>
<table>${rows}</table>`;
}

function defaultEmail(core: Core, session: CheckoutSession): string {
  const customer = session.customer === null ? undefined : core.store.customers.get(session.customer);
  return customer?.email ?? session.customer_email ?? '';
}

export function renderCheckout(
  core: Core,
  session: CheckoutSession,
  form: CheckoutForm,
  error: string | null,
): string {
  const pay =
    session.mode === 'setup'
      ? 'Save card'
      : `Pay ${formatAmount(session.amount_total ?? 0, session.currency ?? '')}`;
  const cancel = session.cancel_url
    ? `<a class="button secondary" href="${escapeHtml(session.cancel_url)}">Cancel</a>`
    : '';
  const hints = TEST_CARDS.map(
    ([number, what]) => `<tr><td><code>${number}</code></td><td>${what}</td></tr>`,
  ).join('');
  const body = `${summary(core, session)}
${errorBox(error)}
<form method="post" action="${escapeHtml(session.id)}" autocomplete="off">
<label for="email">Email</label>
<input id="email" name="email" type="email" value="${escapeHtml(form.email || defaultEmail(core, session))}">
<label for="card_number">Card number</label>
<input id="card_number" name="card_number" inputmode="numeric" placeholder="4242 4242 4242 4242" value="${escapeHtml(form.number)}" required>
<div class="row">
<div><label for="card_expiry">Expiry</label><input id="card_expiry" name="card_expiry" placeholder="MM / YY" value="${escapeHtml(form.expiry)}" required></div>
<div><label for="card_cvc">CVC</label><input id="card_cvc" name="card_cvc" inputmode="numeric" placeholder="123" required></div>
</div>
<label for="billing_name">Name on card</label>
<input id="billing_name" name="billing_name" value="${escapeHtml(form.name)}">
<div class="actions"><button class="primary" type="submit">${escapeHtml(pay)}</button>${cancel}</div>
</form>
<div class="hint"><p>Test cards (any future expiry, any CVC):</p><table>${hints}</table></div>`;
  return layout(session.mode === 'setup' ? 'Save a card' : 'Checkout', body);
}

export function renderClosed(session: CheckoutSession, message: string): string {
  const next =
    session.status === 'complete'
      ? `<a class="button primary" href="${escapeHtml(session.success_url.replaceAll('{CHECKOUT_SESSION_ID}', session.id))}">Continue</a>`
      : session.cancel_url
        ? `<a class="button secondary" href="${escapeHtml(session.cancel_url)}">Back</a>`
        : '';
  return layout('Checkout', `<h1>${escapeHtml(message)}</h1><div class="actions">${next}</div>`);
}
