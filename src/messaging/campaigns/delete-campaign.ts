// Deleting a campaign that has not started (a draft): the campaign, its estimate and its staged
// rows (and refused rows) go in one transaction. Nothing of it was reserved or queued, so no
// credit moves. A started campaign is not deleted (409): its messages are the outbox's and the
// history's; Remove outbox cancels what it has not sent. Another account's campaign is not found.
import type { AppContext } from '../../context.js';
import { AppError, notFound } from '../../http/errors.js';

export async function deleteDraftCampaign(
  ctx: AppContext,
  accountId: string,
  campaignId: string,
): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    // Locked, so a concurrent start either comes first (and this one answers 409) or finds
    // the campaign gone.
    const { rows } = await tx.query<{ status: string }>(
      'select status from campaigns where id = $1 and account_id = $2 for update',
      [campaignId, accountId],
    );
    const campaign = rows[0];
    if (!campaign) throw notFound('campaign');
    if (campaign.status !== 'draft') {
      throw new AppError(
        'conflict',
        `The campaign is ${campaign.status}; only a campaign that has not started (a draft) can be deleted`,
        { status: campaign.status, reason: 'campaign_started' },
      );
    }
    const { rows: messages } = await tx.query('select 1 from messages where campaign_id = $1 limit 1', [
      campaignId,
    ]);
    if (messages.length > 0) {
      throw new AppError('conflict', 'The campaign has messages; it cannot be deleted', {
        status: campaign.status,
        reason: 'campaign_started',
      });
    }
    await tx.query('delete from campaign_rows where campaign_id = $1', [campaignId]);
    await tx.query('delete from campaign_invalid_rows where campaign_id = $1', [campaignId]);
    await tx.query('delete from campaign_estimates where campaign_id = $1', [campaignId]);
    await tx.query('delete from campaigns where id = $1', [campaignId]);
  });
}
