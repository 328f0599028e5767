// An account's usage over time, for the dashboard's charts: per day or per hour of the account's
// time zone, the messages created in it by what became of them, and the credits they were
// charged. One row per bucket of the range, empty buckets included, worked out by the database
// in one pass over the account's messages of the range (the messages_account_list index).
//
// Each message counts once, in the bucket of its creation, by its status now:
//   delivered, failed, canceled;
//   sent     — with a carrier, no delivery report yet;
//   pending  — not yet handed to a carrier (scheduled, queued, waiting for credit, sending).
// creditsSpent is what those messages were charged (types.ts isCharged: a carrier took them and
// they were not refunded), so it equals the sum of their `charged` in GET /messages.
import type { Queryable } from '../db/types.js';
import { validationFailed } from '../http/errors.js';
import { formatCredits } from '../ledger/amounts.js';

export const GRANULARITIES = ['day', 'hour'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

/** The most buckets one answer holds: a year of days, a month of hours. */
export const MAX_BUCKETS: Record<Granularity, number> = { day: 366, hour: 744 };
/** The range when no start is given: 30 days up to today included, or 24 hours up to this one. */
const DEFAULT_BUCKETS: Record<Granularity, number> = { day: 30, hour: 24 };

export interface UsageQuery {
  /** A day of the account's calendar (YYYY-MM-DD, included) or an instant (ISO 8601). */
  from?: string | undefined;
  /** A day (YYYY-MM-DD, included) or an instant (excluded). */
  to?: string | undefined;
  granularity?: Granularity | undefined;
}

export interface UsageBucket {
  /** Where the bucket starts (UTC): the account's local midnight, or the start of an hour. */
  at: string;
  creditsSpent: string;
  messages: { delivered: number; failed: number; canceled: number; sent: number; pending: number };
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

interface Bound {
  date: string | null;
  instant: Date | null;
}

function parseBound(value: string | undefined, name: 'from' | 'to'): Bound {
  if (value === undefined || value === '') return { date: null, instant: null };
  if (DATE.test(value) && !Number.isNaN(new Date(`${value}T00:00:00Z`).getTime())) {
    return { date: value, instant: null };
  }
  const instant = new Date(value);
  if (!DATE_TIME.test(value) || Number.isNaN(instant.getTime())) {
    throw validationFailed([
      {
        path: `querystring.${name}`,
        message: 'must be a date (2026-11-21) or a date-time with its offset (2026-11-21T10:00:00Z)',
      },
    ]);
  }
  return { date: null, instant };
}

/**
 * Bucket starts of the range and where it ends, in the account's time zone. A date bound is a
 * whole local day (`to` included); an instant `from` starts the bucket it falls in, an instant
 * `to` ends the bucket it falls in (unless it is that bucket's very start). Day buckets follow the
 * local calendar (23 or 25 hours across a change of clocks); hour buckets are real hours counted
 * from a local hour, so a repeated or skipped hour of the clock still gives one bucket per hour.
 */
async function bucketRange(
  q: Queryable,
  accountId: string,
  granularity: Granularity,
  from: Bound,
  to: Bound,
  now: Date,
): Promise<{ starts: Date[]; end: Date | null }> {
  const { rows } = await q.query<{
    buckets: number | null;
    starts: (Date | string)[] | null;
    end_at: Date | string | null;
  }>(granularity === 'day' ? DAY_RANGE : HOUR_RANGE, [
    accountId,
    from.date,
    from.instant,
    to.date,
    to.instant,
    now,
    MAX_BUCKETS[granularity],
  ]);
  const row = rows[0];
  if (!row || row.buckets === null || row.end_at === null) return { starts: [], end: null };
  if (row.buckets < 1) throw validationFailed([{ path: 'querystring.to', message: 'must be after from' }]);
  if (row.buckets > MAX_BUCKETS[granularity]) {
    throw validationFailed([
      {
        path: 'querystring.from',
        message: `the range may hold at most ${MAX_BUCKETS[granularity]} buckets of one ${granularity}`,
      },
    ]);
  }
  return { starts: (row.starts ?? []).map((s) => new Date(s)), end: new Date(row.end_at) };
}

// Both range queries take: $1 account, $2 from date, $3 from instant, $4 to date, $5 to instant,
// $6 now, $7 the most buckets; and answer the number of buckets, their starts and the end.

/** Local days: from the local calendar day of each bound, as wall-clock midnights. */
const DAY_RANGE = `
  with b as (
    select a.timezone as tz,
           coalesce($2::date, ($3::timestamptz at time zone a.timezone)::date) as first_day,
           coalesce($4::date + 1, (($5::timestamptz at time zone a.timezone) - interval '1 microsecond')::date + 1,
                    ($6::timestamptz at time zone a.timezone)::date + 1) as end_day
      from accounts a where a.id = $1)
  select end_day - first_day as buckets, end_day::timestamp at time zone tz as end_at,
         case when end_day - first_day between 1 and $7::int then
           (select array_agg(d::timestamp at time zone tz order by d)
              from generate_series(first_day::timestamp, (end_day - 1)::timestamp, interval '1 day') d)
         end as starts
    from b`;

/**
 * Hours: instants, each bound moved back to the start of its local hour by the minutes and
 * seconds past it on the local clock (never through the wall clock, which repeats an hour).
 */
const HOUR_RANGE = `
  with b as (
    select a.timezone as tz,
           coalesce($2::date::timestamp at time zone a.timezone,
                    $3::timestamptz - (($3::timestamptz at time zone a.timezone)
                                       - date_trunc('hour', $3::timestamptz at time zone a.timezone))) as first_at,
           coalesce(($4::date + 1)::timestamp at time zone a.timezone, e.at - ((e.at at time zone a.timezone)
                    - date_trunc('hour', e.at at time zone a.timezone)) + interval '1 hour') as end_at
      from accounts a
      cross join lateral (select coalesce($5::timestamptz - interval '1 microsecond', $6::timestamptz) as at) e
     where a.id = $1)
  select ceil(extract(epoch from end_at - first_at) / 3600)::int as buckets, end_at,
         case when end_at - first_at between interval '1 hour' and $7::int * interval '1 hour' then
           (select array_agg(g order by g)
              from generate_series(first_at, end_at - interval '1 hour', interval '1 hour') g)
         end as starts
    from b`;

/** The default start: so many buckets back from `end` (the bucket of `end` included). */
function defaultFrom(end: Date, granularity: Granularity): Bound {
  const hours = granularity === 'day' ? 24 : 1;
  return {
    date: null,
    instant: new Date(end.getTime() - (DEFAULT_BUCKETS[granularity] - 1) * hours * 3_600_000),
  };
}

export async function usage(
  q: Queryable,
  accountId: string,
  query: UsageQuery,
  now: Date,
): Promise<UsageBucket[]> {
  const granularity = query.granularity ?? 'day';
  const to = parseBound(query.to, 'to');
  let from = parseBound(query.from, 'from');
  if (!from.date && !from.instant) {
    // No start: the default number of buckets up to the end (now, or the end given).
    const end = to.instant ?? (to.date ? new Date(`${to.date}T12:00:00Z`) : now);
    from = defaultFrom(end, granularity);
  }
  const { starts, end } = await bucketRange(q, accountId, granularity, from, to, now);
  const first = starts[0];
  if (!first || !end) return [];
  const { rows } = await q.query<{
    bucket: number;
    delivered: number;
    failed: number;
    canceled: number;
    sent: number;
    pending: number;
    spent: bigint | string;
  }>(
    // width_bucket gives the index (from 1) of the last bucket start at or before created_at.
    `select width_bucket(m.created_at, $4::timestamptz[]) as bucket,
            count(*) filter (where m.status = 'delivered')::int as delivered,
            count(*) filter (where m.status = 'failed')::int as failed,
            count(*) filter (where m.status = 'canceled')::int as canceled,
            count(*) filter (where m.status = 'sent')::int as sent,
            count(*) filter (where m.status in ('scheduled', 'queued', 'waiting_credit', 'sending'))::int as pending,
            coalesce(sum(m.credits) filter (where m.refunded_at is null and (m.status in ('sent', 'delivered')
                       or (m.status = 'failed' and m.carrier_message_id is not null))), 0)::bigint as spent
       from messages m
      where m.account_id = $1 and m.created_at >= $2 and m.created_at < $3
      group by 1`,
    [accountId, first, end, starts.map((start) => start.toISOString())],
  );
  const byBucket = new Map(rows.map((r) => [Number(r.bucket), r]));
  return starts.map((start, i) => {
    const row = byBucket.get(i + 1);
    return {
      at: start.toISOString(),
      creditsSpent: formatCredits(row ? BigInt(row.spent) : 0n),
      messages: {
        delivered: row?.delivered ?? 0,
        failed: row?.failed ?? 0,
        canceled: row?.canceled ?? 0,
        sent: row?.sent ?? 0,
        pending: row?.pending ?? 0,
      },
    };
  });
}
