// The two ways a campaign's recipients come in — a CSV upload read as a stream, or a JSON list
// — staged the same way (stage.ts), ready for createStagedCampaign. Whatever goes wrong on the
// way (a binary file, no phone column, over the size limit) removes what was staged.
import { assertCanTransact } from '../../accounts/guards.js';
import type { AppContext } from '../../context.js';
import { validationFailed } from '../../http/errors.js';
import { newCampaignId } from '../ids.js';
import type { StagedImport } from './create-staged.js';
import { readCampaignUpload } from './read-upload.js';
import { type CampaignFields, type ComposerRules, RowComposer } from './row-composer.js';
import { CampaignStager } from './stage.js';
import { checkedFields } from './upload-fields.js';

export interface JsonCampaign {
  name: string;
  text: string;
  from?: string | undefined;
  scheduleAt?: string | undefined;
  draft?: boolean | undefined;
  recipients: readonly { to: string; vars?: Record<string, string> | undefined }[];
}

/** What makes two uploads the same request (for Idempotency-Key): the fields and the file's digest. */
export interface UploadSummary {
  name: string;
  text: string;
  from?: string;
  scheduleAt?: string;
  draft: boolean;
  file: { bytes: number; sha256: string };
}

export async function composerRules(ctx: AppContext, accountId: string): Promise<ComposerRules> {
  const account = await assertCanTransact(ctx.db, accountId);
  return {
    defaultCountry: account.preferences.country,
    prices: await ctx.messaging.prices(),
    maxParts: ctx.config.messaging.maxParts,
    alphabetFor: ctx.messaging.alphabetFor,
    now: ctx.now(),
  };
}

export function campaignComposer(fields: CampaignFields, rules: ComposerRules): RowComposer {
  const created = RowComposer.create(fields, rules);
  if (!created.ok) throw validationFailed(created.fields, 'The campaign cannot be sent as it is');
  return created.composer;
}

export async function stageUpload(
  ctx: AppContext,
  accountId: string,
  source: AsyncIterable<Buffer>,
  headers: { 'content-type'?: string | undefined; 'content-length'?: string | undefined },
): Promise<{ summary: UploadSummary; staged: StagedImport }> {
  const rules = await composerRules(ctx, accountId);
  const campaignId = newCampaignId();
  const state: { stager?: CampaignStager; fields?: ReturnType<typeof checkedFields> } = {};
  try {
    const upload = await readCampaignUpload(
      ctx,
      source,
      headers,
      'file',
      ['name', 'text', 'from', 'scheduleAt', 'draft'],
      {
        onFields: (fields) => {
          state.fields = checkedFields(fields, ['name', 'text']);
          const composer = campaignComposer(state.fields, rules);
          state.stager = new CampaignStager(ctx.db, campaignId, composer, rules.now);
          return composer;
        },
        onRow: (_composer, row, to, vars) => state.stager?.add(row, to, vars),
      },
    );
    const { stager: done, fields } = state;
    if (!done || !fields) throw new Error('the upload was read without its fields');
    const totals = await done.finish();
    const { draft, ...campaignFields } = fields;
    return {
      summary: { ...fields, file: { bytes: upload.file.bytes, sha256: upload.file.sha256 } },
      staged: {
        campaignId,
        fields: campaignFields,
        composer: done.composer,
        totals,
        draft,
        source: 'csv',
      },
    };
  } catch (error) {
    await state.stager?.stop();
    await CampaignStager.discard(ctx.db, campaignId);
    throw error;
  }
}

export async function stageJson(
  ctx: AppContext,
  accountId: string,
  body: JsonCampaign,
): Promise<StagedImport> {
  const rules = await composerRules(ctx, accountId);
  const fields: CampaignFields = {
    name: body.name,
    text: body.text,
    ...(body.from !== undefined ? { from: body.from } : {}),
    ...(body.scheduleAt !== undefined ? { scheduleAt: body.scheduleAt } : {}),
  };
  const composer = campaignComposer(fields, rules);
  const campaignId = newCampaignId();
  const stager = new CampaignStager(ctx.db, campaignId, composer, rules.now);
  try {
    let row = 0;
    for (const recipient of body.recipients) {
      row++;
      const vars = new Map(Object.entries(recipient.vars ?? {}).map(([k, v]) => [k.trim().toLowerCase(), v]));
      await stager.add(row, recipient.to, (name) => vars.get(name));
    }
    const totals = await stager.finish();
    return { campaignId, fields, composer, totals, draft: body.draft === true, source: 'json' };
  } catch (error) {
    await stager.stop();
    await CampaignStager.discard(ctx.db, campaignId);
    throw error;
  }
}
