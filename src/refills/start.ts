// Starting an automatic refill: decided under the rule's row lock, in one transaction, against
// the committed ledger — enabled, not paused, not waiting for a retry, available credit at or
// below the limit, nothing in flight, the 30-day cap not reached — and recorded as an ordinary
// purchase (source auto_refill) priced and taxed like any other. The unique partial index
// purchases_auto_refill_in_flight stands behind the lock: a second process that gets this far
// meets a unique violation, and the account still has one refill in flight.
//
// After the commit the card is charged off-session by the card provider with the key
// `purchase:<id>`; whatever it reports goes through the settle functions (credited once), and a
// charge whose outcome is unknown (Stripe down) stays in flight for the provider's convergence
// to finish under the same key.
import { assertCanPurchase } from '../accounts/index.js';
import type { AppContext } from '../context.js';
import { constraintName, SQLSTATE, sqlState } from '../db/types.js';
import { AppError } from '../http/errors.js';
import { metrics } from '../metrics.js';
import { ensurePricingSeeded } from '../pricing/store.js';
import { type Purchase, providerFor, updatePaymentDetails } from '../purchases/index.js';
import { insertPurchase } from '../purchases/create-purchase.js';
import { quoteForAccount } from '../purchases/quote.js';
import { noteAuthenticationRequired, noteCapReached } from './outcomes.js';
import { getRule, inFlightOf, windowFreesAt, windowOf } from './rule.js';

export type StartOutcome =
  | { outcome: 'started'; purchase: Purchase }
  | { outcome: 'disabled' | 'paused' | 'not_due' | 'in_flight' | 'cannot_purchase' }
  | { outcome: 'waiting_retry'; until: Date }
  | { outcome: 'cap_reached'; until: Date | null };

/** Decides and records; does not charge (chargeRefill does, after the commit). */
export async function beginRefill(ctx: AppContext, accountId: string): Promise<StartOutcome> {
  const card = providerFor(ctx, 'card');
  if (!card) return { outcome: 'cannot_purchase' };
  // Outside the transaction: on PGlite's single connection a seeding transaction cannot nest.
  await ensurePricingSeeded(ctx.db);
  let emails: string[] = [];
  try {
    const decided = await ctx.db.transaction(async (tx): Promise<StartOutcome> => {
      const rule = await getRule(tx, accountId, { forUpdate: true });
      if (!rule?.enabled) return { outcome: 'disabled' };
      if (rule.paused_reason) return { outcome: 'paused' };
      const now = ctx.now();
      if (rule.next_retry_at && rule.next_retry_at > now)
        return { outcome: 'waiting_retry', until: rule.next_retry_at };
      const balance = await ctx.ledger.balance(accountId, tx);
      if (!balance || balance.available > rule.threshold_micros) return { outcome: 'not_due' };
      if ((await inFlightOf(tx, accountId)) !== null) return { outcome: 'in_flight' };
      const window = await windowOf(tx, accountId, now);
      if (window.used >= rule.max_per_30_days) {
        emails = await noteCapReached(ctx, tx, rule, window);
        return { outcome: 'cap_reached', until: windowFreesAt(window) };
      }
      let account: Awaited<ReturnType<typeof assertCanPurchase>>;
      let quote: Awaited<ReturnType<typeof quoteForAccount>>['quote'];
      try {
        account = await assertCanPurchase(tx, accountId);
        ({ quote } = await quoteForAccount(ctx, account, { credits: rule.recharge_credits.toString() }, tx));
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        ctx.logger.warn(
          { err: error, accountId },
          'an automatic refill is due but the account cannot buy now',
        );
        return { outcome: 'cannot_purchase' };
      }
      const purchase = await insertPurchase(ctx, tx, account, quote, {
        paymentMethod: 'card',
        providerId: card.id,
        cardId: rule.card_id,
        saveCard: false,
        idempotencyKey: null,
        source: 'auto_refill',
        vies: null,
      });
      await tx.query(
        `update auto_refill_rules
            set last_attempt_at = $2, last_outcome = 'started', last_purchase_id = $3, last_reason = null,
                updated_at = $2
          where account_id = $1`,
        [accountId, now, purchase.id],
      );
      return { outcome: 'started', purchase };
    });
    if (emails.length > 0) ctx.mailer.sendSoon(emails);
    if (decided.outcome === 'started') {
      metrics.autoRefills.inc({ outcome: 'started' });
      metrics.purchases.inc({ method: 'card', outcome: 'created' });
    }
    return decided;
  } catch (error) {
    // Another process recorded this account's refill first.
    if (
      sqlState(error) === SQLSTATE.uniqueViolation &&
      constraintName(error) === 'purchases_auto_refill_in_flight'
    ) {
      return { outcome: 'in_flight' };
    }
    throw error;
  }
}

/**
 * Charges a recorded automatic purchase off-session. Declines, a removed or expired card and a
 * success are reported by the provider through the settle functions (their hooks update the
 * rule); a payment that waits for authentication is noted here; Stripe not answering leaves it
 * in flight for the provider's convergence job.
 */
export async function chargeRefill(ctx: AppContext, purchase: Purchase): Promise<void> {
  const provider = providerFor(ctx, 'card');
  if (!provider || provider.id !== purchase.provider) {
    ctx.logger.error({ purchaseId: purchase.id }, 'no card provider for an automatic refill');
    return;
  }
  try {
    const started = await provider.startPayment(ctx, {
      purchase,
      cardId: purchase.cardId,
      saveCard: false,
      idempotencyKey: `purchase:${purchase.id}`,
    });
    if (started.providerRef !== null || started.checkoutUrl !== null || started.status !== null) {
      await updatePaymentDetails(ctx, purchase.id, {
        providerRef: started.providerRef,
        checkoutUrl: started.checkoutUrl,
        providerStatus: started.status,
      });
    }
    if (started.status === 'requires_action') await noteAuthenticationRequired(ctx, purchase.id);
  } catch (error) {
    if (error instanceof AppError && error.code === 'payment_failed') return;
    // Stripe did not answer before the charge, or something unexpected: the purchase stays in
    // flight and the card provider's convergence charges it under the same key later.
    ctx.logger.warn(
      { err: error, purchaseId: purchase.id },
      'an automatic refill was not charged yet; later',
    );
  }
}

/** Begins and, if it began, charges. */
export async function startRefill(ctx: AppContext, accountId: string): Promise<StartOutcome> {
  const decided = await beginRefill(ctx, accountId);
  if (decided.outcome === 'started') await chargeRefill(ctx, decided.purchase);
  return decided;
}
