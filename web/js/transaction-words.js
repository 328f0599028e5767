// @ts-check
// A movement of the balance in the reader's words: the grouped rows ("Campaign “Spring sale” ·
// 3,899 messages"), purchases ("10,000 credits — pack, card ending 4242") and their refunds,
// from the structured fields the API gives beside its English description; anything else keeps
// the description written when it happened (an adjustment's reason, say).
import { credits, transactionTypeLabel } from './format.js';
import { t } from './i18n.js';

/** @typedef {import('./api-types.js').Transaction} Transaction */
/** @typedef {import('./api-types.js').TransactionPurchase} TransactionPurchase */

/** How a purchase was paid (and whether it was a pack or an automatic refill). */
function paidBy(/** @type {TransactionPurchase} */ p) {
  const how =
    p.paymentMethod === 'bank_transfer'
      ? t('transactions.describe.bankTransfer')
      : p.cardLast4
        ? t('transactions.describe.cardEnding', { last4: p.cardLast4 })
        : t('transactions.describe.card');
  const what = [
    p.source === 'auto_refill' ? t('transactions.describe.autoRefill') : null,
    p.pack ? t('transactions.describe.pack') : null,
  ].filter(Boolean);
  return [...what, how].join(', ');
}

const SMS = /^(Refunded, not delivered: )?SMS to (\+?\d+)$/;

/** The words for one row of the list. */
export function describeTransaction(/** @type {Transaction} */ x) {
  const group = x.group;
  if (group) {
    const vars = { count: group.count, name: group.campaignName ?? group.campaignId ?? '' };
    const key = x.type === 'refund' ? 'refund' : '';
    if (group.campaignId) return t(`transactions.describe.${key ? 'refundCampaign' : 'campaign'}`, vars);
    return t(`transactions.describe.${key ? 'refundSingles' : 'singles'}`, vars);
  }
  const p = x.purchase;
  if (p && x.type === 'purchase') {
    return t('transactions.describe.purchase', { credits: credits(p.credits), how: paidBy(p) });
  }
  if (p && x.type === 'refund') {
    return t('transactions.describe.refund', {
      credits: credits(String(x.credits).replace(/^-/, '')),
      bought: credits(p.credits),
      how: paidBy(p),
    });
  }
  const sms = SMS.exec(x.description ?? '');
  if (sms) return t(sms[1] ? 'transactions.describe.smsRefund' : 'transactions.describe.sms', { to: sms[2] });
  return x.description ?? transactionTypeLabel(x.type);
}
