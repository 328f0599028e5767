// The cost calculator (BulkGate's "calculate the cost of your campaign first"): recipients ×
// segments × the destination's price, per country and in total, against the credit available
// now. The same checks and prices as a campaign (RowComposer), nothing stored or reserved. A
// CSV is read as a stream, like a campaign upload.
import type { AppContext } from '../../context.js';
import type { PartEncoding } from '../../pricing/alphabets.js';
import { formatCredits } from '../../ledger/amounts.js';
import { campaignComposer, composerRules } from '../campaigns/import-campaign.js';
import { readCampaignUpload } from '../campaigns/read-upload.js';
import type { RowResult } from '../campaigns/row-composer.js';
import { type InvalidRow, RowTally } from '../campaigns/stage.js';
import { checkedFields } from '../campaigns/upload-fields.js';

/** Refused recipients listed in the answer; the rest are counted. */
export const ESTIMATE_INVALID_LISTED = 1_000;

export interface EstimateView {
  recipients: number;
  invalid: InvalidRow[];
  invalidCount: number;
  duplicates: number;
  encoding: PartEncoding | null;
  /** SMS parts per message (the most any message takes, when placeholders make texts differ). */
  segments: number;
  totalSegments: number;
  credits: string;
  byCountry: { country: string; recipients: number; credits: string }[];
  available: string;
  shortfall: string;
}

export interface EstimateJson {
  text: string;
  from?: string | undefined;
  to?: readonly string[] | undefined;
  recipients?: readonly { to: string; vars?: Record<string, string> | undefined }[] | undefined;
}

export async function estimateFromJson(
  ctx: AppContext,
  accountId: string,
  body: EstimateJson,
): Promise<EstimateView> {
  const rules = await composerRules(ctx, accountId);
  const composer = campaignComposer({ name: 'estimate', text: body.text, from: body.from }, rules);
  const tally = new RowTally(ESTIMATE_INVALID_LISTED);
  const list = body.recipients ?? (body.to ?? []).map((to) => ({ to, vars: undefined }));
  list.forEach((recipient, i) => {
    const vars = new Map(Object.entries(recipient.vars ?? {}).map(([k, v]) => [k.trim().toLowerCase(), v]));
    count(
      tally,
      composer.compose(recipient.to, (name) => vars.get(name)),
      i + 1,
      recipient.to,
    );
  });
  return view(ctx, accountId, tally);
}

export async function estimateFromUpload(
  ctx: AppContext,
  accountId: string,
  source: AsyncIterable<Buffer>,
  headers: { 'content-type'?: string | undefined; 'content-length'?: string | undefined },
): Promise<EstimateView> {
  const rules = await composerRules(ctx, accountId);
  const tally = new RowTally(ESTIMATE_INVALID_LISTED);
  await readCampaignUpload(ctx, source, headers, 'campaignFile', ['text', 'from'], {
    onFields: (fields) => {
      const checked = checkedFields(fields, ['text']);
      return campaignComposer({ ...checked, name: 'estimate' }, rules);
    },
    onRow: (composer, row, to, vars) => count(tally, composer.compose(to, vars), row, to),
  });
  return view(ctx, accountId, tally);
}

function count(tally: RowTally, result: RowResult, row: number, to: string): void {
  if (!result.ok) tally.refused({ row, to, reason: result.reason });
  else if (tally.firstTime(result.row.to)) tally.accepted(result.row);
}

async function view(ctx: AppContext, accountId: string, tally: RowTally): Promise<EstimateView> {
  const totals = tally.totals();
  const available = (await ctx.ledger.balance(accountId))?.available ?? 0n;
  const shortfall = totals.credits > available ? totals.credits - available : 0n;
  return {
    recipients: totals.recipients,
    invalid: totals.firstInvalid,
    invalidCount: totals.invalid,
    duplicates: totals.duplicates,
    encoding: totals.encoding,
    segments: totals.maxSegments,
    totalSegments: Number(totals.segments),
    credits: formatCredits(totals.credits),
    byCountry: totals.byCountry.map((c) => ({
      country: c.country,
      recipients: c.recipients,
      credits: formatCredits(c.credits),
    })),
    available: formatCredits(available < 0n ? 0n : available),
    shortfall: formatCredits(shortfall),
  };
}
