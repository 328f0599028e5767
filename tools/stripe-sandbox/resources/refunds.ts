// Refunds of a PaymentIntent's (or a charge's) successful charge, whole or in part, never more
// than what is left unrefunded.
import { invalidRequest } from '../errors.js';
import { newId, randomDigits } from '../ids.js';
import { formatAmount } from '../money.js';
import { createMetadata, Params } from '../params.js';
import type { Charge, Refund } from '../types.js';
import { type ApiRoute, respond } from './call.js';
import type { Core } from '../core.js';

function chargeToRefund(core: Core, p: Params): Charge {
  const chargeId = p.string('charge');
  const intentId = p.string('payment_intent');
  if (chargeId !== undefined && intentId !== undefined) {
    throw invalidRequest('You may only specify one of these parameters: charge, payment_intent.', {
      validation: true,
    });
  }
  if (chargeId !== undefined) return core.store.charge(chargeId, 'charge');
  if (intentId === undefined) {
    throw invalidRequest(
      'One of the following params should be provided for this request: payment_intent or charge.',
      {
        code: 'parameter_missing',
        validation: true,
      },
    );
  }
  const intent = core.store.paymentIntent(intentId, 'payment_intent');
  const charge = intent.latest_charge === null ? undefined : core.store.charges.get(intent.latest_charge);
  if (intent.status !== 'succeeded' || charge === undefined) {
    throw invalidRequest(`This PaymentIntent (${intent.id}) does not have a successful charge to refund.`, {
      param: 'payment_intent',
    });
  }
  return charge;
}

export const refundRoutes: ApiRoute[] = [
  {
    method: 'POST',
    pattern: '/v1/refunds',
    handler: ({ core, params, origin }) => {
      const p = Params.of(params, ['amount', 'charge', 'metadata', 'payment_intent', 'reason']);
      const reason = p.oneOf('reason', ['duplicate', 'fraudulent', 'requested_by_customer']) ?? null;
      const metadata = createMetadata(p.metadata());
      const requested = p.int('amount');
      const charge = chargeToRefund(core, p);
      if (charge.status !== 'succeeded') {
        throw invalidRequest(`Charge ${charge.id} has not succeeded and cannot be refunded.`, {
          param: 'charge',
        });
      }
      const left = charge.amount_captured - charge.amount_refunded;
      if (left === 0) {
        throw invalidRequest(`Charge ${charge.id} has already been refunded.`, {
          code: 'charge_already_refunded',
        });
      }
      const amount = requested ?? left;
      if (amount < 1) throw invalidRequest('Invalid positive integer', { param: 'amount', validation: true });
      if (amount > left) {
        throw invalidRequest(
          `Refund amount (${formatAmount(amount, charge.currency)}) is greater than unrefunded amount on charge (${formatAmount(left, charge.currency)})`,
          { param: 'amount' },
        );
      }
      const refund: Refund = {
        id: newId('re'),
        object: 'refund',
        amount,
        balance_transaction: newId('txn'),
        charge: charge.id,
        created: core.now(),
        currency: charge.currency,
        destination_details: {
          card: {
            reference: null,
            reference_status: 'pending',
            reference_type: 'acquirer_reference_number',
            type: 'refund',
          },
          type: 'card',
        },
        metadata,
        payment_intent: charge.payment_intent,
        reason,
        receipt_number: null,
        source_transfer_reversal: null,
        status: 'succeeded',
        transfer_reversal: null,
      };
      core.store.refunds.set(refund.id, refund);
      charge.amount_refunded += amount;
      charge.refunded = charge.amount_refunded === charge.amount_captured;
      core.emit('refund.created', refund, origin);
      core.emit('charge.refunded', charge, origin);
      // The card network's reference for the refund arrives later; Stripe reports it as an update.
      refund.destination_details.card.reference = randomDigits(23);
      refund.destination_details.card.reference_status = 'available';
      const previous = { destination_details: { card: { reference: null, reference_status: 'pending' } } };
      core.emit('refund.updated', refund, origin, previous);
      core.emit('charge.refund.updated', refund, origin, previous);
      return respond(core, refund, p);
    },
  },
  {
    method: 'GET',
    pattern: '/v1/refunds/:id',
    handler: ({ core, params, path }) => {
      const p = Params.of(params, []);
      return respond(core, core.store.refund(path.get('id')), p);
    },
  },
];
