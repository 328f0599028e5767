// The outbox: everything not yet handed to a carrier (scheduled, queued, waiting_credit).
// `credits` is what all of it costs: the credits its holds reserve (scheduled and queued) plus
// what the waiting messages would cost once reserved; both parts are given separately too.
// A campaign's reserved chunks not yet fed to the dispatcher count as its queued messages.
import type { Queryable } from '../db/types.js';
import { formatCredits } from '../ledger/amounts.js';

export interface OutboxCampaign {
  campaignId: string;
  name: string;
  messages: number;
  credits: string;
  /** Its scheduled and queued messages: removing them releases these credits. */
  reserved: { messages: number; credits: string };
  /** Its messages waiting for credit: nothing held. */
  waitingCredit: { messages: number; credits: string };
}

export interface OutboxSummary {
  messages: number;
  credits: string;
  /** Scheduled and queued: their credits are held. */
  reserved: { messages: number; credits: string };
  /** Waiting for credit: nothing held yet. */
  waitingCredit: { messages: number; credits: string };
  byCampaign: OutboxCampaign[];
}

export async function outboxSummary(q: Queryable, accountId: string): Promise<OutboxSummary> {
  const { rows } = await q.query<{
    campaign_id: string | null;
    name: string | null;
    waiting: boolean;
    messages: bigint;
    credits: bigint;
  }>(
    `select o.campaign_id, c.name, o.waiting, o.messages, o.credits
       from (select campaign_id, status = 'waiting_credit' as waiting, count(*)::bigint as messages,
                    coalesce(sum(credits), 0)::bigint as credits
               from messages where account_id = $1 and status in ('scheduled', 'queued', 'waiting_credit')
              group by campaign_id, status = 'waiting_credit'
             union all
             -- A campaign's reserved chunks not yet fed to the dispatcher: held, messages to be.
             select campaign_id, false, sum(rows)::bigint, sum(credits)::bigint
               from campaign_chunks where account_id = $1 and status = 'reserved'
              group by campaign_id) o
       left join campaigns c on c.id = o.campaign_id
      order by c.created_at nulls first, o.campaign_id`,
    [accountId],
  );
  type Part = { messages: bigint; credits: bigint };
  const reserved: Part = { messages: 0n, credits: 0n };
  const waiting: Part = { messages: 0n, credits: 0n };
  const campaigns = new Map<string, { name: string; reserved: Part; waiting: Part }>();
  for (const row of rows) {
    const part = row.waiting ? waiting : reserved;
    part.messages += row.messages;
    part.credits += row.credits;
    if (row.campaign_id !== null) {
      const entry = campaigns.get(row.campaign_id) ?? {
        name: row.name ?? '',
        reserved: { messages: 0n, credits: 0n },
        waiting: { messages: 0n, credits: 0n },
      };
      const own = row.waiting ? entry.waiting : entry.reserved;
      own.messages += row.messages;
      own.credits += row.credits;
      campaigns.set(row.campaign_id, entry);
    }
  }
  const partView = (p: Part) => ({ messages: Number(p.messages), credits: formatCredits(p.credits) });
  return {
    messages: Number(reserved.messages + waiting.messages),
    credits: formatCredits(reserved.credits + waiting.credits),
    reserved: { messages: Number(reserved.messages), credits: formatCredits(reserved.credits) },
    waitingCredit: { messages: Number(waiting.messages), credits: formatCredits(waiting.credits) },
    byCampaign: [...campaigns].map(([campaignId, c]) => ({
      campaignId,
      name: c.name,
      messages: Number(c.reserved.messages + c.waiting.messages),
      credits: formatCredits(c.reserved.credits + c.waiting.credits),
      reserved: partView(c.reserved),
      waitingCredit: partView(c.waiting),
    })),
  };
}
