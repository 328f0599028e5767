// The safety net: a crossing whose signal was lost (the process died between the commit and the
// alert) or happened in no process that watches. Finds the accounts whose alert stands on the
// wrong side of the limit and lets the same statements decide, so a sweep that races the
// watcher, or another worker's sweep, sends nothing twice.
import type { AppContext } from '../context.js';
import { alertIfLow, rearmIfRecovered } from './alert.js';
import { AVAILABLE_SQL, LIMIT_SQL } from './state.js';

export async function sweepBalanceAlerts(
  ctx: AppContext,
  limit = 500,
): Promise<{ alerted: number; rearmed: number }> {
  const { rows } = await ctx.db.query<{ id: string; armed: boolean }>(
    `select a.id, coalesce(b.armed, true) as armed
       from accounts a
       join ledger_accounts l on l.id = a.id
       left join balance_alerts b on b.account_id = a.id
      where (coalesce(b.armed, true) and a.low_balance_alert_enabled and ${AVAILABLE_SQL} <= ${LIMIT_SQL})
         or (b.armed = false and (${LIMIT_SQL} is null or ${AVAILABLE_SQL} > ${LIMIT_SQL}))
      limit $1`,
    [limit],
  );
  let alerted = 0;
  let rearmed = 0;
  for (const row of rows) {
    if (row.armed) {
      if (await alertIfLow(ctx, row.id)) alerted++;
    } else if (await rearmIfRecovered(ctx, row.id)) {
      rearmed++;
    }
  }
  if (alerted > 0) ctx.logger.info({ alerted, rearmed }, 'low-balance alerts caught up by the sweep');
  return { alerted, rearmed };
}
