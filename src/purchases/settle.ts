// Where a purchase becomes credits. Settling locks the purchase row, grants its credits with the
// ledger transfer `purchase:<id>` and marks it credited, all in ONE transaction: credited
// exactly once however many times, from however many processes, a payment is reported. A
// settled purchase is never failed; reversing it is an explicit refund.
//
// The card provider calls these from its webhook and re-read paths:
//
//   await settlePaid(ctx, purchaseId, { paidAt, method: 'card', providerRef: 'pi_…' });
//   await markFailed(ctx, purchaseId, 'card_declined');
//   await updatePaymentDetails(ctx, purchaseId, { providerRef, checkoutUrl, providerStatus });
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/types.js';
import { MICROS_PER_CREDIT } from '../ledger/amounts.js';
import type { LedgerRequest } from '../ledger/types.js';
import { metrics } from '../metrics.js';
import { emitCreditArrived } from './credit-arrived.js';
import { notifyCredited } from './notify.js';
import {
  getPurchase,
  lockPurchase,
  type PaidVia,
  type Purchase,
  type PurchaseRow,
  toPurchase,
} from './purchase.js';
import type { CardPaymentStatus } from './providers/types.js';
import { runCreditedHooks, runFailedHooks } from './settle-hooks.js';

export interface PaidDetails {
  /** When the money was received (the card charge, the booking date on the statement). */
  paidAt: Date;
  method: PaidVia;
  /** The payment service's id, the bank's reference, or null. */
  providerRef: string | null;
  /** The last four digits of the card charged, when the card provider said them. */
  cardLast4?: string | null;
  /** The card provider's own status of the payment, recorded with the credit (one write, not two). */
  providerStatus?: CardPaymentStatus;
}

export type SettleResult =
  | { outcome: 'credited'; purchase: Purchase; emails?: string[] }
  | { outcome: 'already_credited'; purchase: Purchase }
  | { outcome: 'not_found' };

export type FailResult =
  | { outcome: 'failed'; purchase: Purchase; emails?: string[] }
  /** Settled, canceled, expired or failed already: nothing changed. */
  | { outcome: 'unchanged'; purchase: Purchase }
  | { outcome: 'not_found' };

export function purchaseTransferId(purchaseId: string): string {
  return `purchase:${purchaseId}`;
}

/** What crediting needs to know of a purchase (no source: not an automatic refill). */
export type Creditable = Pick<Purchase, 'id' | 'accountId' | 'credits' | 'packId' | 'status'> &
  Partial<Pick<Purchase, 'source'>>;

export function creditRequest(purchase: Creditable): LedgerRequest {
  if (purchase.source === 'auto_refill') {
    return {
      type: 'transfer',
      id: purchaseTransferId(purchase.id),
      debit: { system: 'sales' },
      credit: purchase.accountId,
      amount: purchase.credits * MICROS_PER_CREDIT,
      code: 'auto_refill',
      reference: purchase.id,
      description: `${purchase.credits} credits bought by automatic refill`,
    };
  }
  return {
    type: 'transfer',
    id: purchaseTransferId(purchase.id),
    debit: { system: 'sales' },
    credit: purchase.accountId,
    amount: purchase.credits * MICROS_PER_CREDIT,
    code: 'purchase',
    reference: purchase.id,
    // Words for people, never the pack's internal id (the transactions list says more, from the purchase).
    description: `${purchase.credits} credits bought${purchase.packId ? ' as a pack' : ''}`,
  };
}

/**
 * Credits purchases whose rows the caller has LOCKED in `tx` and found not credited: one ledger
 * group for all of them, one update (10,000 of a bank statement at once), the settle hooks and
 * the receipts.
 * The caller announces credit.arrived after its commit (announceCredited) and may send the
 * returned e-mails then (the outbox job sends them otherwise).
 */
export async function creditLockedPurchases(
  ctx: AppContext,
  tx: Queryable,
  items: readonly { purchase: Creditable; paid: PaidDetails }[],
): Promise<string[]> {
  if (items.length === 0) return [];
  for (const { purchase } of items) {
    if (purchase.status === 'credited') throw new Error(`purchase ${purchase.id} is credited already`);
  }
  const now = ctx.now();
  const { rowCount } = await tx.query(
    `update purchases p
        set status = 'credited', paid_at = v.paid_at, paid_via = v.paid_via, paid_reference = v.paid_reference,
            credited_at = $5, updated_at = $5, card_last4 = coalesce(v.card_last4, p.card_last4),
            provider_status = coalesce(v.provider_status, p.provider_status)
       from unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $6::text[], $7::text[])
         as v(id, paid_at, paid_via, paid_reference, card_last4, provider_status)
      where p.id = v.id`,
    [
      items.map(({ purchase }) => purchase.id),
      items.map(({ paid }) => paid.paidAt.toISOString()),
      items.map(({ paid }) => paid.method),
      items.map(({ paid }) => paid.providerRef),
      now,
      items.map(({ paid }) => (paid.cardLast4 && /^\d{4}$/.test(paid.cardLast4) ? paid.cardLast4 : null)),
      items.map(({ paid }) => paid.providerStatus ?? null),
    ],
  );
  if (rowCount !== items.length) throw new Error('a purchase being credited disappeared');
  const ids = items.map(({ purchase }) => purchase.id);
  // Everything else first: the credit locks the customer's ledger row, which the account's
  // sends wait for, so it comes last and the commit soon after. Other rooms' rows, then the
  // receipts (with the available credit the credit leaves) and purchase.credited, all of which
  // commit (or roll back) with the credit; a purchase whose receipt a hook wrote gets no second.
  const { emails, receipted } = await runCreditedHooks(ctx, tx, ids);
  await notifyCredited(ctx, tx, ids, receipted);
  await ctx.ledger.apply(
    items.map(({ purchase }) => creditRequest(purchase)),
    tx,
  );
  return emails;
}

/** credit.arrived for each credited purchase (after commit). */
export function announceCredited(ctx: AppContext, purchases: readonly Creditable[]): void {
  for (const purchase of purchases) {
    emitCreditArrived(ctx, {
      accountId: purchase.accountId,
      micros: purchase.credits * MICROS_PER_CREDIT,
      source: purchaseTransferId(purchase.id),
    });
  }
}

/**
 * The purchase was paid: credit it, once. From any state but credited (money that arrived
 * for a failed, canceled or expired order is still the customer's money); a second, late or
 * concurrent call answers `already_credited` and changes nothing.
 */
export async function settlePaid(
  ctx: AppContext,
  purchaseId: string,
  paid: PaidDetails,
): Promise<SettleResult> {
  const result = await ctx.db.transaction(async (tx): Promise<SettleResult> => {
    const purchase = await lockPurchase(tx, purchaseId);
    if (!purchase) return { outcome: 'not_found' };
    if (purchase.status === 'credited') return { outcome: 'already_credited', purchase };
    const emails = await creditLockedPurchases(ctx, tx, [{ purchase, paid }]);
    const credited = await getPurchase(tx, purchaseId);
    if (!credited) throw new Error(`purchase ${purchaseId} was not credited`);
    return { outcome: 'credited', purchase: credited, emails };
  });
  if (result.outcome === 'credited') {
    metrics.purchases.inc({ method: result.purchase.paymentMethod, outcome: 'credited' });
    if (result.emails?.length) ctx.mailer.sendSoon(result.emails);
    announceCredited(ctx, [result.purchase]);
  }
  return result;
}

/** The payment failed: an order awaiting payment becomes failed; anything else is left alone. */
export async function markFailed(ctx: AppContext, purchaseId: string, reason: string): Promise<FailResult> {
  const result = await ctx.db.transaction(async (tx): Promise<FailResult> => {
    const purchase = await lockPurchase(tx, purchaseId);
    if (!purchase) return { outcome: 'not_found' };
    if (purchase.status !== 'awaiting_payment') return { outcome: 'unchanged', purchase };
    const now = ctx.now();
    const { rows } = await tx.query<PurchaseRow>(
      `update purchases set status = 'failed', failed_at = $2, failure_reason = $3, updated_at = $2
        where id = $1 returning *`,
      [purchaseId, now, reason.slice(0, 500)],
    );
    const row = rows[0];
    if (!row) throw new Error(`purchase ${purchaseId} disappeared`);
    const failed = toPurchase(row);
    return { outcome: 'failed', purchase: failed, emails: await runFailedHooks(ctx, tx, failed) };
  });
  if (result.outcome === 'failed') {
    metrics.purchases.inc({ method: result.purchase.paymentMethod, outcome: 'failed' });
    if (result.emails?.length) ctx.mailer.sendSoon(result.emails);
  }
  return result;
}

export interface PaymentDetails {
  providerRef?: string | null;
  checkoutUrl?: string | null;
  providerStatus?: CardPaymentStatus | null;
}

/** Records what the provider said about the payment (never the purchase's status). */
export async function updatePaymentDetails(
  ctx: AppContext,
  purchaseId: string,
  details: PaymentDetails,
): Promise<void> {
  await ctx.db.query(
    `update purchases
        set provider_ref = case when $2 then $3 else provider_ref end,
            checkout_url = case when $4 then $5 else checkout_url end,
            provider_status = case when $6 then $7 else provider_status end,
            updated_at = $8
      where id = $1`,
    [
      purchaseId,
      details.providerRef !== undefined,
      details.providerRef ?? null,
      details.checkoutUrl !== undefined,
      details.checkoutUrl ?? null,
      details.providerStatus !== undefined,
      details.providerStatus ?? null,
      ctx.now(),
    ],
  );
}
