// SMS carriers behind one interface (types.ts), picked by SMS_CARRIER. Only this folder
// knows a carrier's own protocol; everything above it uses Carrier.
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { Queryable } from '../../db/types.js';
import { SimulatorCarrier } from './simulator.js';
import type { Carrier } from './types.js';

export * from './types.js';
export {
  listSimulatedMessages,
  type SimulatedMessage,
  SimulatorCarrier,
  simulatedOutcome,
} from './simulator.js';

export function createCarrier(config: Config, db: Queryable, logger: Logger, now: () => Date): Carrier {
  switch (config.sms.carrier) {
    case 'simulator':
      return new SimulatorCarrier(db, { receiptDelayMs: config.sms.simulatorReceiptDelayMs, now, logger });
  }
}
