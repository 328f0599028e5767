// The worker's part: converge without webhooks. Card purchases still awaiting payment are
// re-read from Stripe on a back-off (a minute after they were made, then 2, 4 … up to 60
// minutes apart), and events whose processing failed are processed again. Safe with several
// workers: a purchase's next check is claimed with one upsert, an event with its lease.
import type { AppContext } from '../../../context.js';
import { getPurchase } from '../../purchase.js';
import { stripeConfigured } from './client.js';
import { convergePurchase } from './converge.js';
import { processPendingEvents } from './events.js';
import { STRIPE_PROVIDER_ID } from './provider.js';

const FIRST_CHECK_AFTER_MS = 60_000;
const BATCH = 50;

export interface ConvergeRun {
  checked: number;
  credited: number;
  failed: number;
  events: number;
}

/** Claims the card purchases whose check is due: at most BATCH, each by one worker. */
async function claimDue(ctx: AppContext, now: Date): Promise<string[]> {
  const { rows } = await ctx.db.query<{ purchase_id: string }>(
    `insert into stripe_payment_checks as c (purchase_id, checks, next_check_at)
     select p.id, 1, $1::timestamptz + interval '1 minute'
       from purchases p left join stripe_payment_checks d on d.purchase_id = p.id
      where p.status = 'awaiting_payment' and p.payment_method = 'card' and p.provider = $2
        and p.created_at <= $3 and (d.next_check_at is null or d.next_check_at <= $1)
      order by p.created_at
      limit $4
     on conflict (purchase_id) do update
        set checks = c.checks + 1,
            next_check_at = $1::timestamptz + least(interval '1 minute' * power(2, c.checks), interval '1 hour')
      where c.next_check_at <= $1
     returning c.purchase_id`,
    [now, STRIPE_PROVIDER_ID, new Date(now.getTime() - FIRST_CHECK_AFTER_MS), BATCH],
  );
  return rows.map((row) => row.purchase_id);
}

export async function convergeCardPayments(ctx: AppContext): Promise<ConvergeRun> {
  const run: ConvergeRun = { checked: 0, credited: 0, failed: 0, events: 0 };
  if (!stripeConfigured(ctx)) return run;
  run.events = await processPendingEvents(ctx);
  for (const id of await claimDue(ctx, ctx.now())) {
    const purchase = await getPurchase(ctx.db, id);
    if (!purchase) continue;
    run.checked++;
    const outcome = await convergePurchase(ctx, purchase).catch((err: unknown) => {
      ctx.logger.error({ err, purchaseId: id }, 'converging a card purchase failed');
      return 'unreachable' as const;
    });
    if (outcome === 'credited') run.credited++;
    if (outcome === 'failed') run.failed++;
  }
  return run;
}

export const STRIPE_JOBS = [
  { name: 'purchases.stripe-converge', intervalMs: 30_000, run: convergeCardPayments },
] as const;
