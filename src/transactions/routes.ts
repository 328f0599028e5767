// Transactions and adjustments over HTTP.
//
//   GET  /api/v1/transactions?from=&to=&type=&limit=&cursor=   the caller's posted movements
//        &group=campaign_day                                   consumption folded per campaign and day
//        &campaignId=cmp_…|none                                the movements of one campaign's messages
//   GET  /api/v1/transactions.csv?from=&to=&type=&group=       the same, as a streamed CSV file
//   GET  /api/v1/transactions/{id}                             one of them (another account's: 404)
//   GET  /api/v1/admin/accounts/{id}/transactions              an operator's view of an account's
//   POST /api/v1/admin/accounts/{id}/adjustments               {credits (signed), reason}; Idempotency-Key
import { Type } from '@sinclair/typebox';
import { nullable, strict } from '../http/schemas.js';
import { adminOf, customerOf, requireAdmin, requireCustomer } from '../accounts/index.js';
import type { RouteModule } from '../http/app.js';
import { notFound, validationFailed } from '../http/errors.js';
import { idempotent } from '../http/idempotency.js';
import { AmountError, formatCredits, parseSignedCredits } from '../ledger/amounts.js';
import { TRANSFER_CODES } from '../ledger/types.js';
import { adjustCredits } from './adjustments.js';
import { transactionsCsv } from './csv.js';
import { getTransaction, listTransactions } from './list-transactions.js';

const Filters = {
  from: Type.Optional(Type.String({ maxLength: 40, description: 'Date (inclusive) or date-time, UTC' })),
  to: Type.Optional(
    Type.String({ maxLength: 40, description: 'Date (inclusive) or date-time (exclusive), UTC' }),
  ),
  type: Type.Optional(
    Type.String({ maxLength: 100, description: `One or more of ${TRANSFER_CODES.join(', ')}` }),
  ),
  group: Type.Optional(
    Type.String({
      maxLength: 20,
      description:
        'campaign_day: what messages cost, one row per campaign and day (single sends: per day) with count and total; other movements one row each. Absent: every movement',
    }),
  ),
  campaignId: Type.Optional(
    Type.String({
      maxLength: 64,
      description:
        "Only the movements of this campaign's messages; none: of single sends (a grouped row's detail)",
    }),
  ),
};
const ListQuery = Type.Object({
  ...Filters,
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 40 })),
});
const TransactionResponse = Type.Object({
  id: Type.String(),
  at: Type.String(),
  type: Type.Unsafe<string>({ type: 'string', enum: [...TRANSFER_CODES] }),
  credits: Type.String({ description: 'Signed: negative when credits left the account' }),
  balanceAfter: Type.String(),
  reference: nullable(Type.String()),
  description: nullable(Type.String()),
  count: Type.Integer({ description: 'How many movements the row stands for (1 unless grouped)' }),
  group: nullable(
    Type.Object({
      day: Type.String({ description: "The account's calendar day (its time zone)" }),
      from: Type.String(),
      to: Type.String(),
      count: Type.Integer(),
      campaignId: nullable(Type.String()),
      campaignName: nullable(Type.String()),
    }),
  ),
  purchase: nullable(
    Type.Object({
      id: Type.String(),
      credits: Type.String(),
      pack: Type.Boolean(),
      paymentMethod: Type.Unsafe<string>({ type: 'string', enum: ['card', 'bank_transfer'] }),
      cardLast4: nullable(Type.String()),
      source: nullable(Type.String()),
    }),
  ),
  detail: nullable(Type.String({ description: 'A grouped row: the address of the movements it folds' })),
});
const Page = Type.Object({ data: Type.Array(TransactionResponse), nextCursor: nullable(Type.String()) });
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const AdjustmentBody = Type.Object(
  {
    credits: Type.String({ maxLength: 24, description: 'Signed credits: "500", "-12.5"' }),
    reason: Type.String({ minLength: 1, maxLength: 500 }),
  },
  strict,
);
const AdjustmentResponse = Type.Object({
  id: Type.String(),
  accountId: Type.String(),
  credits: Type.String(),
  reason: Type.String(),
  transactionId: Type.String(),
  createdBy: Type.String(),
  createdAt: Type.String(),
  balance: Type.Object({ credits: Type.String(), held: Type.String(), available: Type.String() }),
});

export const transactionsRoutes: RouteModule = (app, ctx) => {
  const customer = requireCustomer(ctx);
  const admin = requireAdmin(ctx);
  const security: { [scheme: string]: string[] }[] = [{ session: [] }, { apiKey: [] }];

  app.get(
    '/api/v1/transactions',
    {
      onRequest: customer,
      schema: {
        tags: ['transactions'],
        summary:
          'Movements of the balance, newest first, each with the balance after it (holds are not listed)',
        security,
        querystring: ListQuery,
        response: { 200: Page },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return listTransactions(ctx, customerOf(req).accountId, req.query);
    },
  );

  app.get(
    '/api/v1/transactions.csv',
    {
      onRequest: customer,
      schema: {
        tags: ['transactions'],
        summary: 'The transactions as CSV (UTF-8, header row), with the same filters and grouping',
        security,
        querystring: Type.Object(Filters),
      },
    },
    async (req, reply) => {
      const stream = transactionsCsv(ctx, customerOf(req).accountId, req.query);
      const day = ctx.now().toISOString().slice(0, 10);
      const grouped = req.query.group === 'campaign_day' ? '-grouped' : '';
      reply
        .header('cache-control', 'no-store')
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="transactions-${day}${grouped}.csv"`);
      return reply.send(stream);
    },
  );

  app.get(
    '/api/v1/transactions/:id',
    {
      onRequest: customer,
      schema: {
        tags: ['transactions'],
        summary: 'One transaction',
        security,
        params: Type.Object({ id: Type.String({ maxLength: 128 }) }),
        response: { 200: TransactionResponse },
      },
    },
    async (req, reply) => {
      const transaction = await getTransaction(ctx, customerOf(req).accountId, req.params.id);
      if (!transaction) throw notFound('transaction');
      reply.header('cache-control', 'no-store');
      return transaction;
    },
  );

  app.get(
    '/api/v1/admin/accounts/:id/transactions',
    {
      onRequest: admin,
      schema: {
        tags: ['admin'],
        summary: "An account's transactions",
        security: [{ session: [] }],
        params: IdParams,
        querystring: ListQuery,
        response: { 200: Page },
      },
    },
    async (req) => {
      const { rows } = await ctx.db.query('select id from accounts where id = $1', [req.params.id]);
      if (rows.length === 0) throw notFound('account');
      return listTransactions(ctx, req.params.id, req.query);
    },
  );

  app.post(
    '/api/v1/admin/accounts/:id/adjustments',
    {
      onRequest: admin,
      schema: {
        tags: ['admin'],
        summary: 'Add (or, negative, take) credits by hand, with a reason; never below zero available',
        security: [{ session: [] }],
        params: IdParams,
        body: AdjustmentBody,
        response: { 201: AdjustmentResponse },
      },
    },
    idempotent(ctx, { scope: (req) => `admin:${adminOf(req).userId}` }, async (req, reply) => {
      let micros: bigint;
      try {
        micros = parseSignedCredits(req.body.credits);
      } catch (error) {
        if (!(error instanceof AmountError)) throw error;
        throw validationFailed([{ path: 'body.credits', message: error.message }]);
      }
      if (micros === 0n) throw validationFailed([{ path: 'body.credits', message: 'must not be zero' }]);
      const adjustment = await adjustCredits(ctx, req.params.id, {
        micros,
        reason: req.body.reason.trim(),
        createdBy: adminOf(req).userId,
      });
      const balance = await ctx.ledger.balance(adjustment.accountId);
      reply.code(201);
      return {
        id: adjustment.id,
        accountId: adjustment.accountId,
        credits: formatCredits(adjustment.micros),
        reason: adjustment.reason,
        transactionId: adjustment.transferId,
        createdBy: adjustment.createdBy,
        createdAt: adjustment.createdAt.toISOString(),
        balance: {
          credits: formatCredits(balance?.balance ?? 0n),
          held: formatCredits(balance?.held ?? 0n),
          available: formatCredits(balance?.available ?? 0n),
        },
      };
    }),
  );
};
