// The campaign behind an import whose rows are staged: the campaign row (started, unless it is
// a draft) and what the import found in one transaction, then its rows reserved at once. A
// campaign with no row that can be sent is refused (400) and its staged rows removed: nothing
// is created or held.
import type { AppContext } from '../../context.js';
import { whileDatabaseUnavailable } from '../../db/unavailable.js';
import { constraintName } from '../../db/types.js';
import { validationFailed } from '../../http/errors.js';
import { formatCredits } from '../../ledger/amounts.js';
import type { CampaignFields, RowComposer } from './row-composer.js';
import { CampaignStager, type ImportTotals, type InvalidRow } from './stage.js';
import { reserveStarted } from './start-campaign.js';
import { type CampaignEstimateView, estimateView } from './views.js';

export interface StagedImport {
  campaignId: string;
  fields: CampaignFields;
  composer: RowComposer;
  totals: ImportTotals;
  draft: boolean;
  source: 'csv' | 'json';
}

export interface CreatedFromImport {
  id: string;
  status: 'draft' | 'scheduled' | 'running';
  recipients: number;
  invalid: number;
  invalidRows: InvalidRow[];
  duplicates: number;
  reserved: number;
  waitingCredit: number;
  estimate: CampaignEstimateView;
}

export async function createStagedCampaign(
  ctx: AppContext,
  accountId: string,
  staged: StagedImport,
  idempotencyKey: string | null = null,
): Promise<CreatedFromImport> {
  const { campaignId, totals, composer } = staged;
  if (totals.recipients === 0) {
    await CampaignStager.discard(ctx.db, campaignId);
    throw validationFailed(
      [
        {
          path: staged.source === 'csv' ? 'body.file' : 'body.recipients',
          message:
            totals.invalid > 0
              ? `has no recipient that can be sent to (${totals.invalid} refused; the first are listed in details.invalidRows)`
              : 'has no recipients',
        },
      ],
      'The campaign has no recipient that can be sent to',
    );
  }
  const now = ctx.now();
  const status: CreatedFromImport['status'] = staged.draft
    ? 'draft'
    : composer.scheduleAt && composer.scheduleAt > now
      ? 'scheduled'
      : 'running';
  const earlier = idempotencyKey === null ? null : await campaignOfKey(ctx, accountId, idempotencyKey);
  if (earlier) return answerAgain(ctx, accountId, staged, earlier, status);
  try {
    await insertCampaign(ctx, accountId, staged, status, now, idempotencyKey);
  } catch (error) {
    const other = idempotencyKey === null ? null : await campaignOfKey(ctx, accountId, idempotencyKey);
    if (other && constraintName(error) === 'campaigns_idempotency_key') {
      return answerAgain(ctx, accountId, staged, other, status);
    }
    throw error;
  }
  return reserveAndAnswer(ctx, accountId, staged, campaignId, status);
}

/** The campaign an earlier request with this Idempotency-Key created, if any. */
async function campaignOfKey(ctx: AppContext, accountId: string, key: string): Promise<string | null> {
  const { rows } = await ctx.db.query<{ id: string }>(
    'select id from campaigns where account_id = $1 and idempotency_key = $2',
    [accountId, key],
  );
  return rows[0]?.id ?? null;
}

/**
 * The same request again (same key, same body: the idempotency layer compared them) whose first
 * run committed its campaign but never stored its answer (its process died): this run's staged
 * rows go, and the answer is the first campaign's, reserved as far as it goes.
 */
async function answerAgain(
  ctx: AppContext,
  accountId: string,
  staged: StagedImport,
  campaignId: string,
  status: CreatedFromImport['status'],
): Promise<CreatedFromImport> {
  ctx.logger.warn(
    { campaignId, accountId },
    'campaign request retried after its first run: answering with that campaign',
  );
  await CampaignStager.discard(ctx.db, staged.campaignId);
  return reserveAndAnswer(ctx, accountId, staged, campaignId, status);
}

async function insertCampaign(
  ctx: AppContext,
  accountId: string,
  staged: StagedImport,
  status: CreatedFromImport['status'],
  now: Date,
  idempotencyKey: string | null,
): Promise<void> {
  const { campaignId, totals, fields, composer } = staged;
  await ctx.db.transaction(async (tx) => {
    await tx.query(
      `insert into campaigns (id, account_id, name, text, sender, status, schedule_at, recipients, invalid,
         created_at, updated_at, idempotency_key)
       values ($1, $2, $3, $4, $5, $10, $6, $7, $8, $9, $9, $11)`,
      [
        campaignId,
        accountId,
        fields.name.trim(),
        fields.text,
        composer.sender,
        composer.scheduleAt,
        totals.recipients,
        totals.invalid,
        now,
        status,
        idempotencyKey,
      ],
    );
    await tx.query(
      `insert into campaign_estimates (campaign_id, credits, segments, duplicates, by_country, source, started_at)
       values ($1, $2, $3, $4, $5, $6, $7)`,
      [
        campaignId,
        totals.credits.toString(),
        totals.segments.toString(),
        totals.duplicates,
        JSON.stringify(
          totals.byCountry.map((c) => ({
            country: c.country,
            recipients: c.recipients,
            credits: formatCredits(c.credits),
          })),
        ),
        staged.source,
        staged.draft ? null : now,
      ],
    );
  });
}

async function reserveAndAnswer(
  ctx: AppContext,
  accountId: string,
  staged: StagedImport,
  campaignId: string,
  status: CreatedFromImport['status'],
): Promise<CreatedFromImport> {
  const { totals } = staged;
  // Created started (unless a draft), so a process stopping right here leaves a campaign the
  // worker's job finishes, not a draft nobody asked for.
  // The campaign is committed from here on: should the database go away now (a restart), the
  // answer waits for it to come back, for a while, instead of failing, since a retry of a failed
  // request would create a second campaign. Reserving again is safe (what is done stays done).
  const started = staged.draft
    ? null
    : await whileDatabaseUnavailable(() => reserveStarted(ctx, accountId, campaignId));
  const available = (await whileDatabaseUnavailable(() => ctx.ledger.balance(accountId)))?.available ?? 0n;
  const unreserved = started ? started.waitingCreditMicros : totals.credits;
  return {
    id: campaignId,
    status,
    recipients: totals.recipients,
    invalid: totals.invalid,
    invalidRows: totals.firstInvalid,
    duplicates: totals.duplicates,
    reserved: started?.reserved ?? 0,
    waitingCredit: started?.waitingCredit ?? 0,
    estimate: estimateView(totals, available, unreserved),
  };
}
