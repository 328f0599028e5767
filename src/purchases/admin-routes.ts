// The operator's purchase desk.
//
//   GET  /api/v1/admin/purchases                          ?accountId= &status= &paymentMethod=
//   GET  /api/v1/admin/purchases/{id}                     with its refunds
//   POST /api/v1/admin/purchases/{id}/mark-paid           {paidAt, bankReference}: a bank transfer by hand
//   POST /api/v1/admin/purchases/{id}/refund              {credits?}: unused credits only; Idempotency-Key
//   POST /api/v1/admin/bank-statements                    camt.053 (multipart "file", or an XML body)
//   GET  /api/v1/admin/bank-statements/unmatched          ?status=open|resolved|all
//   POST /api/v1/admin/bank-statements/unmatched/{id}/resolve  {note}
//   POST /api/v1/admin/bank-statements/unmatched/{id}/attach   {purchaseId, note?}: credits that order once
import { Type } from '@sinclair/typebox';
import { literals, strict } from '../http/schemas.js';
import { adminOf, requireAdmin } from '../accounts/index.js';
import type { App, RouteModule } from '../http/app.js';
import { notFound, validationFailed } from '../http/errors.js';
import { idempotent } from '../http/idempotency.js';
import { invoiceIdsOfPurchases } from '../invoicing/store.js';
import { acceptUploads, uploadBodyLimit, uploadedFile } from '../http/uploads.js';
import { AmountError, parseCredits } from '../ledger/amounts.js';
import { importStatement, STATEMENT_LIMIT_BYTES } from './providers/bank-transfer/import-statement.js';
import { markPaidByOperator } from './providers/bank-transfer/mark-paid.js';
import { attachEntry } from './providers/bank-transfer/attach-entry.js';
import { listUnmatchedEntries, resolveEntry } from './providers/bank-transfer/unmatched.js';
import {
  getPurchase,
  listPurchases,
  PAYMENT_METHODS,
  PURCHASE_STATUSES,
  refundedMicros,
} from './purchase.js';
import { refundPurchase, refundsOf } from './refund-purchase.js';
import {
  AdminPurchaseResponse,
  adminPurchaseView,
  ImportResponse,
  importView,
  pageOf,
  PurchaseResponse,
  purchaseView,
  RefundResponse,
  refundView,
  StatementEntryResponse,
  statementEntryView,
} from './views.js';

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

const MarkPaidBody = Type.Object(
  {
    paidAt: Type.String({ format: 'date-time', description: 'When the money arrived' }),
    bankReference: Type.String({
      minLength: 1,
      maxLength: 140,
      description: "The bank's reference of the transfer",
    }),
  },
  strict,
);
const RefundBody = Type.Union([
  Type.Object(
    {
      credits: Type.Optional(
        Type.String({ maxLength: 24, description: 'Default: all that is left of the purchase' }),
      ),
    },
    strict,
  ),
  Type.Null(),
]);
const ResolveBody = Type.Object({ note: Type.String({ minLength: 1, maxLength: 1000 }) }, strict);
const AttachBody = Type.Object(
  {
    purchaseId: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'The bank-transfer order the entry pays',
    }),
    note: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  strict,
);

export const adminPurchaseRoutes: RouteModule = async (app, ctx) => {
  const admin = requireAdmin(ctx);
  const tags = ['admin'];
  const security: { [scheme: string]: string[] }[] = [{ session: [] }];

  app.get(
    '/api/v1/admin/purchases',
    {
      onRequest: admin,
      schema: {
        tags,
        summary: 'Purchases of every account, newest first',
        security,
        querystring: Type.Object({
          accountId: Type.Optional(Type.String({ maxLength: 64 })),
          status: Type.Optional(literals(PURCHASE_STATUSES)),
          paymentMethod: Type.Optional(literals(PAYMENT_METHODS)),
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
          cursor: Type.Optional(Type.String({ maxLength: 500 })),
        }),
        response: {
          200: pageOf(Type.Intersect([PurchaseResponse, Type.Object({ accountId: Type.String() })])),
        },
      },
    },
    async (req) => {
      const { purchases, nextCursor } = await listPurchases(ctx.db, req.query);
      const refunded = await refundedMicros(
        ctx.db,
        purchases.map((p) => p.id),
      );
      const invoices = await invoiceIdsOfPurchases(
        ctx.db,
        purchases.map((p) => p.id),
      );
      return {
        data: purchases.map((p) => ({
          ...purchaseView(p, refunded.get(p.id), invoices.get(p.id) ?? null),
          accountId: p.accountId,
        })),
        nextCursor,
      };
    },
  );

  app.get(
    '/api/v1/admin/purchases/:id',
    {
      onRequest: admin,
      schema: {
        tags,
        summary: 'One purchase, with its refunds',
        security,
        params: IdParams,
        response: { 200: AdminPurchaseResponse },
      },
    },
    async (req) => {
      const purchase = await getPurchase(ctx.db, req.params.id);
      if (!purchase) throw notFound('purchase');
      const invoices = await invoiceIdsOfPurchases(ctx.db, [purchase.id]);
      return adminPurchaseView(
        purchase,
        await refundsOf(ctx, purchase.id),
        invoices.get(purchase.id) ?? null,
      );
    },
  );

  app.post(
    '/api/v1/admin/purchases/:id/mark-paid',
    {
      onRequest: admin,
      schema: {
        tags,
        summary: 'A bank transfer arrived: credit its purchase (once; a second call is 409)',
        security,
        params: IdParams,
        body: MarkPaidBody,
        response: { 200: AdminPurchaseResponse },
      },
    },
    async (req) => {
      const purchase = await markPaidByOperator(ctx, req.params.id, {
        paidAt: new Date(req.body.paidAt),
        bankReference: req.body.bankReference.trim(),
      });
      const invoices = await invoiceIdsOfPurchases(ctx.db, [purchase.id]);
      return adminPurchaseView(
        purchase,
        await refundsOf(ctx, purchase.id),
        invoices.get(purchase.id) ?? null,
      );
    },
  );

  app.post(
    '/api/v1/admin/purchases/:id/refund',
    {
      onRequest: admin,
      schema: {
        tags,
        summary: 'Refund unused credits of a purchase (all that is left by default); Idempotency-Key',
        security,
        params: IdParams,
        body: RefundBody,
        response: { 201: RefundResponse },
      },
    },
    idempotent(ctx, { scope: (req) => `admin:${adminOf(req).userId}` }, async (req, reply) => {
      let micros: bigint | undefined;
      const given = req.body?.credits;
      if (given !== undefined) {
        try {
          micros = parseCredits(given);
        } catch (error) {
          if (!(error instanceof AmountError)) throw error;
          throw validationFailed([{ path: 'body.credits', message: error.message }]);
        }
        if (micros <= 0n)
          throw validationFailed([{ path: 'body.credits', message: 'must be greater than zero' }]);
      }
      const refund = await refundPurchase(ctx, req.params.id, micros, adminOf(req).userId);
      reply.code(201);
      return refundView(refund);
    }),
  );

  app.get(
    '/api/v1/admin/bank-statements/unmatched',
    {
      onRequest: admin,
      schema: {
        tags,
        summary: 'Statement entries that paid nothing, for a person to decide (open ones by default)',
        security,
        querystring: Type.Object({
          status: Type.Union([literals(['open', 'resolved', 'all'] as const)], { default: 'open' }),
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
          cursor: Type.Optional(Type.String({ maxLength: 500 })),
        }),
        response: { 200: pageOf(StatementEntryResponse) },
      },
    },
    async (req) => {
      const { entries, nextCursor } = await listUnmatchedEntries(ctx, req.query);
      return { data: entries.map(statementEntryView), nextCursor };
    },
  );

  app.post(
    '/api/v1/admin/bank-statements/unmatched/:id/resolve',
    {
      onRequest: admin,
      schema: {
        tags,
        summary: 'Mark an unmatched statement entry as dealt with',
        security,
        params: IdParams,
        body: ResolveBody,
        response: { 200: StatementEntryResponse },
      },
    },
    async (req) =>
      statementEntryView(
        await resolveEntry(ctx, req.params.id, { note: req.body.note, resolvedBy: adminOf(req).userId }),
      ),
  );

  app.post(
    '/api/v1/admin/bank-statements/unmatched/:id/attach',
    {
      onRequest: admin,
      schema: {
        tags,
        summary:
          'Attach an open unmatched entry to the bank-transfer order it pays: the order is credited (once; a second ' +
          'attach, of this entry or to a credited order, is 409) and the entry resolved. The entry must be booked ' +
          'money coming in for exactly the order’s total.',
        security,
        params: IdParams,
        body: AttachBody,
        response: {
          200: Type.Object({ entry: StatementEntryResponse, purchase: AdminPurchaseResponse }),
        },
      },
    },
    async (req) => {
      const { entry, purchase } = await attachEntry(ctx, req.params.id, {
        purchaseId: req.body.purchaseId.trim(),
        note: req.body.note?.trim() || null,
        attachedBy: adminOf(req).userId,
      });
      const invoices = await invoiceIdsOfPurchases(ctx.db, [purchase.id]);
      return {
        entry: statementEntryView(entry),
        purchase: adminPurchaseView(
          purchase,
          await refundsOf(ctx, purchase.id),
          invoices.get(purchase.id) ?? null,
        ),
      };
    },
  );

  await app.register(async (scope: App) => {
    acceptUploads(scope, {
      types: ['application/xml', 'text/xml', 'application/octet-stream'],
      limitBytes: STATEMENT_LIMIT_BYTES,
    });
    scope.post(
      '/api/v1/admin/bank-statements',
      {
        onRequest: admin,
        bodyLimit: uploadBodyLimit(STATEMENT_LIMIT_BYTES),
        schema: {
          tags,
          summary:
            'Import a camt.053 statement (multipart "file", or the XML as the body; at most 20 MB). Booked credits ' +
            'matching a purchase by RF reference, amount and currency credit it; the rest is listed as unmatched.',
          security,
          response: { 200: ImportResponse },
        },
      },
      async (req) => {
        const file = uploadedFile(req, STATEMENT_LIMIT_BYTES);
        return importView(await importStatement(ctx, file.data, { importedBy: adminOf(req).userId }));
      },
    );
  });
};
