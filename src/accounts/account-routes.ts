// /api/v1/account, /balance and /api-keys: what a customer reads and changes about their own
// account. Every route takes the account from the credentials, never from the request.
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../context.js';
import { AppError, notFound } from '../http/errors.js';
import type { RouteModule } from '../http/app.js';
import { accountView, balanceOf, getAccount } from './account.js';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys.js';
import { customerOf, requireCustomer } from './auth.js';
import { updateBilling, updatePreferences } from './billing.js';
import { limiterFor, noStore } from './http.js';
import { updateLanguage } from './language.js';
import { confirmMobileCode, sendMobileCode } from './mobile-verification.js';
import { LIMITS } from './rate-limit.js';
import {
  AccountResponse,
  ApiKeyBody,
  ApiKeyResponse,
  Balance,
  BillingBody,
  CodeBody,
  CodeSentResponse,
  IdParams,
  NewApiKeyResponse,
  PageQuery,
  LanguageBody,
  PreferencesBody,
  pageOf,
} from './schemas.js';

async function currentView(ctx: AppContext, accountId: string) {
  const account = await getAccount(ctx.db, accountId);
  if (!account) throw notFound('account');
  return accountView(ctx, account);
}

export const accountRoutes: RouteModule = (app, ctx) => {
  const customer = requireCustomer(ctx);
  const limiter = limiterFor(ctx);
  const security: { [scheme: string]: string[] }[] = [{ session: [] }, { apiKey: [] }];

  app.get(
    '/api/v1/account',
    {
      onRequest: customer,
      schema: {
        tags: ['account'],
        summary: 'The account: status, balance, billing data, preferences',
        security,
        response: { 200: AccountResponse },
      },
    },
    async (req, reply) => {
      noStore(reply);
      return currentView(ctx, customerOf(req).accountId);
    },
  );

  app.put(
    '/api/v1/account/billing',
    {
      onRequest: customer,
      schema: {
        tags: ['account'],
        summary: 'Replace the billing data (a changed mobile must be verified again)',
        security,
        body: BillingBody,
        response: { 200: AccountResponse },
      },
    },
    async (req) => {
      const account = await updateBilling(ctx, customerOf(req).accountId, req.body);
      return accountView(ctx, account);
    },
  );

  app.put(
    '/api/v1/account/preferences',
    {
      onRequest: customer,
      schema: {
        tags: ['account'],
        summary: 'Default country (for numbers without +), currency, time zone and language',
        security,
        body: PreferencesBody,
        response: { 200: AccountResponse },
      },
    },
    async (req) => {
      const account = await updatePreferences(ctx, customerOf(req).accountId, req.body);
      return accountView(ctx, account);
    },
  );

  app.put(
    '/api/v1/account/language',
    {
      onRequest: customer,
      schema: {
        tags: ['account'],
        summary: 'The language of the portal and of e-mails, leaving the other preferences as they are',
        security,
        body: LanguageBody,
        response: { 200: AccountResponse },
      },
    },
    async (req) => {
      const account = await updateLanguage(ctx, customerOf(req).accountId, req.body.language);
      return accountView(ctx, account);
    },
  );

  app.post(
    '/api/v1/account/mobile-verification',
    {
      onRequest: customer,
      schema: {
        tags: ['account'],
        summary: 'Send a 6-digit code by SMS to the mobile in the billing data',
        security,
        response: { 202: CodeSentResponse },
      },
    },
    async (req, reply) => {
      const { accountId } = customerOf(req);
      await limiter.hit([[LIMITS.codeSendPerAccount, accountId]]);
      return reply.code(202).send(await sendMobileCode(ctx, accountId));
    },
  );

  app.post(
    '/api/v1/account/mobile-verification/confirm',
    {
      onRequest: customer,
      schema: {
        tags: ['account'],
        summary: 'Check the SMS code; the right one verifies the mobile',
        security,
        body: CodeBody,
        response: { 200: AccountResponse },
      },
    },
    async (req) => {
      const { accountId } = customerOf(req);
      await limiter.hit([
        [LIMITS.codeCheckPerAccount, accountId],
        [LIMITS.codeCheckPerIp, req.ip],
      ]);
      const account = await confirmMobileCode(ctx, accountId, req.body.code);
      return accountView(ctx, account);
    },
  );

  app.get(
    '/api/v1/balance',
    {
      onRequest: customer,
      schema: {
        tags: ['account'],
        summary: 'Credits, held and available (cheap; poll it)',
        security,
        response: { 200: Balance },
      },
    },
    async (req, reply) => {
      noStore(reply);
      return balanceOf(ctx, customerOf(req).accountId);
    },
  );

  app.post(
    '/api/v1/api-keys',
    {
      onRequest: customer,
      schema: {
        tags: ['api-keys'],
        summary: 'Create an API key; the key is shown in this answer only',
        description:
          'A key may be limited to a scope: read, send (messages and campaigns), billing (purchases and cards), ' +
          'or full (the default). A suspended account cannot create keys.',
        security,
        body: ApiKeyBody,
        response: { 201: NewApiKeyResponse },
      },
    },
    async (req, reply) => {
      const auth = customerOf(req);
      // A suspended account keeps what it has (it may list and revoke keys) but gets no new ones.
      const account = await getAccount(ctx.db, auth.accountId);
      if (account?.status === 'suspended') {
        throw new AppError('forbidden', 'The account is suspended; it cannot create API keys', {
          reason: 'account_suspended',
        });
      }
      const created = await createApiKey(ctx.db, {
        accountId: auth.accountId,
        userId: auth.userId,
        name: req.body.name.trim() || 'API key',
        scope: req.body.scope ?? 'full',
        now: ctx.now(),
      });
      noStore(reply);
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/api/v1/api-keys',
    {
      onRequest: customer,
      schema: {
        tags: ['api-keys'],
        summary: 'The account’s live API keys: prefix, creation and last use',
        security,
        querystring: PageQuery,
        response: { 200: pageOf(ApiKeyResponse) },
      },
    },
    async (req) => listApiKeys(ctx.db, customerOf(req).accountId, req.query),
  );

  app.delete(
    '/api/v1/api-keys/:id',
    {
      onRequest: customer,
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke an API key; it stops working at once',
        security,
        params: IdParams,
        response: { 204: Type.Null() },
      },
    },
    async (req, reply) => {
      await revokeApiKey(ctx.db, customerOf(req).accountId, req.params.id, ctx.now());
      return reply.code(204).send(null);
    },
  );
};
