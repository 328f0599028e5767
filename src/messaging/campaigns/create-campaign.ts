// A campaign from a list of recipients: every row checked and priced like a single send (a
// refused number is listed, not fatal), the campaign and its messages stored as waiting for
// credit in multi-row inserts, then reserved oldest first as far as the available credit
// goes; the rest wait in the outbox. The CSV import and the routes build on this.
import { assertCanTransact } from '../../accounts/guards.js';
import type { AppContext } from '../../context.js';
import { type FieldProblem, validationFailed } from '../../http/errors.js';
import { compose } from '../compose.js';
import { newCampaignId, newMessageId } from '../ids.js';
import { resumeWaiting } from '../resume-waiting.js';
import { insertMessages, type NewMessage } from '../store.js';

export interface CampaignInput {
  name: string;
  text: string;
  from?: string | undefined;
  scheduleAt?: string | undefined;
  recipients: readonly { to: string }[];
}

export interface CreatedCampaign {
  id: string;
  recipients: number;
  invalid: { row: number; to: string; reason: string }[];
  /** Micro-credits all its messages cost. */
  creditsMicros: bigint;
  reserved: number;
  waitingCredit: number;
}

const INSERT_CHUNK = 1_000;

export async function createCampaign(
  ctx: AppContext,
  accountId: string,
  input: CampaignInput,
): Promise<CreatedCampaign> {
  const account = await assertCanTransact(ctx.db, accountId);
  const now = ctx.now();
  const rules = {
    defaultCountry: account.preferences.country,
    prices: await ctx.messaging.prices(),
    maxParts: ctx.config.messaging.maxParts,
    alphabetFor: ctx.messaging.alphabetFor,
    now,
  };
  const id = newCampaignId();
  const messages: NewMessage[] = [];
  const invalid: CreatedCampaign['invalid'] = [];
  const shared: FieldProblem[] = [];
  input.recipients.forEach((recipient, i) => {
    const composed = compose({ ...input, to: recipient.to }, rules);
    if (composed.ok) {
      messages.push({
        ...composed.message,
        id: newMessageId(),
        accountId,
        campaignId: id,
        status: 'waiting_credit',
        holdId: null,
        nextAttemptAt: null,
        createdAt: now,
      });
      return;
    }
    const toProblems = composed.fields.filter((f) => f.path === 'body.to');
    if (toProblems.length > 0)
      invalid.push({ row: i + 1, to: recipient.to, reason: toProblems[0]?.message ?? '' });
    // Text, sender or schedule problems are the campaign's, the same on every row: report once.
    if (shared.length === 0) shared.push(...composed.fields.filter((f) => f.path !== 'body.to'));
  });
  if (shared.length > 0) throw validationFailed(shared, 'The campaign cannot be sent as it is');
  if (input.name.trim() === '') throw validationFailed([{ path: 'body.name', message: 'must not be empty' }]);

  await ctx.db.transaction(async (tx) => {
    await tx.query(
      `insert into campaigns (id, account_id, name, text, sender, status, schedule_at, recipients, invalid,
         created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
      [
        id,
        accountId,
        input.name.trim(),
        input.text,
        input.from ?? null,
        input.scheduleAt ? 'scheduled' : 'running',
        input.scheduleAt ?? null,
        messages.length,
        invalid.length,
        now.toISOString(),
      ],
    );
    for (let i = 0; i < messages.length; i += INSERT_CHUNK) {
      await insertMessages(tx, messages.slice(i, i + INSERT_CHUNK), 'waiting for its credit to be reserved');
    }
  });
  await resumeWaiting(ctx, accountId);
  const { rows } = await ctx.db.query<{ waiting: bigint }>(
    `select count(*)::bigint as waiting from messages where campaign_id = $1 and status = 'waiting_credit'`,
    [id],
  );
  const waitingCredit = Number(rows[0]?.waiting ?? 0n);
  return {
    id,
    recipients: messages.length,
    invalid,
    creditsMicros: messages.reduce((sum, m) => sum + m.credits, 0n),
    reserved: messages.length - waitingCredit,
    waitingCredit,
  };
}

/** The campaign's account, or null: another account's campaign is not found. */
export async function campaignExists(ctx: AppContext, accountId: string, id: string): Promise<boolean> {
  const { rows } = await ctx.db.query('select 1 from campaigns where id = $1 and account_id = $2', [
    id,
    accountId,
  ]);
  return rows.length > 0;
}
