// Which carrier a destination goes to: the route with the longest prefix of the number
// (CARRIER_ROUTES="+44=smpp,+1=smpp,*=simulator"), else the default. Config validates the
// variables at start-up; this checks again that every route names a carrier that exists,
// for tables built in code.
import type { Carrier } from './types.js';

export interface Route {
  /** `+` and digits. */
  prefix: string;
  carrier: string;
}

export class RoutingError extends Error {
  override name = 'RoutingError';
}

/** route(e164) for the table; throws RoutingError for a route naming a missing carrier. */
export function createRouter(
  routes: readonly Route[],
  fallback: string,
  carriers: ReadonlyMap<string, Carrier>,
): (e164: string) => Carrier {
  const pick = (name: string, what: string): Carrier => {
    const carrier = carriers.get(name);
    if (!carrier) {
      throw new RoutingError(`${what} names carrier "${name}", which is not configured`);
    }
    return carrier;
  };
  const fallbackCarrier = pick(fallback, 'the default route');
  const seen = new Set<string>();
  const table = routes.map((route) => {
    if (!/^\+[0-9]{1,15}$/.test(route.prefix)) {
      throw new RoutingError(`route "${route.prefix}" is not + and 1 to 15 digits`);
    }
    if (seen.has(route.prefix)) throw new RoutingError(`route ${route.prefix} is given twice`);
    seen.add(route.prefix);
    return { prefix: route.prefix, carrier: pick(route.carrier, `route ${route.prefix}`) };
  });
  // Longest first, so the first prefix that matches is the longest that matches.
  table.sort((a, b) => b.prefix.length - a.prefix.length);
  return (e164) => table.find((route) => e164.startsWith(route.prefix))?.carrier ?? fallbackCarrier;
}
