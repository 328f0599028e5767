// What every domain receives: configuration, storage, the ledger, a logger and a clock.
// Built once by server.ts (or by the test harness).
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Db } from './db/types.js';
import { BatchedWriter } from './ledger/batched-writer.js';
import { Ledger } from './ledger/ledger.js';
import { VERSION } from './version.js';

export interface AppContext {
  config: Config;
  db: Db;
  ledger: Ledger;
  writer: BatchedWriter;
  logger: Logger;
  version: string;
  /** The current time; tests replace it. */
  now: () => Date;
}

export function createContext(config: Config, db: Db, logger: Logger): AppContext {
  return {
    config,
    db,
    ledger: new Ledger(db),
    writer: new BatchedWriter(db, {
      lingerMs: config.ledger.batchLingerMs,
      maxBatch: config.ledger.batchMax,
    }),
    logger,
    version: VERSION,
    now: () => new Date(),
  };
}
