// The sandbox's state, in memory: every object by id, plus what Stripe keeps outside the
// objects themselves (the test card behind a PaymentMethod, the session behind an intent).
import type { TestCard } from './cards.js';
import { resourceMissing } from './errors.js';
import type { PaymentIntentFields } from './objects.js';
import type {
  Charge,
  CheckoutSession,
  Customer,
  PaymentIntent,
  PaymentMethod,
  Refund,
  SetupIntent,
  StripeEvent,
  StripeObject,
  LineItem,
} from './types.js';

/** What a Checkout Session keeps to itself: its line items and the PaymentIntent it will make. */
export interface CheckoutDetails {
  lineItems: LineItem[];
  /** payment_intent_data, for the PaymentIntent created when the customer first pays. */
  payment: PaymentIntentFields | null;
}

/** Where an intent came from: its Checkout Session, or the return_url of an API confirmation. */
export interface IntentLink {
  checkoutSession: string | null;
  returnUrl: string | null;
}

function lookup<T>(map: Map<string, T>, id: string, kind: string, param: string): T {
  const found = map.get(id);
  if (found === undefined) throw resourceMissing(kind, id, param);
  return found;
}

export class Store {
  readonly customers = new Map<string, Customer>();
  readonly paymentMethods = new Map<string, PaymentMethod>();
  readonly cards = new Map<string, TestCard>();
  readonly paymentIntents = new Map<string, PaymentIntent>();
  readonly setupIntents = new Map<string, SetupIntent>();
  readonly sessions = new Map<string, CheckoutSession>();
  readonly checkoutDetails = new Map<string, CheckoutDetails>();
  readonly charges = new Map<string, Charge>();
  readonly refunds = new Map<string, Refund>();
  readonly events = new Map<string, StripeEvent>();
  readonly links = new Map<string, IntentLink>();

  customer(id: string, param = 'id'): Customer {
    return lookup(this.customers, id, 'customer', param);
  }

  paymentMethod(id: string, param = 'id'): PaymentMethod {
    return lookup(this.paymentMethods, id, 'PaymentMethod', param);
  }

  paymentIntent(id: string, param = 'id'): PaymentIntent {
    return lookup(this.paymentIntents, id, 'payment_intent', param);
  }

  setupIntent(id: string, param = 'id'): SetupIntent {
    return lookup(this.setupIntents, id, 'setupintent', param);
  }

  session(id: string, param = 'id'): CheckoutSession {
    return lookup(this.sessions, id, 'checkout.session', param);
  }

  charge(id: string, param = 'id'): Charge {
    return lookup(this.charges, id, 'charge', param);
  }

  refund(id: string, param = 'id'): Refund {
    return lookup(this.refunds, id, 'refund', param);
  }

  event(id: string, param = 'id'): StripeEvent {
    return lookup(this.events, id, 'event', param);
  }

  /** The test card a PaymentMethod was made from (every PaymentMethod here has one). */
  card(paymentMethodId: string): TestCard {
    return lookup(this.cards, paymentMethodId, 'PaymentMethod', 'payment_method');
  }

  link(intentId: string): IntentLink {
    return this.links.get(intentId) ?? { checkoutSession: null, returnUrl: null };
  }

  /** Any object by id, for `expand`. */
  find(id: string): StripeObject | undefined {
    const prefix = id.slice(0, id.indexOf('_'));
    switch (prefix) {
      case 'cus':
        return this.customers.get(id);
      case 'pm':
        return this.paymentMethods.get(id);
      case 'pi':
        return this.paymentIntents.get(id);
      case 'seti':
        return this.setupIntents.get(id);
      case 'cs':
        return this.sessions.get(id);
      case 'ch':
        return this.charges.get(id);
      case 're':
        return this.refunds.get(id);
      default:
        return undefined;
    }
  }
}
