// The automatic refill rule of an account (auto_refill_rules) and what is counted about it from
// its purchases: the rolling 30-day window (automatic purchases credited or in flight) and the
// one in flight, if any.
import type { Queryable } from '../db/types.js';

export const PAUSED_REASONS = [
  'cap_reached',
  'card_declined',
  'authentication_required',
  'card_removed',
  'card_expired',
] as const;
/** Stored pauses; `cap_reached` is never stored: it is counted from the purchases. */
export type PausedReason = Exclude<(typeof PAUSED_REASONS)[number], 'cap_reached'>;
export type ShownPausedReason = (typeof PAUSED_REASONS)[number];

export type AttemptOutcome =
  | 'started'
  | 'succeeded'
  | 'declined'
  | 'authentication_required'
  | 'card_removed'
  | 'card_expired'
  | 'failed';

export const WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

export interface RuleRow {
  account_id: string;
  enabled: boolean;
  threshold_micros: bigint;
  recharge_credits: bigint;
  max_per_30_days: number;
  card_id: string;
  paused_reason: PausedReason | null;
  consecutive_failures: number;
  next_retry_at: Date | null;
  cap_notified_at: Date | null;
  auth_notified_purchase_id: string | null;
  last_attempt_at: Date | null;
  last_outcome: AttemptOutcome | null;
  last_purchase_id: string | null;
  last_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

export async function getRule(
  q: Queryable,
  accountId: string,
  { forUpdate = false } = {},
): Promise<RuleRow | null> {
  const { rows } = await q.query<RuleRow>(
    `select * from auto_refill_rules where account_id = $1${forUpdate ? ' for update' : ''}`,
    [accountId],
  );
  return rows[0] ?? null;
}

export interface RuleInput {
  enabled: boolean;
  thresholdMicros: bigint;
  rechargeCredits: bigint;
  maxPer30Days: number;
  cardId: string;
}

/** Saves the rule; saving un-pauses it and forgets the declines in a row. */
export async function saveRule(
  q: Queryable,
  accountId: string,
  input: RuleInput,
  now: Date,
): Promise<RuleRow> {
  const { rows } = await q.query<RuleRow>(
    `insert into auto_refill_rules (account_id, enabled, threshold_micros, recharge_credits, max_per_30_days,
       card_id, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $7)
     on conflict (account_id) do update
        set enabled = excluded.enabled, threshold_micros = excluded.threshold_micros,
            recharge_credits = excluded.recharge_credits, max_per_30_days = excluded.max_per_30_days,
            card_id = excluded.card_id, paused_reason = null, consecutive_failures = 0, next_retry_at = null,
            updated_at = excluded.updated_at
     returning *`,
    [
      accountId,
      input.enabled,
      input.thresholdMicros.toString(),
      input.rechargeCredits.toString(),
      input.maxPer30Days,
      input.cardId,
      now,
    ],
  );
  const row = rows[0];
  if (!row) throw new Error('the rule upsert returned nothing');
  return row;
}

export interface Window {
  /** Automatic purchases credited or in flight in the last 30 days. */
  used: number;
  oldest: Date | null;
  newest: Date | null;
}

export async function windowOf(q: Queryable, accountId: string, now: Date): Promise<Window> {
  const { rows } = await q.query<{ used: number; oldest: Date | null; newest: Date | null }>(
    `select count(*)::int as used, min(created_at) as oldest, max(created_at) as newest
       from purchases
      where account_id = $1 and source = 'auto_refill' and status in ('credited', 'awaiting_payment')
        and created_at > $2`,
    [accountId, new Date(now.getTime() - WINDOW_MS)],
  );
  return rows[0] ?? { used: 0, oldest: null, newest: null };
}

/** When the window frees a slot (the oldest counted purchase turns 30 days old). */
export function windowFreesAt(window: Window): Date | null {
  return window.oldest ? new Date(window.oldest.getTime() + WINDOW_MS) : null;
}

export async function inFlightOf(q: Queryable, accountId: string): Promise<string | null> {
  const { rows } = await q.query<{ id: string }>(
    `select id from purchases where account_id = $1 and source = 'auto_refill' and status = 'awaiting_payment'`,
    [accountId],
  );
  return rows[0]?.id ?? null;
}

/** The pause the customer sees: a stored one, else the cap while it is reached. */
export function shownPause(rule: RuleRow, window: Window): ShownPausedReason | null {
  if (rule.paused_reason) return rule.paused_reason;
  return rule.enabled && window.used >= rule.max_per_30_days ? 'cap_reached' : null;
}
