// The operator's view of VAT evidence: purchases whose billing country and verified mobile's
// country disagree, and those whose VAT id VIES refuted or could not check.
//
//   GET /api/v1/admin/vat-evidence   ?disagreement=true &vies=invalid|unavailable|valid &treatment= &accountId=
import { Type } from '@sinclair/typebox';
import { requireAdmin } from '../../accounts/index.js';
import type { Queryable } from '../../db/types.js';
import type { RouteModule } from '../../http/app.js';
import { decodeCursor, encodeCursor } from '../../http/pagination.js';
import { literals, nullable } from '../../http/schemas.js';
import { TAX_TREATMENTS, type TaxTreatment, type ViesVerdict } from '../../pricing/tax.js';
import { type PurchaseRow, toPurchase } from '../purchase.js';
import { pageOf, PurchaseResponse, purchaseView, VatEvidenceSchema, vatEvidenceView } from '../views.js';

const VIES_VERDICTS = ['valid', 'invalid', 'unavailable'] as const;

const Query = Type.Object({
  disagreement: Type.Optional(
    Type.Boolean({ description: 'true: only purchases whose billing and mobile countries disagree' }),
  ),
  vies: Type.Optional(literals(VIES_VERDICTS)),
  treatment: Type.Optional(literals(TAX_TREATMENTS)),
  accountId: Type.Optional(Type.String({ maxLength: 64 })),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 500 })),
});

export interface VatEvidenceFilter {
  disagreement?: boolean;
  vies?: ViesVerdict;
  treatment?: TaxTreatment;
  accountId?: string;
  limit: number;
  cursor?: string;
}

/** Purchases by their VAT evidence, newest first. */
export async function listVatEvidence(q: Queryable, filter: VatEvidenceFilter) {
  const params: unknown[] = [];
  const where: string[] = [];
  const add = (clause: string, value: unknown) => {
    params.push(value);
    where.push(clause.replaceAll('?', `$${params.length}`));
  };
  if (filter.disagreement !== undefined) add('vat_evidence_disagrees = ?', filter.disagreement);
  if (filter.vies !== undefined) add('vies_status = ?', filter.vies);
  if (filter.treatment !== undefined) add('tax_treatment = ?', filter.treatment);
  if (filter.accountId !== undefined) add('account_id = ?', filter.accountId);
  const cursor = decodeCursor(filter.cursor);
  if (cursor) {
    params.push(cursor.at, cursor.id);
    where.push(`(created_at, id) < ($${params.length - 1}, $${params.length})`);
  }
  params.push(filter.limit + 1);
  const { rows } = await q.query<PurchaseRow>(
    `select * from purchases ${where.length ? `where ${where.join(' and ')}` : ''}
      order by created_at desc, id desc limit $${params.length}`,
    params,
  );
  const page = rows.slice(0, filter.limit).map(toPurchase);
  const last = page[page.length - 1];
  return {
    data: page.map((purchase) => ({
      ...purchaseView(purchase),
      purchaseId: purchase.id,
      accountId: purchase.accountId,
      billingCountry: purchase.vat.billingCountry,
      mobileCountry: purchase.vat.mobileCountry,
      disagreement: purchase.vat.disagrees,
      vatEvidence: vatEvidenceView(purchase),
    })),
    nextCursor: rows.length > filter.limit && last ? encodeCursor(last.createdAt, last.id) : null,
  };
}

export const vatEvidenceRoutes: RouteModule = async (app, ctx) => {
  app.get(
    '/api/v1/admin/vat-evidence',
    {
      onRequest: requireAdmin(ctx),
      schema: {
        tags: ['admin'],
        summary: 'Purchases by their VAT evidence: disagreeing countries, VIES answers',
        description:
          'Each purchase with the country of its billing address and of its verified mobile number, ' +
          'whether they disagree, and what VIES answered about its VAT id (with the consultation number).',
        security: [{ session: [] }],
        querystring: Query,
        response: {
          200: pageOf(
            Type.Intersect([
              PurchaseResponse,
              Type.Object({
                purchaseId: Type.String({ description: 'The purchase (the same as id)' }),
                accountId: Type.String(),
                billingCountry: nullable(Type.String({ description: 'As in vatEvidence, for short lists' })),
                mobileCountry: nullable(Type.String({ description: 'As in vatEvidence, for short lists' })),
                disagreement: Type.Boolean(),
                vatEvidence: VatEvidenceSchema,
              }),
            ]),
          ),
        },
      },
    },
    async (req) => listVatEvidence(ctx.db, req.query),
  );
};
