// POST /messages/estimate: the cost calculator, for a JSON list or a CSV upload (multipart:
// `text`, optional `from`, then the `campaignFile` part). Nothing is stored or reserved.
import { Type } from '@sinclair/typebox';
import { nullable } from '../../http/schemas.js';
import type { FastifyRequest } from 'fastify';
import { customerOf, requireCustomer } from '../../accounts/auth.js';
import type { App, RouteModule } from '../../http/app.js';
import { validationFailed } from '../../http/errors.js';
import { fieldProblems, validatorCompiler } from '../../http/validation.js';
import { type EstimateJson, type EstimateView, estimateFromJson, estimateFromUpload } from './estimate.js';

const EstimateBody = Type.Object(
  {
    text: Type.String({ maxLength: 40_000 }),
    from: Type.Optional(Type.String({ maxLength: 64 })),
    to: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100_000 })),
    recipients: Type.Optional(
      Type.Array(
        Type.Object(
          {
            to: Type.String({ maxLength: 64 }),
            vars: Type.Optional(
              Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 1_000 })),
            ),
          },
          { additionalProperties: false },
        ),
        { maxItems: 100_000 },
      ),
    ),
  },
  { additionalProperties: false },
);

const EstimateResponse = Type.Object({
  recipients: Type.Integer({ description: 'Distinct numbers that can be sent to' }),
  invalid: Type.Array(Type.Object({ row: Type.Integer(), to: Type.String(), reason: Type.String() }), {
    description: 'The first 1,000 refused recipients',
  }),
  invalidCount: Type.Integer(),
  duplicates: Type.Integer(),
  encoding: nullable(Type.Union([Type.Literal('GSM-7'), Type.Literal('UCS-2'), Type.Literal('Latin-1')])),
  segments: Type.Integer({
    description: 'SMS parts per message (the most, when placeholders make texts differ)',
  }),
  totalSegments: Type.Integer(),
  credits: Type.String({ description: 'segments × recipients × price, over every destination' }),
  byCountry: Type.Array(
    Type.Object({ country: Type.String(), recipients: Type.Integer(), credits: Type.String() }),
  ),
  available: Type.String(),
  shortfall: Type.String({ description: 'Credits missing to send it all now' }),
});

const JSON_BODY_LIMIT = 10 * 1024 * 1024;

export const estimateRoutes: RouteModule = async (app, ctx) => {
  const customer = requireCustomer(ctx);
  const validJson = validatorCompiler({ schema: EstimateBody, httpPart: 'body' });
  const estimated = new WeakMap<FastifyRequest, EstimateView>();

  await app.register(async (scope: App) => {
    scope.addContentTypeParser(
      'multipart/form-data',
      async (req: FastifyRequest, payload: AsyncIterable<Buffer>) => {
        estimated.set(
          req,
          await estimateFromUpload(ctx, customerOf(req).accountId, payload, {
            'content-type': req.headers['content-type'],
            'content-length': req.headers['content-length'],
          }),
        );
        return {};
      },
    );

    scope.post(
      '/api/v1/messages/estimate',
      {
        onRequest: customer,
        bodyLimit: JSON_BODY_LIMIT,
        schema: {
          tags: ['messages'],
          summary: 'What sending a text to these recipients would cost: nothing is stored or reserved',
          description:
            'JSON `{to: [...], text, from?}` (or `recipients: [{to, vars}]` to fill {placeholders}), or ' +
            'multipart/form-data with `text` (and `from`) before a `campaignFile` CSV part, read like a ' +
            'campaign upload.',
          security: [{ session: [] }, { apiKey: [] }],
          body: { content: { 'application/json': { schema: EstimateBody } } },
          response: { 200: EstimateResponse },
        },
      },
      async (req) => {
        const fromUpload = estimated.get(req);
        if (fromUpload) return fromUpload;
        if (!validJson(req.body)) throw validationFailed(fieldProblems(validJson.errors ?? [], 'body'));
        const body = req.body as EstimateJson;
        if ((body.to === undefined) === (body.recipients === undefined)) {
          throw validationFailed([{ path: 'body.to', message: 'give either `to` or `recipients`' }]);
        }
        return estimateFromJson(ctx, customerOf(req).accountId, body);
      },
    );
  });
};
