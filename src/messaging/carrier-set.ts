// Which carrier takes a message: carriers/ routes by prefix (CARRIER_ROUTES) and knows each
// carrier by id, so reconciliation finds a message's carrier again by the id stored on it when
// it was claimed. This is the part of carriers/' `Carriers` that the dispatcher uses.
import type { Carrier } from './carriers/types.js';

export interface CarrierSet {
  route(e164: string): Carrier;
  byId(id: string): Carrier | undefined;
  readonly all: readonly Carrier[];
}

/** One carrier for every destination (tests, and tools that bring their own carrier). */
export function singleCarrier(carrier: Carrier): CarrierSet {
  return {
    route: () => carrier,
    byId: (id) => (id === carrier.id ? carrier : undefined),
    all: [carrier],
  };
}
