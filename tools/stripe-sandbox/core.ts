// What every operation works with: the store, the clock, the sandbox's public address (for
// links to the hosted pages) and the event sink that records events and sends webhooks.
import { newId } from './ids.js';
import type { Store } from './store.js';
import {
  API_VERSION,
  type EventOrigin,
  type EventType,
  type JsonObject,
  type StripeEvent,
  type StripeObject,
} from './types.js';

export interface Core {
  readonly store: Store;
  readonly publicUrl: string;
  /** Unix seconds, as in every `created` field. */
  now(): number;
  /**
   * Records an event with a snapshot of `object` and hands it to the webhook sender; an
   * `*.updated` event names the fields' values before the change (`previous_attributes`).
   */
  emit(type: EventType, object: StripeObject, origin: EventOrigin, previous?: JsonObject): StripeEvent;
}

/** Events caused by the hosted pages carry no API request. */
export const NO_REQUEST: EventOrigin = { id: null, idempotency_key: null };

export interface CoreOptions {
  store: Store;
  /** Seconds added to the real clock (control.advanceClock), so tests can reach expires_at. */
  clockOffset(): number;
  publicUrl: string;
  /** How many webhook endpoints an event will go to (Stripe's pending_webhooks). */
  endpointCount(type: EventType): number;
  onEvent(event: StripeEvent): void;
}

export function createCore(options: CoreOptions): Core {
  const now = (): number => Math.floor(Date.now() / 1000) + options.clockOffset();
  return {
    store: options.store,
    publicUrl: options.publicUrl,
    now,
    emit(type, object, origin, previous) {
      const event: StripeEvent = {
        id: newId('evt'),
        object: 'event',
        api_version: API_VERSION,
        created: now(),
        data: previous
          ? { object: structuredClone(object), previous_attributes: structuredClone(previous) }
          : { object: structuredClone(object) },
        livemode: false,
        pending_webhooks: options.endpointCount(type),
        request: { ...origin },
        type,
      };
      options.store.events.set(event.id, event);
      options.onEvent(event);
      return event;
    },
  };
}
