// The simulator's record, over HTTP, only while the simulator carrier is in use: everything it
// received for operators (and tests), and for a customer the messages sent to their own mobile
// by their own account — the portal's sandbox "virtual phone", where a new user reads the
// verification code without an admin.
import { Type } from '@sinclair/typebox';
import { adminOf, customerOf, requireAdmin, requireCustomer } from '../../accounts/auth.js';
import { getAccount } from '../../accounts/account.js';
import type { RouteModule } from '../../http/app.js';
import { validationFailed } from '../../http/errors.js';
import { listSimulatedMessages } from './simulator.js';

const Message = Type.Object({
  to: Type.String(),
  from: Type.Union([Type.String(), Type.Null()]),
  text: Type.String(),
  at: Type.String(),
  status: Type.Union([Type.Literal('accepted'), Type.Literal('delivered'), Type.Literal('failed')]),
});

const Limit = Type.Integer({ minimum: 1, maximum: 500, default: 50 });

export const simulatorRoutes: RouteModule = (app, ctx) => {
  if (ctx.config.sms.carrier !== 'simulator') return;

  app.get(
    '/api/v1/admin/simulator/messages',
    {
      onRequest: requireAdmin(ctx),
      schema: {
        tags: ['admin', 'simulator'],
        summary: 'What the simulator carrier received, newest first',
        querystring: Type.Object({ to: Type.Optional(Type.String({ maxLength: 32 })), limit: Limit }),
        response: { 200: Type.Array(Message) },
      },
    },
    async (req) => {
      adminOf(req);
      let to: string | undefined;
      if (req.query.to !== undefined && req.query.to !== '') {
        const digits = req.query.to.replace(/[\s()-]/g, '');
        if (!/^\+?[1-9]\d{6,14}$/.test(digits)) {
          throw validationFailed([
            { path: 'querystring.to', message: 'must be a number in E.164, e.g. +34612345678' },
          ]);
        }
        to = digits.startsWith('+') ? digits : `+${digits}`;
      }
      return listSimulatedMessages(ctx.db, { to, limit: req.query.limit });
    },
  );

  app.get(
    '/api/v1/simulator/messages',
    {
      onRequest: requireCustomer(ctx),
      schema: {
        tags: ['simulator'],
        summary: 'Sandbox virtual phone: what the simulator delivered to this account’s own mobile',
        querystring: Type.Object({ limit: Limit }),
        response: { 200: Type.Array(Message) },
      },
    },
    async (req) => {
      const { accountId } = customerOf(req);
      const account = await getAccount(ctx.db, accountId);
      const mobile = account?.billing?.mobile;
      if (!mobile) return [];
      return listSimulatedMessages(ctx.db, { to: mobile, accountId, limit: req.query.limit });
    },
  );
};
