// The dispatcher's claim: due messages (queued, or scheduled whose time has come), oldest due
// first, locked with SKIP LOCKED so any number of workers (and Remove outbox) can work the same
// table without waiting on each other or taking the same row. A claimed message is `sending`
// with its attempt number, the carrier it goes to and a lease; the dispatcher must settle it
// before the lease ends, or reconciliation takes over.
import type { Db, Queryable } from '../db/types.js';
import type { PartEncoding } from '../pricing/alphabets.js';

export interface ClaimedMessage {
  id: string;
  accountId: string;
  to: string;
  sender: string | null;
  text: string;
  /** How it was measured and charged: it goes out in this encoding, in this many parts. */
  encoding: PartEncoding;
  segments: number;
  /** What the carrier reported of an earlier attempt cut short (SubmitResult.progress). */
  progress: string | null;
  /** This claim's attempt number: the fence its settlement names. */
  attempt: number;
  carrier: string;
  leaseUntil: Date;
}

export interface ClaimOptions {
  now: Date;
  limit: number;
  leaseMs: number;
  /** The carrier for a number. */
  route: (e164: string) => string;
}

export function claimDue(db: Db, options: ClaimOptions): Promise<ClaimedMessage[]> {
  return db.transaction((tx) => claimIn(tx, options));
}

async function claimIn(
  tx: Queryable,
  { now, limit, leaseMs, route }: ClaimOptions,
): Promise<ClaimedMessage[]> {
  const { rows } = await tx.query<{
    id: string;
    account_id: string;
    to_number: string;
    sender: string | null;
    text: string;
    encoding: PartEncoding;
    segments: number;
    carrier_progress: string | null;
    attempts: number;
  }>(
    `select id, account_id, to_number, sender, text, encoding, segments, carrier_progress, attempts from messages
      where status in ('queued', 'scheduled') and next_attempt_at <= $1
      order by next_attempt_at limit $2 for update skip locked`,
    [now.toISOString(), limit],
  );
  if (rows.length === 0) return [];
  const leaseUntil = new Date(now.getTime() + leaseMs);
  const claimed = rows.map((row) => ({
    id: row.id,
    accountId: row.account_id,
    to: row.to_number,
    sender: row.sender,
    text: row.text,
    encoding: row.encoding,
    segments: row.segments,
    progress: row.carrier_progress,
    attempt: row.attempts + 1,
    carrier: route(row.to_number),
    leaseUntil,
  }));
  // The status change and its history row in one statement ('sending' is not told to webhooks).
  await tx.query(
    `with changed as (
       update messages m set status = 'sending', attempts = v.attempt, carrier = v.carrier, lease_until = $3,
              next_attempt_at = null, updated_at = $4::timestamptz
         from unnest($1::text[], $2::int[], $5::text[]) as v(id, attempt, carrier)
        where m.id = v.id
        returning m.id, v.attempt, v.carrier)
     insert into message_events (message_id, status, at, detail)
     select id, 'sending', $4::timestamptz, 'attempt ' || attempt || ' via ' || carrier from changed`,
    [
      claimed.map((c) => c.id),
      claimed.map((c) => c.attempt),
      leaseUntil.toISOString(),
      now.toISOString(),
      claimed.map((c) => c.carrier),
    ],
  );
  return claimed;
}
