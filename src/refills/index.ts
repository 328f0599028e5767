// Automatic refills: the rule per account (GET/PUT /auto-refill), the trigger that starts a
// refill when a commit takes available credit to the rule's limit, the cap per rolling 30 days,
// the off-session charge through the card provider, the outcomes (retries, pauses, e-mails,
// webhook events) and the sweeping job.
//
// May import: config, context, db, http, ledger (the available-credit signal), metrics,
// notifications (templates), pricing, accounts and purchases (through their indexes, plus
// create-purchase's insert and quote), messaging/webhooks (account events).
//
//   rule.ts      the rule's row, the 30-day window, the purchase in flight
//   start.ts     decide under the rule's lock and record the purchase; charge it after commit
//   outcomes.ts  what a success, a decline, a wait for authentication, the cap do to the rule
//   trigger.ts   the in-memory limits and the ledger listener (off the hot path)
//   sweep.ts     the minute job: lost triggers, unwritten authentication e-mails
//   emails.ts    the e-mails, English and Spanish
//   routes.ts    GET/PUT /api/v1/auto-refill
import type { AppContext } from '../context.js';
import { onSettled } from '../purchases/settle-hooks.js';
import { onRefillFailed, onRefillsCredited } from './outcomes.js';
import { refillTrigger } from './trigger.js';

export { REFILL_JOBS, sweepRefills } from './sweep.js';
export { refillRoutes } from './routes.js';
export { beginRefill, chargeRefill, startRefill, type StartOutcome } from './start.js';
export { refillTrigger, RefillTrigger } from './trigger.js';

/** Hooks the refills onto this context's purchases and ledger, and starts reading the rules. */
export function attachRefills(ctx: AppContext): void {
  onSettled(ctx, {
    credited: (tx, purchaseIds) => onRefillsCredited(ctx, tx, purchaseIds),
    failed: (tx, purchase) => onRefillFailed(ctx, tx, purchase),
  });
  const trigger = refillTrigger(ctx);
  trigger.attach();
  trigger.start(ctx.config.refills.rulesRefreshMs);
}
