// Reading campaigns: one with its counts per status and its estimate, a page of them (newest
// first), and the rows its import refused. Another account's campaign is simply not found.
import type { AppContext } from '../../context.js';
import type { Queryable } from '../../db/types.js';
import { validationFailed } from '../../http/errors.js';
import { decodeCursor, encodeCursor, type Page } from '../../http/pagination.js';
import { formatCredits } from '../../ledger/amounts.js';
import {
  CAMPAIGN_COUNT_KEYS,
  type CampaignCounts,
  type CampaignOutbox,
  type CampaignView,
  emptyCounts,
  emptyOutbox,
  estimateView,
  outboxView,
} from './views.js';

interface CampaignRow {
  id: string;
  account_id: string;
  name: string;
  text: string;
  sender: string | null;
  status: string;
  schedule_at: Date | null;
  recipients: number;
  invalid: number;
  created_at: Date;
  credits: bigint | null;
  segments: bigint | null;
  duplicates: number | null;
  by_country: { country: string; recipients: number; credits: string }[] | string | null;
  started_at: Date | null;
}

const SELECT = `select c.id, c.account_id, c.name, c.text, c.sender, c.status, c.schedule_at, c.recipients, c.invalid,
    c.created_at, e.credits, e.segments, e.duplicates, e.by_country, e.started_at
  from campaigns c left join campaign_estimates e on e.campaign_id = c.id`;

export async function getCampaign(
  ctx: AppContext,
  accountId: string,
  id: string,
): Promise<CampaignView | null> {
  const { rows } = await ctx.db.query<CampaignRow>(`${SELECT} where c.id = $1 and c.account_id = $2`, [
    id,
    accountId,
  ]);
  const row = rows[0];
  if (!row) return null;
  const [view] = await views(ctx, accountId, [row]);
  return view ?? null;
}

export async function listCampaigns(
  ctx: AppContext,
  accountId: string,
  query: { limit: number; cursor?: string | undefined },
): Promise<Page<CampaignView>> {
  const after = decodeCursor(query.cursor);
  const { rows } = await ctx.db.query<CampaignRow>(
    `${SELECT} where c.account_id = $1
        and ($2::timestamptz is null or (c.created_at, c.id) < ($2::timestamptz, $3::text))
      order by c.created_at desc, c.id desc limit $4`,
    [accountId, after ? after.at.toISOString() : null, after ? after.id : null, query.limit + 1],
  );
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    data: await views(ctx, accountId, page),
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.created_at, last.id) : null,
  };
}

/** The rows the import refused, in row order. */
export async function listInvalidRows(
  q: Queryable,
  campaignId: string,
  query: { limit: number; cursor?: string | undefined },
): Promise<Page<{ row: number; to: string; reason: string }>> {
  let after = 0;
  if (query.cursor !== undefined) {
    if (!/^\d{1,10}$/.test(query.cursor)) {
      throw validationFailed([{ path: 'querystring.cursor', message: 'is not a cursor this API gave out' }]);
    }
    after = Number(query.cursor);
  }
  const { rows } = await q.query<{ row_no: number; to_value: string; reason: string }>(
    `select row_no, to_value, reason from campaign_invalid_rows
      where campaign_id = $1 and row_no > $2 order by row_no limit $3`,
    [campaignId, after, query.limit + 1],
  );
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    data: page.map((r) => ({ row: r.row_no, to: r.to_value, reason: r.reason })),
    nextCursor: rows.length > query.limit && last ? String(last.row_no) : null,
  };
}

async function views(ctx: AppContext, accountId: string, rows: CampaignRow[]): Promise<CampaignView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const counts = new Map<string, CampaignCounts>(ids.map((id) => [id, emptyCounts()]));
  const unreserved = new Map<string, bigint>();
  const { rows: byStatus } = await ctx.db.query<{
    campaign_id: string;
    status: string;
    n: bigint;
    credits: bigint;
    charged: bigint;
  }>(
    `select campaign_id, status, count(*)::bigint as n, coalesce(sum(credits), 0)::bigint as credits,
            -- Charged: taken by a carrier (only those have its id) and not refunded (types.ts isCharged).
            coalesce(sum(credits) filter (where refunded_at is null and (status in ('sent', 'delivered')
                       or (status = 'failed' and carrier_message_id is not null))), 0)::bigint as charged
       from messages where campaign_id = any($1::text[]) group by campaign_id, status
     union all
     -- Staged rows in no chunk: a draft's, or a starting campaign's not yet reserved.
     select x.id, 'draft', count(*)::bigint, coalesce(sum(r.credits), 0)::bigint, 0::bigint
       from unnest($1::text[]) as x(id)
       cross join lateral (select coalesce(max(last_row), 0) as last from campaign_chunks k
                            where k.campaign_id = x.id) chunked
       join campaign_rows r on r.campaign_id = x.id and r.row_no > chunked.last
      group by x.id
     union all
     -- Reserved chunks not yet fed to the dispatcher are queued (or scheduled) messages to be.
     select k.campaign_id,
            case when k.status = 'canceled' then 'canceled'
                 when c.schedule_at > $2 then 'scheduled' else 'queued' end,
            sum(k.rows)::bigint, sum(k.credits)::bigint, 0::bigint
       from campaign_chunks k join campaigns c on c.id = k.campaign_id
      where k.campaign_id = any($1::text[]) and k.status in ('reserved', 'canceled')
      group by 1, 2`,
    [ids, ctx.now()],
  );
  const outboxes = new Map<string, CampaignOutbox>();
  const charged = new Map<string, bigint>();
  for (const row of byStatus) {
    const entry = counts.get(row.campaign_id);
    const key = CAMPAIGN_COUNT_KEYS.find((k) => k === row.status);
    if (entry && key) entry[key] += Number(row.n);
    if (row.status === 'waiting_credit' || row.status === 'draft') {
      unreserved.set(row.campaign_id, (unreserved.get(row.campaign_id) ?? 0n) + row.credits);
    }
    charged.set(row.campaign_id, (charged.get(row.campaign_id) ?? 0n) + row.charged);
    if (row.status === 'scheduled' || row.status === 'queued' || row.status === 'waiting_credit') {
      const outbox = outboxes.get(row.campaign_id) ?? emptyOutbox();
      const part = row.status === 'waiting_credit' ? outbox.waitingCredit : outbox.reserved;
      part.messages += row.n;
      part.credits += row.credits;
      outboxes.set(row.campaign_id, outbox);
    }
  }
  const available = (await ctx.ledger.balance(accountId))?.available ?? 0n;
  const fallback = await estimatesFromMessages(
    ctx.db,
    rows.filter((r) => r.credits === null).map((r) => r.id),
  );
  return rows.map((row) => {
    const c = counts.get(row.id) ?? emptyCounts();
    const pending = c.draft + c.scheduled + c.queued + c.waiting_credit + c.sending;
    const status = row.status === 'running' && pending === 0 ? 'completed' : row.status;
    const byCountry =
      row.by_country === null
        ? null
        : typeof row.by_country === 'string'
          ? (JSON.parse(row.by_country) as { country: string; recipients: number; credits: string }[])
          : row.by_country;
    const totals =
      row.credits !== null && byCountry
        ? { credits: row.credits, segments: row.segments ?? 0n, byCountry }
        : (fallback.get(row.id) ?? { credits: 0n, segments: 0n, byCountry: [] });
    return {
      id: row.id,
      name: row.name,
      text: row.text,
      from: row.sender,
      status,
      scheduleAt: row.schedule_at ? row.schedule_at.toISOString() : null,
      createdAt: row.created_at.toISOString(),
      startedAt: row.started_at
        ? row.started_at.toISOString()
        : row.status === 'draft'
          ? null
          : row.created_at.toISOString(),
      recipients: row.recipients,
      invalid: row.invalid,
      duplicates: row.duplicates ?? 0,
      counts: c,
      estimate: estimateView(totals, available, unreserved.get(row.id) ?? 0n),
      charged: formatCredits(charged.get(row.id) ?? 0n),
      outbox: outboxView(outboxes.get(row.id) ?? emptyOutbox()),
    };
  });
}

/** Campaigns made without an import (createCampaign): their estimate from their messages. */
async function estimatesFromMessages(
  q: Queryable,
  ids: string[],
): Promise<
  Map<
    string,
    {
      credits: bigint;
      segments: bigint;
      byCountry: { country: string; recipients: number; credits: string }[];
    }
  >
> {
  const result = new Map<
    string,
    {
      credits: bigint;
      segments: bigint;
      byCountry: { country: string; recipients: number; credits: string }[];
    }
  >();
  if (ids.length === 0) return result;
  const { rows } = await q.query<{
    campaign_id: string;
    country: string;
    n: bigint;
    credits: bigint;
    segments: bigint;
  }>(
    `select campaign_id, country, count(*)::bigint as n, sum(credits)::bigint as credits, sum(segments)::bigint as segments
       from messages where campaign_id = any($1::text[]) group by campaign_id, country
       order by campaign_id, count(*) desc, country`,
    [ids],
  );
  for (const row of rows) {
    const entry = result.get(row.campaign_id) ?? { credits: 0n, segments: 0n, byCountry: [] };
    entry.credits += row.credits;
    entry.segments += row.segments;
    entry.byCountry.push({
      country: row.country,
      recipients: Number(row.n),
      credits: formatCredits(row.credits),
    });
    result.set(row.campaign_id, entry);
  }
  return result;
}
