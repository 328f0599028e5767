// The sandbox's stand-in for a bank's 3D Secure page: Approve or Fail.
import type { Core } from '../core.js';
import { formatAmount } from '../money.js';
import type { PaymentIntent, SetupIntent } from '../types.js';
import { escapeHtml, layout } from './html.js';

function cardText(core: Core, paymentMethodId: string | null): string {
  const method = paymentMethodId === null ? undefined : core.store.paymentMethods.get(paymentMethodId);
  return method ? `${method.card.brand} ending in ${method.card.last4}` : 'your card';
}

export function renderAuthenticate(core: Core, intent: PaymentIntent | SetupIntent): string {
  const what =
    intent.object === 'payment_intent'
      ? `a payment of <strong data-testid="authenticate-amount">${escapeHtml(formatAmount(intent.amount, intent.currency))}</strong>`
      : 'saving this card for future payments';
  const body = `<h1>Authenticate this payment</h1>
<p>Your bank asks you to confirm ${what} with ${escapeHtml(cardText(core, intent.payment_method))}.</p>
<form method="post" action="${escapeHtml(intent.id)}">
<div class="actions">
<button class="primary" type="submit" name="action" value="approve">Approve</button>
<button class="danger" type="submit" name="action" value="fail">Fail</button>
</div>
</form>`;
  return layout('3D Secure', body);
}

export function renderMessage(title: string, message: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`);
}
