// The campaign routes: create (a CSV upload read as a stream, or a JSON list), start or delete
// a draft, read one or a page, and the rows an import refused. The account comes from the credentials;
// another account's campaign is not found.
//
// An upload is read by this scope's multipart parser, before the handler: its rows are staged
// while the bytes arrive, and what the parser returns as the body — the fields and the file's
// SHA-256 — is what Idempotency-Key compares, so a retried upload of the same file replays
// the first answer and the retry's staged rows are removed before the answer is sent.
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { customerOf, requireCustomer } from '../../accounts/auth.js';
import type { App, RouteModule } from '../../http/app.js';
import { notFound, validationFailed } from '../../http/errors.js';
import { idempotent } from '../../http/idempotency.js';
import { fieldProblems, validatorCompiler } from '../../http/validation.js';
import { type CreatedFromImport, createStagedCampaign, type StagedImport } from './create-staged.js';
import { deleteDraftCampaign } from './delete-campaign.js';
import { type JsonCampaign, stageJson, stageUpload } from './import-campaign.js';
import { getCampaign, listCampaigns, listInvalidRows } from './read-campaigns.js';
import {
  CampaignCreatedResponse,
  CampaignIdParams,
  CampaignJsonBody,
  CampaignPage,
  CampaignResponse,
  InvalidRowPage,
  PageQuery,
} from './schemas.js';
import { CampaignStager } from './stage.js';
import { startCampaign } from './start-campaign.js';

/** A JSON campaign may be this large; larger lists go as a CSV upload. */
const JSON_BODY_LIMIT = 20 * 1024 * 1024;

export const campaignRoutes: RouteModule = async (app, ctx) => {
  const customer = requireCustomer(ctx);
  const security: { [scheme: string]: string[] }[] = [{ session: [] }, { apiKey: [] }];
  const validJson = validatorCompiler({ schema: CampaignJsonBody, httpPart: 'body' });
  const parseJson = (body: unknown): JsonCampaign => {
    if (!validJson(body)) throw validationFailed(fieldProblems(validJson.errors ?? [], 'body'));
    return body as JsonCampaign;
  };
  // Uploads staged by the parser, until the handler takes them (or the answer is sent).
  const staged = new WeakMap<FastifyRequest, StagedImport>();

  await app.register(async (scope: App) => {
    scope.addContentTypeParser(
      'multipart/form-data',
      async (req: FastifyRequest, payload: AsyncIterable<Buffer>) => {
        const upload = await stageUpload(ctx, customerOf(req).accountId, payload, {
          'content-type': req.headers['content-type'],
          'content-length': req.headers['content-length'],
        });
        staged.set(req, upload.staged);
        return upload.summary;
      },
    );

    scope.post(
      '/api/v1/campaigns',
      {
        onRequest: customer,
        bodyLimit: JSON_BODY_LIMIT,
        onSend: async (req, _reply, payload) => {
          // A replayed or refused upload: its staged rows are not needed (removed before the
          // answer leaves, so a client reading right after it finds nothing staged).
          const left = staged.get(req);
          if (left) {
            staged.delete(req);
            await CampaignStager.discard(ctx.db, left.campaignId);
          }
          return payload;
        },
        schema: {
          tags: ['campaigns'],
          summary: 'Create a campaign from a CSV upload or a JSON list of recipients',
          description:
            'multipart/form-data: the fields `name`, `text`, optional `from`, `scheduleAt`, `draft` ' +
            '("true"), then the `file` part: a CSV (UTF-8, with or without BOM; `,` `;` or tab, ' +
            'taken from the header) with a header row naming a phone column (phone, phone_number, ' +
            'mobile, number, to, msisdn or recipient); other columns fill `{placeholders}` in the ' +
            'text. The file is read as a stream, up to CAMPAIGN_UPLOAD_MAX_BYTES (413 beyond). ' +
            'Or application/json `{name, text, from?, scheduleAt?, draft?, recipients: [{to, vars?}]}`. ' +
            'Refused rows are listed with their row number; repeated numbers are left out. Unless ' +
            'it is a draft the campaign starts at once: its messages are reserved in order as far ' +
            'as the credit goes, the rest waits in the outbox.',
          security,
          body: { content: { 'application/json': { schema: CampaignJsonBody } } },
          response: { 201: CampaignCreatedResponse },
        },
      },
      idempotent(
        ctx,
        { scope: (req) => customerOf(req).accountId },
        async (req, reply, key): Promise<CreatedFromImport> => {
          const { accountId } = customerOf(req);
          let upload = staged.get(req);
          if (upload) staged.delete(req);
          else upload = await stageJson(ctx, accountId, parseJson(req.body));
          const created = await createStagedCampaign(ctx, accountId, upload, key);
          reply.code(201);
          return created;
        },
      ),
    );
  });

  app.post(
    '/api/v1/campaigns/:id/start',
    {
      onRequest: customer,
      schema: {
        tags: ['campaigns'],
        summary:
          'Start a draft: its messages are reserved in order as far as the credit goes, the rest waits',
        security,
        params: CampaignIdParams,
        response: { 200: CampaignResponse },
      },
    },
    idempotent(ctx, { scope: (req) => customerOf(req).accountId }, async (req) => {
      const { accountId } = customerOf(req);
      await startCampaign(ctx, accountId, req.params.id);
      const campaign = await getCampaign(ctx, accountId, req.params.id);
      if (!campaign) throw notFound('campaign');
      return campaign;
    }),
  );

  app.delete(
    '/api/v1/campaigns/:id',
    {
      onRequest: customer,
      schema: {
        tags: ['campaigns'],
        summary: 'Delete a campaign that has not started (a draft), with its staged rows',
        description:
          'Only a draft: nothing of it was reserved, so no credit moves. A started campaign is ' +
          '409 (`conflict`, details.reason `campaign_started`); cancel what it has not sent with ' +
          '`DELETE /campaigns/{id}/outbox`. Another account’s campaign is 404.',
        security,
        params: CampaignIdParams,
        response: { 204: Type.Null({ description: 'Deleted' }) },
      },
    },
    async (req, reply) => {
      await deleteDraftCampaign(ctx, customerOf(req).accountId, req.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/campaigns',
    {
      onRequest: customer,
      schema: {
        tags: ['campaigns'],
        summary: 'Campaigns, newest first, with their counts per status',
        security,
        querystring: PageQuery,
        response: { 200: CampaignPage },
      },
    },
    async (req) => listCampaigns(ctx, customerOf(req).accountId, req.query),
  );

  app.get(
    '/api/v1/campaigns/:id',
    {
      onRequest: customer,
      schema: {
        tags: ['campaigns'],
        summary: 'One campaign: counts per status, cost, what is missing',
        security,
        params: CampaignIdParams,
        response: { 200: CampaignResponse },
      },
    },
    async (req) => {
      const campaign = await getCampaign(ctx, customerOf(req).accountId, req.params.id);
      if (!campaign) throw notFound('campaign');
      return campaign;
    },
  );

  app.get(
    '/api/v1/campaigns/:id/invalid',
    {
      onRequest: customer,
      schema: {
        tags: ['campaigns'],
        summary: 'The rows the import refused, with their row numbers and reasons',
        security,
        params: CampaignIdParams,
        querystring: PageQuery,
        response: { 200: InvalidRowPage },
      },
    },
    async (req) => {
      const { accountId } = customerOf(req);
      const { rows } = await ctx.db.query('select 1 from campaigns where id = $1 and account_id = $2', [
        req.params.id,
        accountId,
      ]);
      if (rows.length === 0) throw notFound('campaign');
      return listInvalidRows(ctx.db, req.params.id, req.query);
    },
  );
};
