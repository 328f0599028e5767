// Background jobs the worker runs. Each must be safe with several workers running it at once.
import { pruneAuthState } from './accounts/index.js';
import { sweepBalanceAlerts } from './balance-alerts/index.js';
import type { AppContext } from './context.js';
import { pruneIdempotencyKeys } from './http/idempotency.js';
import { INVOICING_JOBS } from './invoicing/jobs.js';
import { expireOverdueHolds } from './ledger/expiry.js';
import { CAMPAIGN_JOBS } from './messaging/campaigns/jobs.js';
import { MESSAGING_JOBS } from './messaging/jobs.js';
import { WEBHOOK_JOBS } from './messaging/webhooks/jobs.js';
import { expireOverduePurchases, recheckVatIds } from './purchases/index.js';
import { STRIPE_JOBS } from './purchases/providers/stripe/index.js';
import { REFILL_JOBS } from './refills/index.js';

export interface Job {
  name: string;
  intervalMs: number;
  /** Also run once when the worker starts (a catch-up of what was due while it was down). */
  atStart?: boolean;
  run(ctx: AppContext): Promise<unknown>;
}

export const JOBS: Job[] = [
  {
    name: 'ledger.expire-holds',
    intervalMs: 5_000,
    run: (ctx) => expireOverdueHolds(ctx.ledger, ctx.writer, ctx.now()),
  },
  {
    // E-mails not sent right after their transaction (SMTP down, process ended): retried with back-off.
    name: 'notifications.send-outbox',
    intervalMs: 10_000,
    run: (ctx) => ctx.mailer.sendDue(),
  },
  {
    name: 'accounts.prune',
    intervalMs: 3_600_000,
    run: (ctx) => pruneAuthState(ctx),
  },
  ...MESSAGING_JOBS,
  ...CAMPAIGN_JOBS,
  ...WEBHOOK_JOBS,
  {
    // Bank-transfer orders unpaid after BANK_TRANSFER_DAYS.
    name: 'purchases.expire',
    intervalMs: 60_000,
    run: (ctx) => expireOverduePurchases(ctx),
  },
  {
    // VAT ids VIES could not check when their purchase was made (VIES_URL set): asked again.
    name: 'purchases.vies-recheck',
    intervalMs: 5 * 60_000,
    run: (ctx) => recheckVatIds(ctx),
  },
  ...INVOICING_JOBS,
  // Card purchases re-read from Stripe until settled, and webhook events whose processing failed.
  ...STRIPE_JOBS,
  // Automatic refills a lost trigger did not start; authentication e-mails not yet written.
  ...REFILL_JOBS,
  {
    // Idempotency-Key answers older than 24 hours.
    name: 'http.prune-idempotency-keys',
    intervalMs: 3_600_000,
    run: (ctx) => pruneIdempotencyKeys(ctx),
  },
  {
    // Low-balance alerts whose signal was lost to a crash (they are decided in real time).
    name: 'balance-alerts.sweep',
    intervalMs: 5 * 60_000,
    run: (ctx) => sweepBalanceAlerts(ctx),
  },
];
