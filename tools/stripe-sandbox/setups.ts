// Confirming a SetupIntent with a card (Checkout in setup mode): the card is saved to the
// customer for off-session use, after authentication when the test card asks for it. A card
// the issuer declines when asked to verify it (0002, 9995) is not saved: the SetupIntent
// goes back to requires_payment_method with last_setup_error, and setup_intent.setup_failed.
import { setupOutcome } from './cards.js';
import { type Core, NO_REQUEST } from './core.js';
import { cardDeclined, docUrl } from './errors.js';
import { AUTHENTICATION_FAILED_MESSAGE } from './payments.js';
import { attachPaymentMethod } from './saved-cards.js';
import type { EventOrigin, PaymentMethod, SetupIntent } from './types.js';

export type SetupResult =
  | { status: 'succeeded' }
  | { status: 'requires_action' }
  | { status: 'failed'; message: string };

export function confirmSetup(
  core: Core,
  intent: SetupIntent,
  method: PaymentMethod,
  origin: EventOrigin,
): SetupResult {
  intent.payment_method = method.id;
  intent.last_setup_error = null;
  const outcome = setupOutcome(core.store.card(method.id));
  if (outcome.kind === 'decline') {
    intent.status = 'requires_payment_method';
    intent.payment_method = null;
    intent.last_setup_error = cardDeclined(outcome.declineCode, method);
    core.emit('setup_intent.setup_failed', intent, origin);
    return { status: 'failed', message: intent.last_setup_error.message };
  }
  if (outcome.kind === 'authenticate') {
    intent.status = 'requires_action';
    intent.next_action = {
      type: 'redirect_to_url',
      redirect_to_url: { return_url: null, url: `${core.publicUrl}/authenticate/${intent.id}` },
    };
    return { status: 'requires_action' };
  }
  succeed(core, intent, method, origin);
  return { status: 'succeeded' };
}

export function finishSetupAuthentication(core: Core, intent: SetupIntent, approved: boolean): SetupResult {
  const method = core.store.paymentMethod(intent.payment_method ?? '', 'payment_method');
  intent.next_action = null;
  if (approved) {
    succeed(core, intent, method, NO_REQUEST);
    return { status: 'succeeded' };
  }
  intent.status = 'requires_payment_method';
  intent.last_setup_error = {
    code: 'setup_intent_authentication_failure',
    doc_url: docUrl('setup_intent_authentication_failure'),
    message: AUTHENTICATION_FAILED_MESSAGE,
    payment_method: structuredClone(method),
    type: 'invalid_request_error',
  };
  core.emit('setup_intent.setup_failed', intent, NO_REQUEST);
  return { status: 'failed', message: AUTHENTICATION_FAILED_MESSAGE };
}

function succeed(core: Core, intent: SetupIntent, method: PaymentMethod, origin: EventOrigin): void {
  if (intent.usage === 'off_session') core.store.card(method.id).setUpForOffSession = true;
  if (intent.customer !== null) attachPaymentMethod(core, method, intent.customer, origin);
  intent.status = 'succeeded';
  core.emit('setup_intent.succeeded', intent, origin);
}
