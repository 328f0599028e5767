// SMS carriers behind one interface (types.ts): the simulator and SMPP, chosen per destination
// by CARRIER_ROUTES (routing.ts) with CARRIER_DEFAULT (or SMS_CARRIER) for the rest. Only this
// folder knows a carrier's own protocol; everything above it uses Carrier.
import type { Logger } from 'pino';
import type { CarrierName, Config } from '../../config.js';
import { ConfigError } from '../../config.js';
import type { Queryable } from '../../db/types.js';
import { createRouter } from './routing.js';
import { SimulatorCarrier } from './simulator.js';
import { SmppCarrier } from './smpp/carrier.js';
import type { Carrier, OutgoingSms, Receipt, SubmitResult } from './types.js';

export * from './types.js';
export {
  listSimulatedMessages,
  type SimulatedMessage,
  SimulatorCarrier,
  simulatedOutcome,
} from './simulator.js';
export { type Route, RoutingError } from './routing.js';

export interface CarrierDeps {
  /** The simulator records what it "sends" here. */
  db: Queryable;
  logger: Logger;
  now: () => Date;
}

export interface Carriers {
  /** The carrier for an E.164 destination: the longest matching route, else the default. */
  route(e164: string): Carrier;
  /** Every carrier a route uses, once each (listen to each one's receipts). */
  readonly all: readonly Carrier[];
  /** The carrier with this id (`simulator`, `smpp`), if in use: for a message's stored carrier. */
  byId(id: string): Carrier | undefined;
  /** Closes every carrier (SMPP unbinds). */
  close(): Promise<void>;
}

function build(name: CarrierName, config: Config, deps: CarrierDeps): Carrier {
  switch (name) {
    case 'simulator':
      return new SimulatorCarrier(deps.db, {
        receiptDelayMs: config.sms.simulatorReceiptDelayMs,
        now: deps.now,
        logger: deps.logger,
      });
    case 'smpp': {
      const smpp = config.carriers.smpp;
      if (!smpp)
        throw new ConfigError('CARRIER_ROUTES', 'a route names carrier smpp, which is not configured');
      return new SmppCarrier(smpp, { logger: deps.logger, now: deps.now });
    }
  }
}

/** Builds the carriers the routes name (an SMPP carrier starts binding at once). */
export function createCarriers(config: Config, deps: CarrierDeps): Carriers {
  const names = new Set<CarrierName>([config.sms.carrier, ...config.carriers.routes.map((r) => r.carrier)]);
  const byName = new Map<string, Carrier>();
  for (const name of names) byName.set(name, build(name, config, deps));
  const route = createRouter(config.carriers.routes, config.sms.carrier, byName);
  const all = [...byName.values()];
  return {
    route,
    all,
    byId: (id) => all.find((carrier) => carrier.id === id),
    async close() {
      await Promise.all(all.map((carrier) => carrier.close?.()));
    },
  };
}

/** One Carrier over all of them: submit goes by route, receipts come from each. */
export function routedCarrier(carriers: Carriers): Carrier {
  return {
    id: 'routed',
    submit: (m: OutgoingSms): Promise<SubmitResult> => carriers.route(m.to).submit(m),
    onReceipt(cb: (r: Receipt) => void) {
      for (const carrier of carriers.all) carrier.onReceipt(cb);
    },
    close: () => carriers.close(),
  };
}

/**
 * The carrier for code that sends without choosing (verification codes): the one carrier in
 * use when there is one (the simulator by default, as before), otherwise routedCarrier.
 */
export function createCarrier(config: Config, db: Queryable, logger: Logger, now: () => Date): Carrier {
  const carriers = createCarriers(config, { db, logger, now });
  const [only] = carriers.all;
  return carriers.all.length === 1 && only ? only : routedCarrier(carriers);
}
