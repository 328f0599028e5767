// The customer's automatic refill rule. The account always comes from the credentials.
//
//   GET /api/v1/auto-refill   the rule with its state: recharges in the last 30 days, the
//                             purchase in flight, the last attempt, why it is paused, the next
//                             retry, and what one refill costs (a quote)
//   PUT /api/v1/auto-refill   {enabled, thresholdCredits, rechargeCredits, maxRechargesPer30Days,
//                             cardId}; every field checked (400 validation_failed with each
//                             field's path, nothing saved); saving un-pauses the rule, and a rule
//                             switched on at or below its limit starts a refill at once
import { Type } from '@sinclair/typebox';
import { customerOf, getAccount, requireCustomer } from '../accounts/index.js';
import type { AppContext } from '../context.js';
import type { RouteModule } from '../http/app.js';
import { AppError, type FieldProblem, notFound, validationFailed } from '../http/errors.js';
import { literals, nullable, strict } from '../http/schemas.js';
import { AmountError, formatCredits, parseCredits } from '../ledger/amounts.js';
import { ensurePricingSeeded } from '../pricing/store.js';
import { findCard, stripeConfigured } from '../purchases/providers/stripe/index.js';
import { quoteForAccount } from '../purchases/quote.js';
import { MoneySchema, TaxSchema } from '../purchases/views.js';
import { getRule, inFlightOf, PAUSED_REASONS, saveRule, shownPause, windowOf } from './rule.js';
import { refillTrigger } from './trigger.js';

const CreditsField = Type.Union([Type.String({ maxLength: 24 }), Type.Integer()]);

export const RuleBody = Type.Object(
  {
    enabled: Type.Boolean(),
    thresholdCredits: CreditsField,
    rechargeCredits: CreditsField,
    maxRechargesPer30Days: Type.Integer({ minimum: 1, maximum: 31 }),
    cardId: Type.String({ minLength: 1, maxLength: 255, description: 'A saved card (GET /cards)' }),
  },
  strict,
);

export const RuleResponse = Type.Object({
  enabled: Type.Boolean(),
  thresholdCredits: nullable(
    Type.String({ description: 'At or below this available credit a refill starts' }),
  ),
  rechargeCredits: nullable(Type.String({ description: 'Credits each refill buys' })),
  maxRechargesPer30Days: nullable(Type.Integer()),
  cardId: nullable(Type.String()),
  rechargesLast30Days: Type.Integer({ description: 'Automatic purchases credited or in flight in 30 days' }),
  inFlight: nullable(Type.Object({ purchaseId: Type.String() })),
  lastAttempt: nullable(
    Type.Object({
      at: Type.String(),
      outcome: Type.String({
        description: 'started, succeeded, declined, authentication_required, card_removed, card_expired',
      }),
      purchaseId: nullable(Type.String()),
      reason: nullable(Type.String()),
    }),
  ),
  pausedReason: nullable(literals(PAUSED_REASONS)),
  nextRetryAt: nullable(Type.String()),
  quote: nullable(
    Type.Object({ credits: Type.String(), subtotal: MoneySchema, tax: TaxSchema, total: MoneySchema }),
  ),
  /** The link of a payment that waits for the customer's authentication. */
  authenticationUrl: nullable(Type.String()),
});

async function ruleView(ctx: AppContext, accountId: string) {
  const now = ctx.now();
  const [rule, window, inFlight] = await Promise.all([
    getRule(ctx.db, accountId),
    windowOf(ctx.db, accountId, now),
    inFlightOf(ctx.db, accountId),
  ]);
  let quote = null;
  let authenticationUrl: string | null = null;
  if (rule) {
    const account = await getAccount(ctx.db, accountId);
    if (!account) throw notFound('account');
    await ensurePricingSeeded(ctx.db);
    try {
      const priced = await quoteForAccount(ctx, account, { credits: rule.recharge_credits.toString() });
      const { credits, subtotal, tax, total } = priced.quote;
      quote = {
        credits: credits.toString(),
        subtotal: { amount: Number(subtotal.amount), currency: subtotal.currency },
        tax: {
          rate: tax.rate,
          amount: { amount: Number(tax.amount.amount), currency: tax.amount.currency },
          treatment: tax.treatment,
          ...(tax.country ? { country: tax.country } : {}),
          ...(tax.vatId ? { vatId: tax.vatId } : {}),
        },
        total: { amount: Number(total.amount), currency: total.currency },
      };
    } catch (error) {
      // The price list changed under the rule: no quote until it is saved again.
      if (!(error instanceof AppError)) throw error;
    }
  }
  if (inFlight) {
    const { rows } = await ctx.db.query<{ checkout_url: string | null }>(
      `select checkout_url from purchases where id = $1 and provider_status = 'requires_action'`,
      [inFlight],
    );
    authenticationUrl = rows[0]?.checkout_url ?? null;
  }
  return {
    enabled: rule?.enabled ?? false,
    thresholdCredits: rule ? formatCredits(rule.threshold_micros) : null,
    rechargeCredits: rule ? rule.recharge_credits.toString() : null,
    maxRechargesPer30Days: rule?.max_per_30_days ?? null,
    cardId: rule?.card_id ?? null,
    rechargesLast30Days: window.used,
    inFlight: inFlight ? { purchaseId: inFlight } : null,
    lastAttempt:
      rule?.last_attempt_at && rule.last_outcome
        ? {
            at: rule.last_attempt_at.toISOString(),
            outcome: rule.last_outcome,
            purchaseId: rule.last_purchase_id,
            reason: rule.last_reason,
          }
        : null,
    pausedReason: rule ? shownPause(rule, window) : null,
    nextRetryAt: rule?.next_retry_at && !rule.paused_reason ? rule.next_retry_at.toISOString() : null,
    quote,
    authenticationUrl,
  };
}

function credits(value: string | number, path: string, problems: FieldProblem[]): bigint | null {
  try {
    if (typeof value === 'number' && !Number.isSafeInteger(value))
      throw new AmountError('must be a whole number');
    const text = typeof value === 'number' ? String(value) : value.trim();
    if (text.startsWith('-')) throw new AmountError('must be zero or more');
    return parseCredits(text);
  } catch (error) {
    if (!(error instanceof AmountError)) throw error;
    problems.push({ path, message: error.message });
    return null;
  }
}

export const refillRoutes: RouteModule = (app, ctx) => {
  const customer = requireCustomer(ctx);
  const tags = ['auto-refill'];
  const security: { [scheme: string]: string[] }[] = [{ session: [] }, { apiKey: [] }];
  const trigger = refillTrigger(ctx);
  app.addHook('onClose', async () => {
    await trigger.stop();
  });

  app.get(
    '/api/v1/auto-refill',
    {
      onRequest: customer,
      schema: {
        tags,
        summary: 'The automatic refill rule, its state and what one refill costs',
        security,
        response: { 200: RuleResponse },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return ruleView(ctx, customerOf(req).accountId);
    },
  );

  app.put(
    '/api/v1/auto-refill',
    {
      onRequest: customer,
      schema: {
        tags,
        summary:
          'Save the automatic refill rule: when available credit falls to thresholdCredits, buy rechargeCredits ' +
          'with the saved card, at most maxRechargesPer30Days times in any 30 days. Saving un-pauses it.',
        security,
        body: RuleBody,
        response: { 200: RuleResponse },
      },
    },
    async (req, reply) => {
      const { accountId } = customerOf(req);
      const body = req.body;
      const problems: FieldProblem[] = [];
      const threshold = credits(body.thresholdCredits, 'body.thresholdCredits', problems);
      const recharge = credits(body.rechargeCredits, 'body.rechargeCredits', problems);
      const account = await getAccount(ctx.db, accountId);
      if (!account) throw notFound('account');
      if (recharge !== null) {
        if (recharge % 1_000_000n !== 0n || recharge === 0n) {
          problems.push({
            path: 'body.rechargeCredits',
            message: 'must be a whole number of credits above zero',
          });
        } else {
          await ensurePricingSeeded(ctx.db);
          try {
            await quoteForAccount(ctx, account, { credits: (recharge / 1_000_000n).toString() });
          } catch (error) {
            if (!(error instanceof AppError) || error.code !== 'validation_failed') throw error;
            const fields = (error.details as { fields?: FieldProblem[] }).fields ?? [];
            for (const field of fields) {
              problems.push({
                path: field.path === 'body.credits' ? 'body.rechargeCredits' : field.path,
                message: field.message,
              });
            }
          }
        }
      }
      if (!stripeConfigured(ctx)) {
        problems.push({ path: 'body.cardId', message: 'card payments are not configured on this server' });
      } else {
        const card = await findCard(ctx, accountId, body.cardId);
        const now = ctx.now();
        if (!card) problems.push({ path: 'body.cardId', message: 'is not a saved card of this account' });
        else if (card.expYear * 12 + card.expMonth - 1 < now.getUTCFullYear() * 12 + now.getUTCMonth())
          problems.push({ path: 'body.cardId', message: 'this card has expired' });
      }
      if (problems.length > 0 || threshold === null || recharge === null) throw validationFailed(problems);
      await saveRule(
        ctx.db,
        accountId,
        {
          enabled: body.enabled,
          thresholdMicros: threshold,
          rechargeCredits: recharge / 1_000_000n,
          maxPer30Days: body.maxRechargesPer30Days,
          cardId: body.cardId,
        },
        ctx.now(),
      );
      // A rule switched on at or below its limit starts a refill now (after this answer).
      await trigger.refreshAccount(accountId, { look: body.enabled });
      reply.header('cache-control', 'no-store');
      return ruleView(ctx, accountId);
    },
  );
};
