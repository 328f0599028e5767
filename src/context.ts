// What every domain receives: configuration, storage, the ledger, a logger and a clock.
// Built once by server.ts (or by the test harness).
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Db } from './db/types.js';
import { watchBalanceAlerts } from './balance-alerts/index.js';
import { attachInvoicePdfs } from './invoicing/attachments.js';
import { BatchedWriter } from './ledger/batched-writer.js';
import { Ledger } from './ledger/ledger.js';
import { type Carrier, createCarriers, routedCarrier } from './messaging/carriers/index.js';
import { resumeWhenCreditArrives } from './messaging/credit-hook.js';
import { MessagingService } from './messaging/service.js';
import { createMailTransport, Mailer } from './notifications/mailer.js';
import { destinationIndex } from './pricing/store.js';
import { attachRefills } from './refills/index.js';
import { VERSION } from './version.js';

export interface AppContext {
  config: Config;
  db: Db;
  ledger: Ledger;
  writer: BatchedWriter;
  logger: Logger;
  /** E-mail through the outbox (notifications/). */
  mailer: Mailer;
  /** The SMS carrier picked by SMS_CARRIER. */
  carrier: Carrier;
  /** Sending, dispatch and receipts: this process's writers and carrier throttles. */
  messaging: MessagingService;
  version: string;
  /** The current time; tests replace it. */
  now: () => Date;
}

export function createContext(config: Config, db: Db, logger: Logger): AppContext {
  // Services read the clock through the context, so a test that replaces ctx.now moves them too.
  const now = () => ctx.now();
  const ledger = new Ledger(db, { logger });
  // One set of carriers per process: the dispatcher routes through it, and code that sends
  // without choosing (verification codes) gets the lone carrier, or one that routes.
  const carriers = createCarriers(config, { db, logger, now });
  const [only] = carriers.all;
  const carrier = carriers.all.length === 1 && only ? only : routedCarrier(carriers);
  const ctx: AppContext = {
    config,
    db,
    ledger,
    writer: new BatchedWriter(db, {
      lingerMs: config.ledger.batchLingerMs,
      maxBatch: config.ledger.batchMax,
    }),
    logger,
    mailer: new Mailer(db, createMailTransport(config), {
      from: config.mail.from,
      publicUrl: config.publicUrl,
      logger,
      now,
    }),
    carrier,
    messaging: new MessagingService(
      { config, db, ledger, logger, carriers, now },
      { prices: () => destinationIndex(ctx) },
    ),
    version: VERSION,
    now: () => new Date(),
  };
  resumeWhenCreditArrives(ctx);
  attachInvoicePdfs(ctx);
  watchBalanceAlerts(ctx);
  attachRefills(ctx);
  return ctx;
}
