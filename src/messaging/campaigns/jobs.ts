// The campaign imports' worker jobs (src/jobs.ts lists them). Each is safe with several workers
// running it at once.
import type { AppContext } from '../../context.js';
import { campaignsToMaterialise, materialiseCampaign } from './materialise.js';

/** A started campaign's rows left staged this long are taken over by the job. */
const TAKE_OVER_AFTER_MS = 60_000;
/** Staged rows of an upload that never became a campaign (a process stopped mid-import). */
const ABANDONED_AFTER_MS = 3_600_000;

export async function materialiseLeftovers(ctx: AppContext): Promise<number> {
  let moved = 0;
  const before = new Date(ctx.now().getTime() - TAKE_OVER_AFTER_MS);
  for (const id of await campaignsToMaterialise(ctx.db, before)) {
    moved += (await materialiseCampaign(ctx, id)).messages;
  }
  return moved;
}

export async function pruneAbandonedImports(ctx: AppContext): Promise<number> {
  const before = new Date(ctx.now().getTime() - ABANDONED_AFTER_MS);
  const rows = await ctx.db.query(
    `delete from campaign_rows r where r.staged_at < $1
        and not exists (select 1 from campaigns c where c.id = r.campaign_id)`,
    [before],
  );
  const invalid = await ctx.db.query(
    `delete from campaign_invalid_rows r where r.staged_at < $1
        and not exists (select 1 from campaigns c where c.id = r.campaign_id)`,
    [before],
  );
  return rows.rowCount + invalid.rowCount;
}

export const CAMPAIGN_JOBS = [
  {
    // Started campaigns whose process stopped while turning rows into messages.
    name: 'campaigns.materialise',
    intervalMs: 30_000,
    run: (ctx: AppContext) => materialiseLeftovers(ctx),
  },
  {
    name: 'campaigns.prune-abandoned-imports',
    intervalMs: 600_000,
    run: (ctx: AppContext) => pruneAbandonedImports(ctx),
  },
];
