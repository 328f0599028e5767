// The alert's limit and state, as SQL that each decision repeats: the limit is the customer's
// number, else 10% of the last credited purchase's credits (none bought: no limit, no alert).
import type { Queryable } from '../db/types.js';

/** 10% of a purchase's whole credits, in micro-credits: credits × 1,000,000 / 10. */
const DEFAULT_SHARE_MICROS_PER_CREDIT = 100_000;

/** The limit in micro-credits of the account aliased `a` (null: none). */
export const LIMIT_SQL = `coalesce(a.low_balance_alert_micros,
  (select p.credits * ${DEFAULT_SHARE_MICROS_PER_CREDIT} from purchases p
    where p.account_id = a.id and p.status = 'credited' order by p.credited_at desc limit 1))`;

/** Available credit of the ledger account aliased `l`. */
export const AVAILABLE_SQL = 'l.credits_posted - l.debits_posted - l.debits_pending';

export interface AlertState {
  enabled: boolean;
  /** Micro-credits; null: no limit (the default rule and nothing bought yet). */
  limitMicros: bigint | null;
  /** The limit is the default rule's (the customer set no number). */
  defaultRule: boolean;
  /** An alert may be sent: none since the balance was last above the limit. */
  armed: boolean;
  availableMicros: bigint;
}

export async function alertState(q: Queryable, accountId: string): Promise<AlertState | null> {
  const { rows } = await q.query<{
    enabled: boolean;
    limit_micros: bigint | null;
    default_rule: boolean;
    armed: boolean;
    available: bigint;
  }>(
    `select a.low_balance_alert_enabled as enabled, ${LIMIT_SQL} as limit_micros,
            a.low_balance_alert_micros is null as default_rule, coalesce(b.armed, true) as armed,
            ${AVAILABLE_SQL} as available
       from accounts a
       join ledger_accounts l on l.id = a.id
       left join balance_alerts b on b.account_id = a.id
      where a.id = $1`,
    [accountId],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    enabled: row.enabled,
    limitMicros: row.limit_micros === null ? null : BigInt(row.limit_micros),
    defaultRule: row.default_rule,
    armed: row.armed,
    availableMicros: BigInt(row.available),
  };
}
