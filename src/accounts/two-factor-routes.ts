// /api/v1/auth/two-factor: a user's own two-factor settings (the portal's Security page). Only
// with the session cookie (an API key cannot change how its owner logs in), and each change
// asks for the password or a current code again, so a session left open is not enough. And the
// operator's DELETE /api/v1/admin/accounts/{id}/two-factor, for an owner who lost both the
// app and the recovery codes.
import { Type } from '@sinclair/typebox';
import type { RouteModule } from '../http/app.js';
import { notFound, validationFailed } from '../http/errors.js';
import { requireAdmin, requireSession, userOf } from './auth.js';
import { getAccount } from './account.js';
import { limiterFor, noStore } from './http.js';
import { verifyPassword } from './passwords.js';
import { LIMITS } from './rate-limit.js';
import {
  EnrolmentResponse,
  IdParams,
  PasswordAndCodeBody,
  PasswordBody,
  RecoveryCodesResponse,
  TotpCodeBody,
  TwoFactorStatusResponse,
} from './schemas.js';
import {
  disableTwoFactor,
  enableTwoFactor,
  regenerateRecoveryCodes,
  removeTwoFactor,
  startEnrolment,
  twoFactorStatus,
} from './two-factor.js';
import { findUserByEmail, getUser, type User } from './users.js';

const tags = ['auth'];

export const twoFactorRoutes: RouteModule = (app, ctx) => {
  const session = requireSession(ctx);
  const limiter = limiterFor(ctx);

  const currentUser = async (userId: string): Promise<User> => {
    const user = await getUser(ctx.db, userId);
    if (!user) throw notFound('user');
    return user;
  };
  /** The caller's password again (a 400 on the field when wrong), counted per user. */
  const checked = async (userId: string, password?: string): Promise<User> => {
    await limiter.hit([[LIMITS.securityCheckPerUser, userId]]);
    const user = await currentUser(userId);
    if (password !== undefined) {
      const withHash = await findUserByEmail(ctx.db, user.email);
      if (!withHash || !(await verifyPassword(withHash.passwordHash, password))) {
        throw validationFailed([{ path: 'body.password', message: 'is not your password' }]);
      }
    }
    return user;
  };

  app.get(
    '/api/v1/auth/two-factor',
    {
      onRequest: session,
      schema: {
        tags,
        summary: 'Whether two-factor authentication is on, and recovery codes left',
        response: { 200: TwoFactorStatusResponse },
      },
    },
    async (req) => twoFactorStatus(ctx, await currentUser(userOf(req).userId)),
  );

  app.post(
    '/api/v1/auth/two-factor/setup',
    {
      onRequest: session,
      schema: {
        tags,
        summary: 'Start setting up two-factor authentication: a new secret and its QR code',
        description:
          'Scan the QR code with an authenticator app, then send its code to /auth/two-factor/enable.',
        body: PasswordBody,
        response: { 200: EnrolmentResponse },
      },
    },
    async (req, reply) => {
      const user = await checked(userOf(req).userId, req.body.password);
      noStore(reply);
      return startEnrolment(ctx, ctx.db, user);
    },
  );

  app.post(
    '/api/v1/auth/two-factor/enable',
    {
      onRequest: session,
      schema: {
        tags,
        summary: 'Turn two-factor authentication on with the first code; answers the recovery codes once',
        body: TotpCodeBody,
        response: { 200: RecoveryCodesResponse },
      },
    },
    async (req, reply) => {
      const user = await checked(userOf(req).userId);
      noStore(reply);
      return { recoveryCodes: await enableTwoFactor(ctx, user, req.body.code) };
    },
  );

  app.post(
    '/api/v1/auth/two-factor/recovery-codes',
    {
      onRequest: session,
      schema: {
        tags,
        summary: 'New recovery codes (the old ones stop working)',
        body: PasswordAndCodeBody,
        response: { 200: RecoveryCodesResponse },
      },
    },
    async (req, reply) => {
      const user = await checked(userOf(req).userId, req.body.password);
      noStore(reply);
      return { recoveryCodes: await regenerateRecoveryCodes(ctx, user, req.body.code) };
    },
  );

  app.post(
    '/api/v1/auth/two-factor/disable',
    {
      onRequest: session,
      schema: {
        tags,
        summary: 'Turn two-factor authentication off (not for operator admins where it is required)',
        body: PasswordAndCodeBody,
        response: { 204: Type.Null() },
      },
    },
    async (req, reply) => {
      const user = await checked(userOf(req).userId, req.body.password);
      await disableTwoFactor(ctx, user, req.body.code);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/api/v1/admin/accounts/:id/two-factor',
    {
      onRequest: requireAdmin(ctx),
      schema: {
        tags: ['admin'],
        summary: "Remove the owner's two-factor authentication (lost phone and recovery codes)",
        description: 'Check who is asking by other means first. The owner is told by e-mail.',
        params: IdParams,
        response: { 204: Type.Null() },
      },
    },
    async (req, reply) => {
      const account = await getAccount(ctx.db, req.params.id);
      if (!account) throw notFound('account');
      await removeTwoFactor(ctx, await currentUser(account.owner.id));
      return reply.code(204).send(null);
    },
  );
};
