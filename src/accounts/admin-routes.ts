// /api/v1/admin/accounts: the operator's account desk.
import type { RouteModule } from '../http/app.js';
import { notFound } from '../http/errors.js';
import { type Account, accountView, getAccount } from './account.js';
import { reactivateAccount, searchAccounts, suspendAccount, verifyAccount } from './admin.js';
import { requireAdmin } from './auth.js';
import { noStore } from './http.js';
import {
  AccountSummaryResponse,
  AdminAccountResponse,
  IdParams,
  pageOf,
  SearchQuery,
  SuspendBody,
} from './schemas.js';

export const adminAccountRoutes: RouteModule = (app, ctx) => {
  const admin = requireAdmin(ctx);
  const tags = ['admin'];
  const security: { [scheme: string]: string[] }[] = [{ session: [] }];

  const adminView = async (account: Account) => ({
    ...(await accountView(ctx, account)),
    verifiedBy: account.verifiedBy,
    suspendedAt: account.suspendedAt?.toISOString() ?? null,
    suspendedReason: account.suspendedReason,
    owner: account.owner,
  });

  app.get(
    '/api/v1/admin/accounts',
    {
      onRequest: admin,
      schema: {
        tags,
        summary: 'Search accounts by name, legal name, e-mail, VAT or tax id, or id; newest first',
        security,
        querystring: SearchQuery,
        response: { 200: pageOf(AccountSummaryResponse) },
      },
    },
    async (req, reply) => {
      noStore(reply);
      return searchAccounts(ctx.db, req.query);
    },
  );

  app.get(
    '/api/v1/admin/accounts/:id',
    {
      onRequest: admin,
      schema: {
        tags,
        summary: 'One account, with its owner',
        security,
        params: IdParams,
        response: { 200: AdminAccountResponse },
      },
    },
    async (req, reply) => {
      const account = await getAccount(ctx.db, req.params.id);
      if (!account) throw notFound('account');
      noStore(reply);
      return adminView(account);
    },
  );

  app.post(
    '/api/v1/admin/accounts/:id/verify',
    {
      onRequest: admin,
      schema: {
        tags,
        summary: 'Verify the account (active once its e-mail is verified too)',
        security,
        params: IdParams,
        response: { 200: AdminAccountResponse },
      },
    },
    async (req) => adminView(await verifyAccount(ctx, req.params.id)),
  );

  app.post(
    '/api/v1/admin/accounts/:id/suspend',
    {
      onRequest: admin,
      schema: {
        tags,
        summary: 'Suspend: the account may log in and read, but neither buy nor send',
        security,
        params: IdParams,
        body: SuspendBody,
        response: { 200: AdminAccountResponse },
      },
    },
    async (req) => adminView(await suspendAccount(ctx, req.params.id, req.body?.reason?.trim() || null)),
  );

  app.post(
    '/api/v1/admin/accounts/:id/reactivate',
    {
      onRequest: admin,
      schema: {
        tags,
        summary: 'Lift a suspension',
        security,
        params: IdParams,
        response: { 200: AdminAccountResponse },
      },
    },
    async (req) => adminView(await reactivateAccount(ctx, req.params.id)),
  );
};
