// Invoices and credit notes over HTTP.
//
//   GET  /api/v1/invoices?year=&kind=&status=          the caller's, newest first
//   GET  /api/v1/invoices/{id}                          with its lines (another account's: 404)
//   GET  /api/v1/invoices/{id}/pdf | /ubl | /facturx | /cii
//   POST /api/v1/admin/invoices/run {month}             run a month by hand (idempotent; 409 before it ends)
//   GET  /api/v1/admin/invoices/runs                    every run: started, issued, skipped, failed and why
//   GET  /api/v1/admin/invoices?q=                      every account's, searched by number, account, name, VAT id
//   GET  /api/v1/admin/invoices/{id}  (+ /pdf …)        any one
//   POST /api/v1/admin/invoices/{id}/resend             the delivery e-mail again
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { adminOf, customerOf, requireAdmin, requireCustomer } from '../accounts/index.js';
import type { RouteModule } from '../http/app.js';
import { AppError, notFound } from '../http/errors.js';
import { literals, nullable, strict } from '../http/schemas.js';
import type { AppContext } from '../context.js';
import { invoiceEmail } from './delivery.js';
import { renderCii, renderFacturX, renderInvoicePdf, renderUbl } from './render/index.js';
import { runInvoices } from './run.js';
import { getInvoice, type InvoiceWithLines, listInvoices, listRuns, toDocument } from './store.js';
import {
  INVOICE_KINDS,
  INVOICE_STATUSES,
  InvoiceDetail,
  invoiceDetailView,
  InvoiceSummary,
  invoiceSummaryView,
} from './views.js';

const FORMATS = ['pdf', 'ubl', 'facturx', 'cii'] as const;
type Format = (typeof FORMATS)[number];

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const Filters = {
  year: Type.Optional(Type.Integer({ minimum: 2000, maximum: 9999 })),
  kind: Type.Optional(literals(INVOICE_KINDS)),
  status: Type.Optional(literals(INVOICE_STATUSES)),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 500 })),
};
const Page = Type.Object({ data: Type.Array(InvoiceSummary), nextCursor: nullable(Type.String()) });
const RunBody = Type.Object(
  {
    month: Type.String({
      pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$',
      description: 'YYYY-MM, a month that has ended',
    }),
  },
  strict,
);
const Failure = Type.Object({ accountId: Type.String(), currency: Type.String(), reason: Type.String() });
const RunResponse = Type.Object({
  runId: Type.String(),
  month: Type.String(),
  issued: Type.Integer(),
  creditNotes: Type.Integer(),
  skipped: Type.Integer({ description: 'Accounts invoiced for this month already' }),
  failed: Type.Integer(),
  failures: Type.Array(Failure),
});
const RunView = Type.Object({
  id: Type.String(),
  month: Type.String(),
  trigger: Type.String(),
  startedBy: nullable(Type.String()),
  status: literals(['running', 'completed', 'failed'] as const),
  startedAt: Type.String(),
  finishedAt: nullable(Type.String()),
  issued: Type.Integer(),
  creditNotes: Type.Integer(),
  skipped: Type.Integer(),
  failed: Type.Integer(),
  failures: Type.Array(Failure),
  error: nullable(Type.String()),
});

function detail(found: InvoiceWithLines) {
  return invoiceDetailView(found.invoice, found.lines, found);
}

async function sendDocument(ctx: AppContext, reply: FastifyReply, found: InvoiceWithLines, format: Format) {
  const doc = toDocument(found);
  const name = found.invoice.number;
  let body: Buffer | string;
  let type: string;
  let file: string;
  try {
    switch (format) {
      case 'pdf':
        body = await renderInvoicePdf(doc);
        type = 'application/pdf';
        file = `${name}.pdf`;
        break;
      case 'facturx':
        body = await renderFacturX(doc);
        type = 'application/pdf';
        file = `${name}-facturx.pdf`;
        break;
      case 'ubl':
        body = await renderUbl(doc);
        type = 'application/xml; charset=utf-8';
        file = `${name}-ubl.xml`;
        break;
      case 'cii':
        body = await renderCii(doc);
        type = 'application/xml; charset=utf-8';
        file = `${name}-cii.xml`;
        break;
    }
  } catch (err) {
    ctx.logger.error({ err, invoiceId: found.invoice.id, format }, 'invoice rendering failed');
    throw err;
  }
  return reply
    .header('cache-control', 'private, max-age=300')
    .header('content-type', type)
    .header('content-disposition', `attachment; filename="${file}"`)
    .send(body);
}

export const invoicingRoutes: RouteModule = (app, ctx) => {
  const customer = requireCustomer(ctx);
  const admin = requireAdmin(ctx);
  const customerSecurity: { [scheme: string]: string[] }[] = [{ session: [] }, { apiKey: [] }];
  const adminSecurity: { [scheme: string]: string[] }[] = [{ session: [] }];

  app.get(
    '/api/v1/invoices',
    {
      onRequest: customer,
      schema: {
        tags: ['invoices'],
        summary: 'Invoices and credit notes of the account, newest first',
        security: customerSecurity,
        querystring: Type.Object(Filters),
        response: { 200: Page },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      const { items, nextCursor } = await listInvoices(ctx.db, {
        ...req.query,
        accountId: customerOf(req).accountId,
      });
      return { data: items.map((l) => invoiceSummaryView(l.invoice, l)), nextCursor };
    },
  );

  app.get(
    '/api/v1/invoices/:id',
    {
      onRequest: customer,
      schema: {
        tags: ['invoices'],
        summary: 'One invoice or credit note, with its lines',
        security: customerSecurity,
        params: IdParams,
        response: { 200: InvoiceDetail },
      },
    },
    async (req) => {
      const found = await getInvoice(ctx.db, req.params.id, customerOf(req).accountId);
      if (!found) throw notFound('invoice');
      return detail(found);
    },
  );

  for (const format of FORMATS) {
    const summary = {
      pdf: 'The invoice as a PDF, in the account language',
      ubl: 'The invoice as UBL 2.1 XML (Peppol BIS Billing 3.0, EN 16931)',
      facturx: 'The invoice as Factur-X: PDF/A-3 with the CII XML embedded (EN 16931 profile)',
      cii: 'The invoice as UN/CEFACT CII XML (EN 16931)',
    }[format];
    app.get(
      `/api/v1/invoices/:id/${format}`,
      {
        onRequest: customer,
        schema: { tags: ['invoices'], summary, security: customerSecurity, params: IdParams },
      },
      async (req, reply) => {
        const found = await getInvoice(ctx.db, req.params.id, customerOf(req).accountId);
        if (!found) throw notFound('invoice');
        return sendDocument(ctx, reply, found, format);
      },
    );
    app.get(
      `/api/v1/admin/invoices/:id/${format}`,
      {
        onRequest: admin,
        schema: { tags: ['admin'], summary, security: adminSecurity, params: IdParams },
      },
      async (req, reply) => {
        const found = await getInvoice(ctx.db, req.params.id);
        if (!found) throw notFound('invoice');
        return sendDocument(ctx, reply, found, format);
      },
    );
  }

  app.post(
    '/api/v1/admin/invoices/run',
    {
      onRequest: admin,
      schema: {
        tags: ['admin'],
        summary: 'Issue the invoices of a month that has ended (idempotent: a second run issues nothing new)',
        security: adminSecurity,
        body: RunBody,
        response: { 200: RunResponse },
      },
    },
    async (req) => {
      return runInvoices(ctx, { month: req.body.month, trigger: 'admin', startedBy: adminOf(req).userId });
    },
  );

  app.get(
    '/api/v1/admin/invoices/runs',
    {
      onRequest: admin,
      schema: {
        tags: ['admin'],
        summary: 'Invoice runs, newest first',
        security: adminSecurity,
        querystring: Type.Object({
          month: Type.Optional(Type.String({ pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$' })),
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
        }),
        response: { 200: Type.Object({ data: Type.Array(RunView) }) },
      },
    },
    async (req) => {
      const runs = await listRuns(ctx.db, req.query);
      return {
        data: runs.map((r) => ({
          ...r,
          startedAt: r.startedAt.toISOString(),
          finishedAt: r.finishedAt?.toISOString() ?? null,
        })),
      };
    },
  );

  app.get(
    '/api/v1/admin/invoices',
    {
      onRequest: admin,
      schema: {
        tags: ['admin'],
        summary: 'Invoices and credit notes of every account, newest first',
        security: adminSecurity,
        querystring: Type.Object({
          ...Filters,
          q: Type.Optional(
            Type.String({
              maxLength: 200,
              description: 'A number (or its start), an account id, a name, a VAT id',
            }),
          ),
          accountId: Type.Optional(Type.String({ maxLength: 64 })),
        }),
        response: { 200: Page },
      },
    },
    async (req) => {
      const { items, nextCursor } = await listInvoices(ctx.db, req.query);
      return { data: items.map((l) => invoiceSummaryView(l.invoice, l)), nextCursor };
    },
  );

  app.get(
    '/api/v1/admin/invoices/:id',
    {
      onRequest: admin,
      schema: {
        tags: ['admin'],
        summary: 'Any one invoice or credit note, with its lines',
        security: adminSecurity,
        params: IdParams,
        response: { 200: InvoiceDetail },
      },
    },
    async (req) => {
      const found = await getInvoice(ctx.db, req.params.id);
      if (!found) throw notFound('invoice');
      return detail(found);
    },
  );

  app.post(
    '/api/v1/admin/invoices/:id/resend',
    {
      onRequest: admin,
      schema: {
        tags: ['admin'],
        summary: 'Send the delivery e-mail of an invoice again (to the invoice e-mail it was issued to)',
        security: adminSecurity,
        params: IdParams,
        response: { 202: Type.Object({ emailId: Type.String(), to: Type.String() }) },
      },
    },
    async (req, reply) => {
      const found = await getInvoice(ctx.db, req.params.id);
      if (!found) throw notFound('invoice');
      const mail = invoiceEmail(ctx, found.invoice);
      if (!mail) throw new AppError('conflict', 'This invoice names no e-mail address to send it to');
      const emailId = await ctx.db.transaction((tx) => ctx.mailer.enqueue(tx, mail));
      ctx.mailer.sendSoon([emailId]);
      return reply.code(202).send({ emailId, to: mail.to });
    },
  );
};
