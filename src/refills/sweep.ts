// The safety net, every minute on the worker: what a lost trigger (a process killed between a
// debit's commit and its refill starting, a rule saved on another process) or a lost note left
// undone. Each start takes the rule's row lock and the in-flight index decides, so several
// workers sweeping at once start each refill once.
//
//   - accounts whose enabled, unpaused rule is due (at or below the limit, no retry pending,
//     nothing in flight) -> startRefill
//   - automatic purchases waiting for authentication whose e-mail was not written -> noted
import type { AppContext } from '../context.js';
import { noteAuthenticationRequired } from './outcomes.js';
import { startRefill } from './start.js';
import { refillTrigger } from './trigger.js';

const BATCH = 100;

export interface SweepRun {
  due: number;
  started: number;
  authenticationNoted: number;
}

export async function sweepRefills(ctx: AppContext): Promise<SweepRun> {
  const run: SweepRun = { due: 0, started: 0, authenticationNoted: 0 };
  const now = ctx.now();
  const waiting = await ctx.db.query<{ id: string }>(
    `select p.id from purchases p join auto_refill_rules r on r.account_id = p.account_id
      where p.source = 'auto_refill' and p.status = 'awaiting_payment' and p.provider_status = 'requires_action'
        and p.checkout_url is not null and r.auth_notified_purchase_id is distinct from p.id
      limit $1`,
    [BATCH],
  );
  for (const { id } of waiting.rows) {
    if (await noteAuthenticationRequired(ctx, id)) run.authenticationNoted++;
  }
  const due = await ctx.db.query<{ account_id: string }>(
    `select r.account_id from auto_refill_rules r join ledger_accounts l on l.id = r.account_id
      where r.enabled and r.paused_reason is null and (r.next_retry_at is null or r.next_retry_at <= $1)
        and l.credits_posted - l.debits_posted - l.debits_pending <= r.threshold_micros
        and not exists (select from purchases p
                         where p.account_id = r.account_id and p.source = 'auto_refill' and p.status = 'awaiting_payment')
      order by r.account_id limit $2`,
    [now, BATCH],
  );
  run.due = due.rows.length;
  for (const { account_id } of due.rows) {
    try {
      const outcome = await startRefill(ctx, account_id);
      if (outcome.outcome === 'started') run.started++;
    } catch (err) {
      ctx.logger.error({ err, accountId: account_id }, 'the sweep could not start an automatic refill');
    }
  }
  await refillTrigger(ctx).refresh();
  return run;
}

export const REFILL_JOBS = [
  {
    // Refills a lost trigger did not start, and authentication e-mails not yet written.
    name: 'refills.sweep',
    intervalMs: 60_000,
    atStart: true,
    run: sweepRefills,
  },
];
