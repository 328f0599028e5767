// The gauges whose truth is in the database, read when /metrics is scraped, at most once per
// METRICS_DB_GAUGES_MAX_AGE_MS (concurrent scrapes share one read). Each query uses a partial index of its
// own (the outbox, the e-mail queue, pending webhook deliveries) or reads one row per customer
// (held credits), so a scrape costs milliseconds. Every process reports the same database, so
// aggregate these with max(), not sum(), across instances.
import type { AppContext } from '../context.js';
import { metrics } from '../metrics.js';
import { SmppCarrier } from '../messaging/carriers/smpp/carrier.js';

const OUTBOX_STATUSES = ['scheduled', 'queued', 'waiting_credit'] as const;

interface Cached {
  at: number;
  refreshing: Promise<void> | null;
}

const cache = new WeakMap<AppContext, Cached>();

export function refreshDatabaseGauges(ctx: AppContext): Promise<void> {
  let entry = cache.get(ctx);
  if (!entry) {
    entry = { at: 0, refreshing: null };
    cache.set(ctx, entry);
  }
  const current = entry;
  if (Date.now() - current.at < ctx.config.ops.metrics.gaugeMaxAgeMs) return Promise.resolve();
  current.refreshing ??= read(ctx)
    .then(() => {
      current.at = Date.now();
    })
    .finally(() => {
      current.refreshing = null;
    });
  return current.refreshing;
}

async function read(ctx: AppContext): Promise<void> {
  const [outbox, chunks, held, email, webhooks] = await Promise.all([
    ctx.db.query<{ status: string; n: bigint }>(
      `select status, count(*) as n from messages
        where status in ('scheduled', 'queued', 'waiting_credit') group by status`,
    ),
    ctx.db.query<{ n: bigint | null }>(
      `select sum(rows) as n from campaign_chunks where status = 'reserved'`,
    ),
    ctx.db.query<{ micros: bigint | null }>(
      `select sum(debits_pending) as micros from ledger_accounts where kind = 'customer'`,
    ),
    ctx.db.query<{ n: bigint }>(
      `select count(*) as n from email_outbox where sent_at is null and failed_at is null`,
    ),
    ctx.db.query<{ n: bigint }>(`select count(*) as n from webhook_deliveries where status = 'pending'`),
  ]);
  const byStatus = new Map(outbox.rows.map((row) => [row.status, Number(row.n)]));
  const reservedRows = Number(chunks.rows[0]?.n ?? 0n);
  for (const status of OUTBOX_STATUSES) {
    const extra = status === 'queued' ? reservedRows : 0;
    metrics.outboxMessages.set({ status }, (byStatus.get(status) ?? 0) + extra);
  }
  // Credits, not micro-credits: exact to the micro-credit below 2^53 micro-credits (9 billion credits).
  metrics.creditsHeld.set(Number(held.rows[0]?.micros ?? 0n) / 1_000_000);
  metrics.emailOutbox.set(Number(email.rows[0]?.n ?? 0n));
  metrics.webhookBacklog.set(Number(webhooks.rows[0]?.n ?? 0n));
}

/** Whether each carrier has its session now (1) or not (0); carriers without sessions are 1. */
export function refreshCarrierGauges(ctx: AppContext): void {
  for (const carrier of ctx.messaging.carriers.all) {
    const bound = carrier instanceof SmppCarrier ? carrier.state().bound : true;
    metrics.carrierBound.set({ carrier: carrier.id }, bound ? 1 : 0);
  }
}
