// The pricing room's HTTP routes: the price list and the packs anyone may read, and the
// operator's replacements of both. (The quote, which needs the caller's billing data, is a
// purchase question and lives in src/purchases.) May import http/, accounts/ (auth), and this
// room's store; like store.ts it is outside the room's pure core.
//
//   GET /api/v1/pricing/destinations            public: [{country, prefix?, creditsPerSegment}]
//   GET /api/v1/pricing/packs?currency=EUR      public; without ?currency a customer's preference
//   PUT /api/v1/admin/pricing/destinations      JSON list, text/csv body, or multipart "file"
//   GET /api/v1/admin/pricing/destinations.csv  the list as the CSV the PUT accepts
//   PUT /api/v1/admin/pricing/packs             one currency's table, validated (gaps, overlaps…)
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { strict } from '../http/schemas.js';
import type { FastifyRequest } from 'fastify';
import { authenticate, getAccount, requireAdmin } from '../accounts/index.js';
import type { AppContext } from '../context.js';
import type { App, RouteModule } from '../http/app.js';
import { AppError, type FieldProblem, validationFailed } from '../http/errors.js';
import { acceptUploads, MB, uploadBodyLimit, uploadedFile } from '../http/uploads.js';
import { fieldProblems, validatorCompiler } from '../http/validation.js';
import { AmountError } from '../ledger/amounts.js';
import { parseDestinationCsv, serializeDestinationCsv } from './destinations-csv.js';
import {
  type DestinationPrice,
  type PriceListError,
  toDestinationPrice,
  validateDestinationPrices,
} from './destinations.js';
import { CURRENCIES, type Currency } from './money.js';
import { destinationIndex, priceTables, replaceDestinations, replacePriceTable } from './store.js';
import { type PriceTable, parseWholeCredits, priceTableToJson, validatePriceTable } from './tiers.js';

const PRICE_LIST_LIMIT = 5 * MB;
const CurrencySchema = Type.Unsafe<Currency>({ type: 'string', enum: [...CURRENCIES] });
const Money = Type.Object({ amount: Type.Integer(), currency: CurrencySchema });
/** Whole credits as the API writes them ("5000"), or as a JSON integer. */
const WholeCredits = Type.Union([Type.String({ maxLength: 20 }), Type.Integer({ minimum: 0 })]);

export const DestinationPriceSchema = Type.Object(
  {
    country: Type.String({ maxLength: 3, description: 'ISO 3166-1 alpha-2' }),
    prefix: Type.Optional(Type.String({ maxLength: 16, description: 'E.164 prefix of that country' })),
    creditsPerSegment: Type.String({ maxLength: 24, description: 'Decimal credits, e.g. "1.2"' }),
  },
  strict,
);
const DestinationList = Type.Array(DestinationPriceSchema, { maxItems: 100_000 });
const DestinationBody = Type.Union([DestinationList, Type.Object({ destinations: DestinationList }, strict)]);

const PackTable = Type.Object({
  currency: CurrencySchema,
  packs: Type.Array(Type.Object({ id: Type.String(), credits: Type.String(), price: Money })),
  tiers: Type.Array(Type.Object({ fromCredits: Type.String(), unitPrice: Type.String() })),
  minCredits: Type.String(),
  maxCredits: Type.String(),
});

export const PackTableBody = Type.Object(
  {
    currency: CurrencySchema,
    packs: Type.Array(
      Type.Object(
        {
          id: Type.String({ maxLength: 64 }),
          credits: WholeCredits,
          price: Type.Union([Money, Type.Integer()], { description: 'Minor units, or {amount, currency}' }),
        },
        strict,
      ),
      { maxItems: 100 },
    ),
    tiers: Type.Array(
      Type.Object(
        {
          fromCredits: WholeCredits,
          unitPrice: Type.String({ maxLength: 24, description: 'Minor units per credit, e.g. "4.5"' }),
        },
        strict,
      ),
      { maxItems: 100 },
    ),
    minCredits: WholeCredits,
    maxCredits: WholeCredits,
  },
  strict,
);

const ReplacedList = Type.Object({ count: Type.Integer(), destinations: DestinationList });

function packTableJson(table: PriceTable) {
  const json = priceTableToJson(table);
  return { ...json, packs: [...json.packs], tiers: [...json.tiers] };
}

function compileBody<T extends TSchema>(schema: T): (value: unknown) => Static<T> {
  const validate = validatorCompiler({ schema, httpPart: 'body' });
  return (value) => {
    if (!validate(value)) throw validationFailed(fieldProblems(validate.errors ?? [], 'body'));
    return value as Static<T>;
  };
}

function priceListFailed(errors: readonly PriceListError[], source: 'csv' | 'json'): never {
  const fields: FieldProblem[] = errors.map((error) => ({
    path: source === 'csv' ? `line ${error.row}` : `body.${Math.max(error.row - 1, 0)}`,
    message: error.message,
  }));
  throw new AppError(
    'validation_failed',
    source === 'csv'
      ? 'The price list CSV has errors; nothing was changed'
      : 'The price list has errors; nothing was changed',
    { fields, rows: errors },
  );
}

/** The currency a request means: ?currency=, else the calling customer's preference, else EUR. */
async function currencyFor(ctx: AppContext, req: FastifyRequest, given: Currency | undefined) {
  if (given) return given;
  const auth = await authenticate(ctx, req);
  if (auth?.accountId) {
    const account = await getAccount(ctx.db, auth.accountId);
    if (account) return account.preferences.currency;
  }
  return 'EUR' satisfies Currency;
}

function wholeCredits(value: string | number, path: string, problems: FieldProblem[]): bigint {
  try {
    return parseWholeCredits(typeof value === 'number' ? String(value) : value);
  } catch (error) {
    if (!(error instanceof AmountError)) throw error;
    problems.push({ path, message: error.message });
    return 0n;
  }
}

function toPriceTable(body: Static<typeof PackTableBody>): PriceTable {
  const problems: FieldProblem[] = [];
  const table: PriceTable = {
    currency: body.currency,
    minCredits: wholeCredits(body.minCredits, 'body.minCredits', problems),
    maxCredits: wholeCredits(body.maxCredits, 'body.maxCredits', problems),
    tiers: body.tiers.map((tier, i) => ({
      fromCredits: wholeCredits(tier.fromCredits, `body.tiers.${i}.fromCredits`, problems),
      unitPrice: tier.unitPrice,
    })),
    packs: body.packs.map((pack, i) => {
      if (typeof pack.price === 'object' && pack.price.currency !== body.currency) {
        problems.push({ path: `body.packs.${i}.price.currency`, message: `must be ${body.currency}` });
      }
      return {
        id: pack.id,
        credits: wholeCredits(pack.credits, `body.packs.${i}.credits`, problems),
        price: BigInt(typeof pack.price === 'number' ? pack.price : pack.price.amount),
      };
    }),
  };
  if (problems.length > 0) throw validationFailed(problems);
  return table;
}

export const pricingRoutes: RouteModule = async (app, ctx) => {
  const admin = requireAdmin(ctx);
  const adminSecurity: { [scheme: string]: string[] }[] = [{ session: [] }];

  app.get(
    '/api/v1/pricing/destinations',
    {
      schema: {
        tags: ['pricing'],
        summary: 'The price list: credits per SMS segment by country (and longer number prefix)',
        querystring: Type.Object({ country: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$' })) }),
        response: { 200: DestinationList },
      },
    },
    async (req) => {
      const rules = (await destinationIndex(ctx)).rules();
      const country = req.query.country?.toUpperCase();
      return (country ? rules.filter((rule) => rule.country === country) : rules).map(toDestinationPrice);
    },
  );

  app.get(
    '/api/v1/pricing/packs',
    {
      schema: {
        tags: ['pricing'],
        summary: "Packs and volume tiers in a currency (default: the customer's preferred currency)",
        querystring: Type.Object({ currency: Type.Optional(CurrencySchema) }),
        response: { 200: PackTable },
      },
    },
    async (req) => {
      const currency = await currencyFor(ctx, req, req.query.currency);
      const table = (await priceTables(ctx.db))[currency];
      if (!table) {
        throw validationFailed([{ path: 'querystring.currency', message: `${currency} is not sold` }]);
      }
      return packTableJson(table);
    },
  );

  app.get(
    '/api/v1/admin/pricing/destinations.csv',
    {
      onRequest: admin,
      schema: { tags: ['admin'], summary: 'The price list as CSV', security: adminSecurity },
    },
    async (_req, reply) => {
      const index = await destinationIndex(ctx);
      reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="price-list.csv"');
      return serializeDestinationCsv(index.rules());
    },
  );

  app.put(
    '/api/v1/admin/pricing/packs',
    {
      onRequest: admin,
      schema: {
        tags: ['admin'],
        summary: "Replace one currency's packs, tiers and limits (validated: no gaps, overlaps, free tiers)",
        security: adminSecurity,
        body: PackTableBody,
        response: { 200: PackTable },
      },
    },
    async (req) => {
      const checked = validatePriceTable(toPriceTable(req.body));
      if (!checked.ok) {
        throw validationFailed(
          checked.errors.map((error) => ({
            path: `body.${error.path.replace(/\[(\d+)\]/g, '.$1')}`,
            message: error.message,
            code: error.code,
          })),
          'The price table is not valid; nothing was changed',
        );
      }
      await replacePriceTable(ctx.db, checked.table);
      return packTableJson(checked.table);
    },
  );

  // The price list also arrives as a CSV body or a multipart upload.
  await app.register(async (scope: App) => {
    acceptUploads(scope, { types: ['text/csv', 'text/plain'], limitBytes: PRICE_LIST_LIMIT });
    const parseJson = compileBody(DestinationBody);
    scope.put(
      '/api/v1/admin/pricing/destinations',
      {
        onRequest: admin,
        bodyLimit: uploadBodyLimit(PRICE_LIST_LIMIT),
        schema: {
          tags: ['admin'],
          summary:
            'Replace the whole price list: a JSON list, a text/csv body, or a multipart "file" (CSV). ' +
            'Atomic: any error (each with its row) changes nothing.',
          security: adminSecurity,
          response: { 200: ReplacedList },
        },
      },
      async (req) => {
        const isJson = /^application\/json/i.test(req.headers['content-type'] ?? '');
        let result: ReturnType<typeof validateDestinationPrices>;
        if (isJson) {
          const body = parseJson(req.body);
          const list: DestinationPrice[] = (Array.isArray(body) ? body : body.destinations).map((row) => ({
            country: row.country as DestinationPrice['country'],
            ...(row.prefix === undefined ? {} : { prefix: row.prefix }),
            creditsPerSegment: row.creditsPerSegment,
          }));
          result = validateDestinationPrices(list);
          if (!result.ok) priceListFailed(result.errors, 'json');
        } else {
          const file = uploadedFile(req, PRICE_LIST_LIMIT);
          let text: string;
          try {
            text = new TextDecoder('utf-8', { fatal: true }).decode(file.data);
          } catch {
            throw validationFailed([{ path: 'body', message: 'must be UTF-8 text' }]);
          }
          result = parseDestinationCsv(text);
          if (!result.ok) priceListFailed(result.errors, 'csv');
        }
        const index = await replaceDestinations(ctx, result.rules);
        const destinations = index.rules().map(toDestinationPrice);
        return { count: destinations.length, destinations };
      },
    );
  });
};
