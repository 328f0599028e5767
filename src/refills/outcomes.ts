// What an automatic refill's outcome does to its rule, written in the transaction of the
// outcome itself (the settle hooks of the purchase core, or the rule's own lock), with the
// customer's e-mail (mail outbox) and webhook event (account events):
//
//   credited                  -> declines forgotten, a wait for authentication ended; "succeeded",
//                                which is the purchase's receipt too (the core writes none)
//   declined (may be retried) -> declines + 1, next try after AUTO_REFILL_RETRY_DELAYS; "declined"
//   the MAX_FAILURES-th decline, or one the issuer says never to retry
//                             -> paused card_declined (card_expired for an expired card); "paused"
//   the card removed / expired -> paused card_removed / card_expired; "paused"
//   needs authentication      -> paused authentication_required while the payment waits, once
//                                per purchase; "needs authentication" with the link
//   cap reached               -> nothing charged; "cap reached" once per window
//
// Each e-mail is one per event, so a decline that pauses the rule sends the "paused" e-mail
// alone (it says why).
import { getAccount } from '../accounts/index.js';
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/types.js';
import { formatCredits, MICROS_PER_CREDIT } from '../ledger/amounts.js';
import { metrics } from '../metrics.js';
import { creditsText, LOCALES } from '../notifications/templates-money.js';
import { enqueueAccountEvent } from '../messaging/webhooks/index.js';
import type { Language } from '../notifications/templates.js';
import { formatMoney } from '../pricing/money.js';
import { getPurchase, type Purchase, receiptValues } from '../purchases/index.js';
import type { CreditedMail } from '../purchases/settle-hooks.js';
import {
  refillCapReached,
  refillDeclined,
  refillNeedsAuthentication,
  refillPaused,
  refillSucceeded,
} from './emails.js';
import { getRule, type PausedReason, type RuleRow, type Window, windowFreesAt } from './rule.js';

/** Decline codes after which the issuer says not to try the card again. */
export const DO_NOT_RETRY: ReadonlySet<string> = new Set([
  'do_not_honor',
  'do_not_try_again',
  'lost_card',
  'stolen_card',
  'pickup_card',
  'restricted_card',
  'fraudulent',
  'security_violation',
  'revocation_of_authorization',
  'revocation_of_all_authorizations',
  'stop_payment_order',
  'invalid_account',
  'incorrect_number',
  'invalid_number',
  'card_not_supported',
  'transaction_not_allowed',
  'new_account_information_available',
  'expired_card',
]);

export function rulesUrl(ctx: AppContext): string {
  return `${ctx.config.publicUrl}/refills`;
}

interface Recipient {
  to: string;
  name: string | null;
  language: Language;
  timezone: string;
}

async function recipientOf(tx: Queryable, accountId: string): Promise<Recipient | null> {
  const account = await getAccount(tx, accountId);
  if (!account) return null;
  return {
    to: account.owner.email,
    name: account.owner.name || null,
    language: account.preferences.language,
    timezone: account.preferences.timezone,
  };
}

/** A moment in the account's time zone, named ("7 December 2026 at 18:00 CET"). */
function dateText(date: Date, who: { language: Language; timezone: string }): string {
  const format = (timeZone: string) =>
    new Intl.DateTimeFormat(LOCALES[who.language], {
      dateStyle: 'long',
      timeStyle: 'short',
      timeZone,
    }).format(date);
  const zone = (timeZone: string) =>
    new Intl.DateTimeFormat(LOCALES[who.language], { timeZone, timeZoneName: 'short' })
      .formatToParts(date)
      .find((p) => p.type === 'timeZoneName')?.value;
  try {
    return `${format(who.timezone)} ${zone(who.timezone) ?? ''}`.trim();
  } catch {
    return `${format('UTC')} UTC`;
  }
}

function totalText(purchase: Purchase, language: Language): string {
  return formatMoney({ amount: purchase.total, currency: purchase.currency }, LOCALES[language]);
}

/** Whole credits as every money e-mail writes them ("1,000" / "1.000"). */
function wholeCreditsText(credits: bigint, language: Language): string {
  return creditsText(credits * MICROS_PER_CREDIT, language);
}

/** The wait after the n-th decline in a row. */
export function retryDelayMs(ctx: AppContext, failures: number): number {
  const delays = ctx.config.refills.retryDelaysMs;
  return delays[Math.min(Math.max(failures, 1), delays.length) - 1] ?? 3_600_000;
}

/** What a failure reason does to the rule: a pause (and which), or a retry later. */
export function failureEffect(
  ctx: AppContext,
  reason: string,
  failuresBefore: number,
): { pause: PausedReason | null; failures: number } {
  if (reason === 'card_removed') return { pause: 'card_removed', failures: failuresBefore + 1 };
  if (reason === 'expired_card') return { pause: 'card_expired', failures: failuresBefore + 1 };
  if (DO_NOT_RETRY.has(reason)) return { pause: 'card_declined', failures: failuresBefore + 1 };
  const failures = failuresBefore + 1;
  return { pause: failures >= ctx.config.refills.maxFailures ? 'card_declined' : null, failures };
}

/**
 * Settle hook: automatic purchases among these are being credited (in the crediting
 * transaction, just before the ledger transfer). The "succeeded" e-mail is each one's receipt:
 * the purchase core writes no receipt of its own for the purchases named in `receipted`.
 */
export async function onRefillsCredited(
  ctx: AppContext,
  tx: Queryable,
  purchaseIds: readonly string[],
): Promise<CreditedMail> {
  const { rows } = await tx.query<{ id: string }>(
    `select id from purchases where id = any($1::text[]) and source = 'auto_refill'`,
    [purchaseIds],
  );
  const emails: string[] = [];
  const receipted: string[] = [];
  for (const { id } of rows) {
    const purchase = await getPurchase(tx, id);
    if (!purchase) continue;
    const rule = await getRule(tx, purchase.accountId, { forUpdate: true });
    const now = ctx.now();
    if (rule) {
      await tx.query(
        `update auto_refill_rules
            set consecutive_failures = 0, next_retry_at = null,
                paused_reason = case when paused_reason = 'authentication_required' then null else paused_reason end,
                last_attempt_at = $2, last_outcome = 'succeeded', last_purchase_id = $3, last_reason = null,
                updated_at = $2
          where account_id = $1`,
        [purchase.accountId, now, purchase.id],
      );
    }
    const who = await recipientOf(tx, purchase.accountId);
    // Written before the credit itself (settle.ts): the balance it will leave.
    const before = await ctx.ledger.balance(purchase.accountId, tx);
    const credited = purchase.credits * MICROS_PER_CREDIT;
    const balance = before && { balance: before.balance + credited, available: before.available + credited };
    if (who) {
      const receipt = receiptValues(ctx, purchase, {
        name: who.name,
        language: who.language,
        timezone: who.timezone,
        availableMicros: balance?.available ?? 0n,
      });
      const mail = refillSucceeded(who.language, {
        ...receipt,
        rulesUrl: rulesUrl(ctx),
        balance: creditsText(balance?.balance ?? 0n, who.language),
      });
      emails.push(await ctx.mailer.enqueue(tx, { ...mail, template: 'auto_refill_succeeded', to: who.to }));
      receipted.push(purchase.id);
    }
    await enqueueAccountEvent(
      tx,
      purchase.accountId,
      'auto_refill.succeeded',
      {
        purchaseId: purchase.id,
        credits: purchase.credits.toString(),
        total: { amount: Number(purchase.total), currency: purchase.currency },
        balance: formatCredits(balance?.balance ?? 0n),
      },
      now,
    );
    metrics.autoRefills.inc({ outcome: 'succeeded' });
  }
  return { emails, receipted };
}

/** Settle hook: an automatic purchase failed (in the failing transaction). */
export async function onRefillFailed(ctx: AppContext, tx: Queryable, purchase: Purchase): Promise<string[]> {
  if (purchase.source !== 'auto_refill') return [];
  const rule = await getRule(tx, purchase.accountId, { forUpdate: true });
  if (!rule) return [];
  const reason = purchase.failureReason ?? 'payment_failed';
  const now = ctx.now();
  const effect = failureEffect(ctx, reason, rule.consecutive_failures);
  // A wait for authentication ends with this purchase either way.
  const keptPause =
    rule.paused_reason === 'authentication_required' && rule.auth_notified_purchase_id === purchase.id
      ? null
      : rule.paused_reason;
  const pause = effect.pause ?? keptPause;
  const nextRetryAt = effect.pause ? null : new Date(now.getTime() + retryDelayMs(ctx, effect.failures));
  const outcome =
    reason === 'card_removed' ? 'card_removed' : reason === 'expired_card' ? 'card_expired' : 'declined';
  await tx.query(
    `update auto_refill_rules
        set consecutive_failures = $2, next_retry_at = $3, paused_reason = $4,
            last_attempt_at = $5, last_outcome = $6, last_purchase_id = $7, last_reason = $8, updated_at = $5
      where account_id = $1`,
    [purchase.accountId, effect.failures, nextRetryAt, pause, now, outcome, purchase.id, reason],
  );
  const who = await recipientOf(tx, purchase.accountId);
  const emails: string[] = [];
  const base = { name: who?.name ?? null, rulesUrl: rulesUrl(ctx) };
  await enqueueAccountEvent(
    tx,
    purchase.accountId,
    'auto_refill.failed',
    {
      purchaseId: purchase.id,
      reason,
      nextRetryAt: nextRetryAt?.toISOString() ?? null,
    },
    now,
  );
  if (effect.pause) {
    if (who) {
      const mail = refillPaused(who.language, { ...base, reason: effect.pause, detail: reason });
      emails.push(await ctx.mailer.enqueue(tx, { ...mail, template: 'auto_refill_paused', to: who.to }));
    }
    await enqueueAccountEvent(
      tx,
      purchase.accountId,
      'auto_refill.paused',
      {
        reason: effect.pause,
        purchaseId: purchase.id,
        detail: reason,
      },
      now,
    );
    metrics.autoRefills.inc({ outcome: 'paused' });
  } else if (who && nextRetryAt) {
    const mail = refillDeclined(who.language, {
      ...base,
      credits: wholeCreditsText(purchase.credits, who.language),
      total: totalText(purchase, who.language),
      reason,
      retryAt: dateText(nextRetryAt, who),
    });
    emails.push(await ctx.mailer.enqueue(tx, { ...mail, template: 'auto_refill_declined', to: who.to }));
  }
  metrics.autoRefills.inc({ outcome: 'declined' });
  return emails;
}

/**
 * The automatic purchase waits for the customer to authenticate: the rule waits too, and the
 * customer is e-mailed the link once for this purchase. Safe to call again (the sweep does).
 */
export async function noteAuthenticationRequired(ctx: AppContext, purchaseId: string): Promise<boolean> {
  const emails = await ctx.db.transaction(async (tx) => {
    const purchase = await getPurchase(tx, purchaseId);
    if (
      purchase?.source !== 'auto_refill' ||
      purchase.status !== 'awaiting_payment' ||
      purchase.providerStatus !== 'requires_action' ||
      !purchase.checkoutUrl
    ) {
      return null;
    }
    const rule = await getRule(tx, purchase.accountId, { forUpdate: true });
    if (!rule || rule.auth_notified_purchase_id === purchase.id) return null;
    const now = ctx.now();
    await tx.query(
      `update auto_refill_rules
          set paused_reason = 'authentication_required', auth_notified_purchase_id = $2,
              last_attempt_at = $3, last_outcome = 'authentication_required', last_purchase_id = $2,
              last_reason = 'authentication_required', updated_at = $3
        where account_id = $1`,
      [purchase.accountId, purchase.id, now],
    );
    const who = await recipientOf(tx, purchase.accountId);
    const ids: string[] = [];
    if (who) {
      const mail = refillNeedsAuthentication(who.language, {
        name: who.name,
        rulesUrl: rulesUrl(ctx),
        credits: wholeCreditsText(purchase.credits, who.language),
        total: totalText(purchase, who.language),
        link: purchase.checkoutUrl,
      });
      ids.push(
        await ctx.mailer.enqueue(tx, {
          ...mail,
          template: 'auto_refill_authentication_required',
          to: who.to,
        }),
      );
    }
    await enqueueAccountEvent(
      tx,
      purchase.accountId,
      'auto_refill.failed',
      {
        purchaseId: purchase.id,
        reason: 'authentication_required',
        actionUrl: purchase.checkoutUrl,
        nextRetryAt: null,
      },
      now,
    );
    return ids;
  });
  if (emails === null) return false;
  metrics.autoRefills.inc({ outcome: 'authentication_required' });
  ctx.mailer.sendSoon(emails);
  return true;
}

/**
 * The cap stops a refill: the customer hears it once per window (no e-mail since the newest
 * purchase the window counts). Runs under the rule's lock; returns the e-mails to send.
 */
export async function noteCapReached(
  ctx: AppContext,
  tx: Queryable,
  rule: RuleRow,
  window: Window,
): Promise<string[]> {
  if (rule.cap_notified_at && window.newest && rule.cap_notified_at >= window.newest) return [];
  const now = ctx.now();
  await tx.query('update auto_refill_rules set cap_notified_at = $2 where account_id = $1', [
    rule.account_id,
    now,
  ]);
  const who = await recipientOf(tx, rule.account_id);
  const emails: string[] = [];
  const freesAt = windowFreesAt(window) ?? now;
  if (who) {
    const mail = refillCapReached(who.language, {
      name: who.name,
      rulesUrl: rulesUrl(ctx),
      maximum: rule.max_per_30_days,
      freesAt: dateText(freesAt, who),
    });
    emails.push(await ctx.mailer.enqueue(tx, { ...mail, template: 'auto_refill_cap_reached', to: who.to }));
  }
  await enqueueAccountEvent(
    tx,
    rule.account_id,
    'auto_refill.paused',
    {
      reason: 'cap_reached',
      maxRechargesPer30Days: rule.max_per_30_days,
      freesAt: freesAt.toISOString(),
    },
    now,
  );
  metrics.autoRefills.inc({ outcome: 'cap_reached' });
  return emails;
}
