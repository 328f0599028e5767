// Prometheus metrics: one registry per process, and every metric Tollgate exposes, defined here
// so that the list in docs/OPERATIONS.md has one source. Like the logger, any room may import
// this module; it imports nothing of ours. Rooms count what happened after it committed:
//
//   import { metrics } from '../metrics.js';
//   metrics.purchases.inc({ method: 'card', outcome: 'credited' });
//
// Counting costs a few hundred nanoseconds and needs no configuration: a process without
// METRICS_TOKEN or METRICS_PORT counts all the same and nobody reads it. Only the per-request
// HTTP histogram is switched off then (src/ops/http-metrics.ts), as it is the one on the hot path.
// Values read from the database (outbox, held credits, e-mail backlog) are gauges filled when
// /metrics is scraped (src/ops/database-gauges.ts).
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

const registers = [registry];

/** Seconds, from a few milliseconds to half a minute: HTTP answers, batches, carrier submits. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export const metrics = {
  http: new Histogram({
    name: 'tollgate_http_request_duration_seconds',
    help: 'HTTP requests answered, by method, route pattern and status, and how long each took',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  }),

  ledgerBatchSize: new Histogram({
    name: 'tollgate_ledger_batch_size',
    help: 'Requests decided by one ledger batch (one transaction), by writer',
    labelNames: ['writer'] as const,
    buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
    registers,
  }),
  ledgerBatchDuration: new Histogram({
    name: 'tollgate_ledger_batch_duration_seconds',
    help: 'Time from a ledger batch leaving its queue to its commit, by writer',
    labelNames: ['writer'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  }),
  ledgerRefusals: new Counter({
    name: 'tollgate_ledger_refusals_total',
    help: 'Ledger requests refused in a batch (insufficient credit, a hold already ended…), by writer and reason',
    labelNames: ['writer', 'reason'] as const,
    registers,
  }),
  ledgerBatchFailures: new Counter({
    name: 'tollgate_ledger_batch_failures_total',
    help: 'Ledger batches that failed as a whole after their retries (every request in them got the error)',
    labelNames: ['writer'] as const,
    registers,
  }),

  messages: new Counter({
    name: 'tollgate_messages_total',
    help:
      'Messages entering a status: accepted (queued, scheduled, waiting_credit), sent, delivered, failed, ' +
      'canceled; carrier is empty before dispatch',
    labelNames: ['status', 'carrier'] as const,
    registers,
  }),
  carrierSubmitDuration: new Histogram({
    name: 'tollgate_carrier_submit_duration_seconds',
    help: 'Time a carrier took to answer a submit, by carrier and outcome (accepted, refused, retry, no_answer)',
    labelNames: ['carrier', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  }),
  carrierThrottles: new Counter({
    name: 'tollgate_carrier_throttles_total',
    help: 'Throttling answers from a carrier (SMPP ESME_RTHROTTLED), each followed by a pause',
    labelNames: ['carrier'] as const,
    registers,
  }),
  carrierBinds: new Counter({
    name: 'tollgate_carrier_binds_total',
    help: 'Carrier sessions bound, lost and refused (SMPP), by carrier and event',
    labelNames: ['carrier', 'event'] as const,
    registers,
  }),
  carrierBound: new Gauge({
    name: 'tollgate_carrier_bound',
    help: 'Whether the carrier has a bound session now (1) or not (0); carriers without sessions are 1',
    labelNames: ['carrier'] as const,
    registers,
  }),

  outboxMessages: new Gauge({
    name: 'tollgate_outbox_messages',
    help: 'Messages not yet handed to a carrier, by status (reserved campaign rows count as queued)',
    labelNames: ['status'] as const,
    registers,
  }),
  creditsHeld: new Gauge({
    name: 'tollgate_credits_held',
    help: "Credits reserved by holds on customers' accounts (messages and campaign chunks not yet charged)",
    registers,
  }),

  purchases: new Counter({
    name: 'tollgate_purchases_total',
    help: 'Purchases by payment method and outcome: created, credited, failed, canceled, expired, unavailable',
    labelNames: ['method', 'outcome'] as const,
    registers,
  }),
  viesChecks: new Counter({
    name: 'tollgate_vies_checks_total',
    help: 'VAT ids asked of VIES, by outcome: valid, invalid, unavailable (no answer; the purchase is re-checked later)',
    labelNames: ['outcome'] as const,
    registers,
  }),
  autoRefills: new Counter({
    name: 'tollgate_auto_refills_total',
    help: 'Automatic refills by outcome: started, succeeded, declined, authentication_required, cap_reached, paused',
    labelNames: ['outcome'] as const,
    registers,
  }),
  invoiceRuns: new Counter({
    name: 'tollgate_invoice_runs_total',
    help: 'Monthly invoice runs finished, by outcome (completed, failed)',
    labelNames: ['outcome'] as const,
    registers,
  }),
  invoicesIssued: new Counter({
    name: 'tollgate_invoices_issued_total',
    help: 'Invoices and credit notes issued, by kind',
    labelNames: ['kind'] as const,
    registers,
  }),

  emails: new Counter({
    name: 'tollgate_emails_total',
    help: 'E-mail attempts by outcome: sent, retry (will be tried again), failed (given up)',
    labelNames: ['outcome'] as const,
    registers,
  }),
  emailOutbox: new Gauge({
    name: 'tollgate_email_outbox_pending',
    help: 'E-mails written and not sent yet (waiting for their first attempt or a retry)',
    registers,
  }),

  webhookDeliveries: new Counter({
    name: 'tollgate_webhook_deliveries_total',
    help: "Customers' webhook delivery attempts by outcome: delivered, retry, failed (given up)",
    labelNames: ['outcome'] as const,
    registers,
  }),
  webhookBacklog: new Gauge({
    name: 'tollgate_webhook_backlog',
    help: "Customers' webhook events waiting to be delivered",
    registers,
  }),

  dependencyUp: new Gauge({
    name: 'tollgate_dependency_up',
    help: 'The last readiness probe of each dependency: 1 up, 0 down (GET /health/ready)',
    labelNames: ['dependency'] as const,
    registers,
  }),
};

/** The ledger writers' outcomes, counted after each batch (src/ledger/batched-writer.ts). */
export function observeLedgerBatch(
  writer: string,
  size: number,
  ms: number,
  refusals: ReadonlyMap<string, number>,
): void {
  metrics.ledgerBatchSize.observe({ writer }, size);
  metrics.ledgerBatchDuration.observe({ writer }, ms / 1000);
  for (const [reason, count] of refusals) metrics.ledgerRefusals.inc({ writer, reason }, count);
}

/** Messages that entered `status` (after the transaction that moved them committed). */
export function countMessages(status: string, count = 1, carrier = ''): void {
  if (count > 0) metrics.messages.inc({ status, carrier }, count);
}
