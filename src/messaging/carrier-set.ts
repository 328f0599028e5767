// Which carrier takes a message. Today one carrier takes everything; when routing by prefix
// lands in carriers/, `route` delegates to it. Reconciliation finds a message's carrier again
// by the id stored on the message when it was claimed.
import type { Carrier } from './carriers/types.js';

export interface CarrierSet {
  route(e164: string): Carrier;
  byId(id: string): Carrier | undefined;
  all(): readonly Carrier[];
}

export function singleCarrier(carrier: Carrier): CarrierSet {
  return {
    route: () => carrier,
    byId: (id) => (id === carrier.id ? carrier : undefined),
    all: () => [carrier],
  };
}
