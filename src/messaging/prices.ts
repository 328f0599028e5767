// Where the destination price list comes from. Injected, so the DB-backed list of the pricing
// room plugs in without this room knowing how it is stored; the default is the built-in list.
import { defaultDestinationRules } from '../pricing/default-destinations.js';
import { DestinationIndex } from '../pricing/destinations.js';

/** The price list in force now (may be cached by its provider). */
export type PriceSource = () => DestinationIndex | Promise<DestinationIndex>;

export function builtInPrices(): PriceSource {
  const index = new DestinationIndex(defaultDestinationRules());
  return () => index;
}
