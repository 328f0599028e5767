// Making a purchase: check the account may buy, ask VIES about its VAT id when that is on (before
// the transaction: VIES may be slow), price the item (the same quote the customer saw), decide
// and store the tax with its evidence, record the order awaiting payment, commit; then hand it to
// the payment method's provider. Bank transfers get their terms (IBAN, BIC, beneficiary, a unique
// RF reference, a due date) in the same insert.
import { type Account, assertCanPurchase, getAccount } from '../accounts/index.js';
import type { AppContext } from '../context.js';
import { type Queryable, SQLSTATE, constraintName, sqlState } from '../db/types.js';
import type { Quote } from '../pricing/quote.js';
import { ensurePricingSeeded } from '../pricing/store.js';
import { AppError, notFound, validationFailed } from '../http/errors.js';
import { formatCredits, MAX_BALANCE_MICROS, MICROS_PER_CREDIT } from '../ledger/amounts.js';
import { metrics } from '../metrics.js';
import { newId } from './ids.js';
import { notifyBankTransferOrdered } from './notify.js';
import { markFailed, updatePaymentDetails } from './settle.js';
import {
  getPurchase,
  type PaymentMethod,
  type Purchase,
  type PurchaseRow,
  type PurchaseSource,
  toPurchase,
} from './purchase.js';
import { bankTransferTerms } from './providers/bank-transfer/terms.js';
import { providerFor } from './providers/registry.js';
import { type QuoteRequest, quoteForAccount, viesCheckForAccount } from './quote.js';
import type { ViesCheck } from './vat/vies.js';
import { vatEvidenceOf } from './vat/evidence.js';
import { viesRecheckAt } from './vat/recheck.js';

export interface CreatePurchaseInput extends QuoteRequest {
  paymentMethod: PaymentMethod;
  /** Where it was made: the portal (a session) or the API (a key); default api. */
  source?: PurchaseSource;
  cardId?: string;
  saveCard?: boolean;
  /** The request's Idempotency-Key: a retry with it finds this purchase instead of a new one. */
  idempotencyKey: string | null;
  /** A failed card order of the account this one pays again (with another card): it is replaced. */
  retryOf?: string;
}

/** How long an open card checkout is offered again for the same quote (Stripe keeps a session 24 h). */
const REUSE_CHECKOUT_MS = 23 * 60 * 60 * 1000;

/**
 * An open card checkout of the account for exactly this quote (item, currency, total, whether the
 * card is saved): "Confirm and pay" pressed again, from a page left with the back button or a
 * second tab, goes back to it instead of making another order.
 */
async function openCheckoutFor(
  q: Queryable,
  accountId: string,
  input: CreatePurchaseInput,
  quote: Quote,
  now: Date,
): Promise<Purchase | null> {
  if (input.paymentMethod !== 'card' || input.cardId !== undefined) return null;
  const { rows } = await q.query<PurchaseRow>(
    `select * from purchases
      where account_id = $1 and status = 'awaiting_payment' and payment_method = 'card' and card_id is null
        and checkout_url is not null and coalesce(provider_status, 'checkout') = 'checkout'
        and credits = $2 and pack_id is not distinct from $3 and currency = $4 and total = $5
        and save_card = $6 and created_at > $7
      order by created_at desc limit 1`,
    [
      accountId,
      quote.credits.toString(),
      quote.packId ?? null,
      quote.currency,
      quote.total.amount.toString(),
      input.saveCard ?? false,
      new Date(now.getTime() - REUSE_CHECKOUT_MS),
    ],
  );
  return rows[0] ? toPurchase(rows[0]) : null;
}

/** Locks the failed card order a new one pays again; anything else is refused in our words. */
async function replaceableOrder(q: Queryable, accountId: string, id: string): Promise<void> {
  const { rows } = await q.query<{ status: string; payment_method: string; replaced_by: string | null }>(
    'select status, payment_method, replaced_by from purchases where id = $1 and account_id = $2 for update',
    [id, accountId],
  );
  const row = rows[0];
  if (!row) throw notFound('purchase');
  if (row.status !== 'failed' || row.payment_method !== 'card' || row.replaced_by !== null) {
    throw new AppError('conflict', 'Only a failed card purchase can be paid again, and only once', {
      reason: 'not_retryable',
      status: row.status,
    });
  }
}

const NOT_CONFIGURED: Record<PaymentMethod, string> = {
  card: 'Card payments are not configured on this server; pay by bank transfer',
  bank_transfer: 'Bank transfers are not configured on this server; pay by card',
};

/** A stored purchase made with the same key must be the same order, or the key was reused. */
async function existingForKey(q: Queryable, accountId: string, key: string): Promise<Purchase | null> {
  const { rows } = await q.query<PurchaseRow>(
    'select * from purchases where account_id = $1 and idempotency_key = $2',
    [accountId, key],
  );
  return rows[0] ? toPurchase(rows[0]) : null;
}

function sameOrder(purchase: Purchase, input: CreatePurchaseInput, quote: Quote) {
  return (
    purchase.paymentMethod === input.paymentMethod &&
    purchase.currency === quote.currency &&
    purchase.credits === quote.credits &&
    (purchase.packId ?? undefined) === quote.packId
  );
}

/**
 * A purchase that would take the balance past the ledger's maximum could never be credited:
 * refused when it is made, rather than when its money has arrived.
 */
async function assertBelowMaxBalance(ctx: AppContext, q: Queryable, accountId: string, credits: bigint) {
  const balance = (await ctx.ledger.balance(accountId, q))?.balance ?? 0n;
  if (balance + credits * MICROS_PER_CREDIT > MAX_BALANCE_MICROS) {
    throw new AppError(
      'conflict',
      `An account may hold at most ${formatCredits(MAX_BALANCE_MICROS)} credits; this purchase would take it past that`,
      { reason: 'max_balance', maximum: formatCredits(MAX_BALANCE_MICROS), balance: formatCredits(balance) },
    );
  }
}

export async function createPurchase(
  ctx: AppContext,
  accountId: string,
  input: CreatePurchaseInput,
): Promise<Purchase> {
  const provider = providerFor(ctx, input.paymentMethod);
  if (!provider) {
    throw new AppError('conflict', NOT_CONFIGURED[input.paymentMethod], {
      reason: 'payment_method_not_configured',
      paymentMethod: input.paymentMethod,
    });
  }
  if (input.paymentMethod === 'bank_transfer' && (input.cardId !== undefined || input.saveCard)) {
    throw new AppError('validation_failed', 'cardId and saveCard are for card payments', {
      fields: [
        {
          path: input.cardId !== undefined ? 'body.cardId' : 'body.saveCard',
          message: 'is for card payments only',
        },
      ],
    });
  }
  // Outside the transaction: on PGlite's single connection a seeding transaction cannot nest.
  await ensurePricingSeeded(ctx.db);
  // VIES (when configured) is asked before the transaction: it may take up to VIES_TIMEOUT_MS.
  const before = ctx.config.vat.vies ? await getAccount(ctx.db, accountId) : null;
  const vies = before ? await viesCheckForAccount(ctx, before) : null;

  for (let attempt = 0; ; attempt++) {
    try {
      const purchase = await ctx.db.transaction(async (tx) => {
        const account = await assertCanPurchase(tx, accountId);
        const { quote, vies: viesUsed } = await quoteForAccount(ctx, account, input, tx, vies);
        if (input.idempotencyKey !== null) {
          const earlier = await existingForKey(tx, accountId, input.idempotencyKey);
          if (earlier) {
            if (!sameOrder(earlier, input, quote)) {
              throw new AppError(
                'idempotency_conflict',
                'This Idempotency-Key was used for another purchase; use a new key for a new purchase',
              );
            }
            return { purchase: earlier, fresh: false };
          }
        }
        const now = ctx.now();
        if (input.retryOf !== undefined) {
          if (input.paymentMethod !== 'card') {
            throw validationFailed([{ path: 'body.retryOf', message: 'is for card payments only' }]);
          }
          await replaceableOrder(tx, accountId, input.retryOf);
        } else {
          const open = await openCheckoutFor(tx, accountId, input, quote, now);
          if (open) return { purchase: open, fresh: false };
        }
        await assertBelowMaxBalance(ctx, tx, accountId, quote.credits);
        const purchase = await insertPurchase(ctx, tx, account, quote, {
          paymentMethod: input.paymentMethod,
          providerId: provider.id,
          cardId: input.cardId ?? null,
          saveCard: input.saveCard ?? false,
          idempotencyKey: input.idempotencyKey,
          source: input.source ?? 'api',
          vies: viesUsed,
        });
        if (input.retryOf !== undefined) {
          await tx.query('update purchases set replaced_by = $1, updated_at = $2 where id = $3', [
            purchase.id,
            now,
            input.retryOf,
          ]);
        }
        // The bank details go out with the order, in its transaction.
        await notifyBankTransferOrdered(ctx, tx, purchase);
        return { purchase, fresh: true };
      });
      if (!purchase.fresh) return purchase.purchase;
      metrics.purchases.inc({ method: purchase.purchase.paymentMethod, outcome: 'created' });
      return await startPayment(ctx, purchase.purchase, input);
    } catch (error) {
      // A concurrent request with the same key won the insert: answer with its purchase.
      if (
        sqlState(error) === SQLSTATE.uniqueViolation &&
        constraintName(error) === 'purchases_idempotency' &&
        input.idempotencyKey !== null
      ) {
        const earlier = await existingForKey(ctx.db, accountId, input.idempotencyKey);
        if (earlier) return earlier;
      }
      // Two orders drew the same 12-digit reference: draw again.
      if (
        sqlState(error) === SQLSTATE.uniqueViolation &&
        constraintName(error) === 'purchases_bank_reference' &&
        attempt < 5
      ) {
        continue;
      }
      throw error;
    }
  }
}

async function startPayment(
  ctx: AppContext,
  purchase: Purchase,
  input: CreatePurchaseInput,
): Promise<Purchase> {
  const provider = providerFor(ctx, purchase.paymentMethod);
  if (!provider) throw new Error(`no provider for ${purchase.paymentMethod}`);
  try {
    const started = await provider.startPayment(ctx, {
      purchase,
      cardId: input.cardId ?? null,
      saveCard: input.saveCard ?? false,
      idempotencyKey: `purchase:${purchase.id}`,
    });
    if (started.providerRef !== null || started.checkoutUrl !== null || started.status !== null) {
      await updatePaymentDetails(ctx, purchase.id, {
        providerRef: started.providerRef,
        checkoutUrl: started.checkoutUrl,
        providerStatus: started.status,
      });
    }
  } catch (error) {
    // The order stays on record, failed, and the error (a typed AppError such as payment_failed,
    // or an internal one) reaches the caller.
    const unavailable = error instanceof AppError && error.code === 'unavailable';
    const reason = unavailable
      ? 'payment_service_unavailable'
      : error instanceof AppError
        ? error.code
        : 'provider_error';
    await markFailed(ctx, purchase.id, reason);
    if (error instanceof AppError && error.code === 'payment_failed') {
      // The declined order stays, once: the customer may pay it again with another card (retryOf).
      throw new AppError(error.code, error.message, { ...error.details, purchaseId: purchase.id });
    }
    if (unavailable) {
      // The payment service never took it: a retry with the same Idempotency-Key is a new attempt.
      await ctx.db.query('update purchases set idempotency_key = null where id = $1', [purchase.id]);
      metrics.purchases.inc({ method: purchase.paymentMethod, outcome: 'unavailable' });
    }
    throw error;
  }
  // The provider may have settled it already (a saved card charged at once).
  return (await getPurchase(ctx.db, purchase.id)) ?? purchase;
}

export interface NewPurchase {
  paymentMethod: PaymentMethod;
  providerId: string;
  cardId: string | null;
  saveCard: boolean;
  idempotencyKey: string | null;
  source: PurchaseSource;
  /** VIES's answer the quote rests on, if it was asked. */
  vies: ViesCheck | null;
}

/**
 * Records an order awaiting payment in `tx`, priced by `quote` with its tax and evidence (the
 * account must be one that may purchase: assertCanPurchase). Bank transfers get their terms.
 */
export async function insertPurchase(
  ctx: AppContext,
  tx: Queryable,
  account: Account,
  quote: Quote,
  order: NewPurchase,
): Promise<Purchase> {
  const { vies: viesUsed } = order;
  const input = order;
  const accountId = account.id;
  const bank = ctx.config.bankTransfer;
  const now = ctx.now();
  const terms = input.paymentMethod === 'bank_transfer' && bank ? bankTransferTerms(bank, now) : null;
  const billing = account.billing;
  if (!billing) throw new Error('assertCanPurchase let an account without billing data through');
  const evidence = vatEvidenceOf(account);
  // VIES was asked (or should have been) when the decision says which way it went.
  const viesStatus = quote.tax.viesRecheck
    ? 'unavailable'
    : quote.tax.vatIdIgnored === 'vies_invalid'
      ? 'invalid'
      : viesUsed?.outcome === 'valid' && quote.tax.treatment === 'reverse_charge'
        ? 'valid'
        : null;
  const { rows } = await tx.query<PurchaseRow>(
    `insert into purchases (id, account_id, status, payment_method, provider, pack_id, credits, currency,
       subtotal, tax_amount, total, tax_rate_bp, tax_treatment, tax_vat_id, issuer_country, billing,
       bank_reference, bank_iban, bank_bic, bank_beneficiary, due_at, card_id, save_card, idempotency_key,
       created_at, updated_at, vat_country, vat_billing_country, vat_mobile_country, vat_evidence_disagrees,
       vat_id_ignored, vies_check_id, vies_status, vies_request_identifier, vies_checked_at, vies_recheck_at, source)
     values ($1, $2, 'awaiting_payment', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
       $16, $17, $18, $19, $20, $21, $22, $23, $24, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35)
     returning *`,
    [
      newId('pur'),
      accountId,
      input.paymentMethod,
      order.providerId,
      quote.packId ?? null,
      quote.credits.toString(),
      quote.currency,
      quote.subtotal.amount.toString(),
      quote.tax.amount.amount.toString(),
      quote.total.amount.toString(),
      quote.tax.rateBasisPoints,
      quote.tax.treatment,
      quote.tax.vatId ?? null,
      ctx.config.issuer.country,
      JSON.stringify(billing),
      terms?.reference ?? null,
      terms?.iban ?? null,
      terms?.bic ?? null,
      terms?.beneficiary ?? null,
      terms?.dueAt ?? null,
      input.cardId,
      input.saveCard,
      input.idempotencyKey,
      now,
      quote.tax.country ?? null,
      evidence.billingCountry,
      evidence.mobileCountry,
      evidence.disagrees,
      quote.tax.vatIdIgnored ?? null,
      viesStatus ? (viesUsed?.id ?? null) : null,
      viesStatus,
      viesStatus ? (viesUsed?.requestIdentifier ?? null) : null,
      viesStatus ? (viesUsed?.checkedAt ?? null) : null,
      viesStatus === 'unavailable' ? viesRecheckAt(now, 0) : null,
      order.source,
    ],
  );
  const row = rows[0];
  if (!row) throw new Error('the purchase insert returned nothing');
  return toPurchase(row);
}
