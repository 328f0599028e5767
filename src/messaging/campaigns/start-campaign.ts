// Starting a campaign: a draft (POST /campaigns/{id}/start) or a new campaign at once. The
// status moves from draft exactly once (a second start is 409), then the staged rows are
// reserved in chunks, oldest first, as far as the credit goes, and become messages
// (materialise.ts). When older messages of the account were already waiting, the outbox's own
// resume puts credit on them first, in order.
import { assertCanTransact } from '../../accounts/guards.js';
import type { AppContext } from '../../context.js';
import { AppError, notFound } from '../../http/errors.js';
import { resumeWaiting } from '../resume-waiting.js';
import { materialiseCampaign } from './materialise.js';

export interface StartedCampaign {
  status: 'scheduled' | 'running';
  messages: number;
  reserved: number;
  waitingCredit: number;
  waitingCreditMicros: bigint;
}

const RESUME_CHUNK = 5_000;

export async function startCampaign(
  ctx: AppContext,
  accountId: string,
  campaignId: string,
): Promise<StartedCampaign> {
  await assertCanTransact(ctx.db, accountId);
  const now = ctx.now();
  const status = await ctx.db.transaction(async (tx) => {
    const { rows } = await tx.query<{ status: 'scheduled' | 'running' }>(
      `update campaigns
          set status = case when schedule_at is not null and schedule_at > $3 then 'scheduled' else 'running' end,
              updated_at = $3
        where id = $1 and account_id = $2 and status = 'draft'
        returning status`,
      [campaignId, accountId, now],
    );
    const started = rows[0];
    if (!started) {
      const { rows: found } = await tx.query<{ status: string }>(
        'select status from campaigns where id = $1 and account_id = $2',
        [campaignId, accountId],
      );
      const current = found[0];
      if (!current) throw notFound('campaign');
      throw new AppError('conflict', `The campaign is ${current.status}; only a draft can be started`, {
        status: current.status,
      });
    }
    await tx.query('update campaign_estimates set started_at = $2 where campaign_id = $1', [campaignId, now]);
    return started.status;
  });
  return { status, ...(await reserveStarted(ctx, accountId, campaignId)) };
}

/**
 * Turns a started campaign's staged rows into messages and reserves them. Should it fail
 * half-way (the database went away), what is left stays staged and the worker's
 * campaigns.materialise job finishes it; the counts then come from what is stored.
 */
export async function reserveStarted(
  ctx: AppContext,
  accountId: string,
  campaignId: string,
): Promise<Omit<StartedCampaign, 'status'>> {
  let moved: Awaited<ReturnType<typeof materialiseCampaign>>;
  try {
    moved = await materialiseCampaign(ctx, campaignId);
  } catch (error) {
    if (error instanceof AppError) throw error;
    ctx.logger.error({ err: error, campaignId }, 'campaign not fully reserved; the worker will finish it');
    return storedCounts(ctx, campaignId);
  }
  let waitingCredit = moved.waitingCredit;
  let reserved = moved.reserved;
  let waitingCreditMicros = 0n;
  if (waitingCredit > 0) {
    const available = (await ctx.ledger.balance(accountId))?.available ?? 0n;
    // Older waiting messages kept this campaign from reserving; the outbox serves them first.
    if (available > 0n) await resumeWaiting(ctx, accountId, { chunk: RESUME_CHUNK });
    const { rows } = await ctx.db.query<{ waiting: bigint; credits: bigint }>(
      `select count(*)::bigint as waiting, coalesce(sum(credits), 0)::bigint as credits
         from messages where campaign_id = $1 and status = 'waiting_credit'`,
      [campaignId],
    );
    const after = Number(rows[0]?.waiting ?? 0n);
    reserved += waitingCredit - after;
    waitingCredit = after;
    waitingCreditMicros = rows[0]?.credits ?? 0n;
  }
  return { messages: moved.messages, reserved, waitingCredit, waitingCreditMicros };
}

async function storedCounts(ctx: AppContext, campaignId: string): Promise<Omit<StartedCampaign, 'status'>> {
  const { rows } = await ctx.db.query<{ messages: bigint; waiting: bigint; credits: bigint }>(
    `select count(*)::bigint + (select coalesce(sum(rows), 0) from campaign_chunks
                                where campaign_id = $1 and status = 'reserved')::bigint as messages,
            count(*) filter (where status = 'waiting_credit')::bigint as waiting,
            coalesce(sum(credits) filter (where status = 'waiting_credit'), 0)::bigint as credits
       from messages where campaign_id = $1`,
    [campaignId],
  );
  const row = rows[0];
  const messages = Number(row?.messages ?? 0n);
  const waitingCredit = Number(row?.waiting ?? 0n);
  return {
    messages,
    reserved: messages - waitingCredit,
    waitingCredit,
    waitingCreditMicros: row?.credits ?? 0n,
  };
}
