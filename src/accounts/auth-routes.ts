// /api/v1/auth/*: sign-up, e-mail verification, login, logout, the current session, password reset.
import { Type } from '@sinclair/typebox';
import type { RouteModule } from '../http/app.js';
import { identifyRequest } from '../logger.js';
import { accountView, getAccount } from './account.js';
import { requireUser, userOf } from './auth.js';
import { limiterFor, noStore, requestLanguage, secureCookies } from './http.js';
import { setMailboxGrant } from './mailbox-routes.js';
import { mailboxEnabled } from '../notifications/mailbox.js';
import { logIn, logInWithCode } from './login.js';
import { networkOf } from './login-throttle.js';
import { confirmPasswordReset, requestPasswordReset } from './password-reset.js';
import { LIMITS } from './rate-limit.js';
import {
  ChallengeResponse,
  EmailBody,
  LoginBody,
  ResetConfirmBody,
  SessionResponse,
  SessionWithCodesResponse,
  SignupBody,
  TokenBody,
  TwoFactorLoginBody,
} from './schemas.js';
import { clearSessionCookie, deleteSessionByHash, sessionCookieOf, setSessionCookie } from './sessions.js';
import { resendVerification, signUp, verifyEmail } from './signup.js';
import { getUser, normaliseEmail, userView } from './users.js';

const tags = ['auth'];
const Empty = Type.Object({});

export const authRoutes: RouteModule = (app, ctx) => {
  const limiter = limiterFor(ctx);
  const secure = secureCookies(ctx);

  // Requests whose answer must not depend on whether an address has an account finish their
  // work after answering, so that not even the time taken tells.
  const background = new Set<Promise<void>>();
  const afterAnswer = (what: string, work: () => Promise<void>) => {
    const task = work().catch((err: unknown) => ctx.logger.error({ err }, `${what} failed`));
    background.add(task);
    void task.finally(() => background.delete(task));
  };
  app.addHook('onClose', async () => {
    await Promise.allSettled([...background]);
    await ctx.mailer.drain();
  });

  const sessionOf = async (userId: string, csrfToken: string | null) => {
    const user = await getUser(ctx.db, userId);
    if (!user) throw new Error(`user ${userId} vanished`);
    const account = user.accountId ? await getAccount(ctx.db, user.accountId) : null;
    return {
      user: userView(user),
      account: account ? await accountView(ctx, account) : null,
      csrfToken,
    };
  };

  app.post(
    '/api/v1/auth/signup',
    {
      schema: {
        tags,
        summary: 'Create an account; a verification link is e-mailed to the address',
        description:
          'The answer is the same for an address that already has an account: its owner is e-mailed instead ' +
          '(to log in or reset the password), and the ids answered name nothing.',
        body: SignupBody,
        response: { 201: Type.Object({ accountId: Type.String(), userId: Type.String() }) },
      },
    },
    async (req, reply) => {
      await limiter.hit([
        [LIMITS.signupPerIp, req.ip],
        [LIMITS.signupPerAddress, normaliseEmail(req.body.email)],
      ]);
      const { mailId, ...created } = await signUp(ctx, req.body, requestLanguage(req));
      identifyRequest(created.accountId, created.userId);
      // Both paths set it alike; the mailbox shows only a verification e-mail through it.
      if (mailboxEnabled(ctx.config)) setMailboxGrant(reply, mailId, secure);
      return reply.code(201).send(created);
    },
  );

  app.post(
    '/api/v1/auth/verify-email',
    {
      schema: {
        tags,
        summary: 'Confirm the e-mail address with the token from the link',
        body: TokenBody,
        response: { 200: Type.Object({ emailVerified: Type.Literal(true) }) },
      },
    },
    async (req) => {
      await limiter.hit([[LIMITS.tokenPerIp, req.ip]]);
      await verifyEmail(ctx, req.body.token);
      return { emailVerified: true as const };
    },
  );

  // Answers 202 whatever the address and does its work after the answer, so neither the
  // answer nor its timing tells whether an account exists.
  const mailRequestRoute = (
    url: string,
    summary: string,
    what: string,
    work: (email: string) => Promise<void>,
  ) =>
    app.post(
      url,
      { schema: { tags, summary, body: EmailBody, response: { 202: Empty } } },
      async (req, reply) => {
        await limiter.hit([
          [LIMITS.emailPerIp, req.ip],
          [LIMITS.emailPerAddress, normaliseEmail(req.body.email)],
        ]);
        const email = req.body.email;
        afterAnswer(what, () => work(email));
        return reply.code(202).send({});
      },
    );

  mailRequestRoute(
    '/api/v1/auth/verify-email/resend',
    'Send a new verification link (the answer is the same for every address)',
    'verification e-mail',
    (email) => resendVerification(ctx, email),
  );

  app.post(
    '/api/v1/auth/login',
    {
      schema: {
        tags,
        summary: 'Log in: sets the session cookie and returns the CSRF token for writes',
        description:
          'With two-factor authentication on (or required), a correct password answers 202 with a ' +
          'challenge instead; POST /auth/login/two-factor with the code then logs in.',
        body: LoginBody,
        response: { 200: SessionResponse, 202: ChallengeResponse },
      },
    },
    async (req, reply) => {
      await limiter.hit([
        [LIMITS.loginPerIp, req.ip],
        [LIMITS.loginPerAccountAndIp, `${normaliseEmail(req.body.email)} ${networkOf(req.ip)}`],
      ]);
      const result = await logIn(ctx, req.body, {
        ip: req.ip,
        userAgent: req.headers['user-agent'],
        previousToken: sessionCookieOf(req),
      });
      noStore(reply);
      if (result.kind === 'challenge') {
        const { challenge, expiresAt, enrolment } = result;
        return reply.code(202).send({ twoFactor: { challenge, expiresAt, enrolment } });
      }
      identifyRequest(result.user.accountId, result.user.id);
      setSessionCookie(reply, result.token, secure);
      return sessionOf(result.user.id, result.csrfToken);
    },
  );

  app.post(
    '/api/v1/auth/login/two-factor',
    {
      schema: {
        tags,
        summary: 'The second step of a login: the code (or a recovery code) for the challenge',
        description:
          'A challenge allows five codes within five minutes. When the login enrolled two-factor ' +
          'authentication (an operator admin who must have it), the answer carries the recovery codes, once.',
        body: TwoFactorLoginBody,
        response: { 200: SessionWithCodesResponse },
      },
    },
    async (req, reply) => {
      await limiter.hit([[LIMITS.codeCheckPerIp, req.ip]]);
      const result = await logInWithCode(ctx, req.body, {
        ip: req.ip,
        userAgent: req.headers['user-agent'],
        previousToken: sessionCookieOf(req),
      });
      identifyRequest(result.user.accountId, result.user.id);
      setSessionCookie(reply, result.token, secure);
      noStore(reply);
      const session = await sessionOf(result.user.id, result.csrfToken);
      return result.recoveryCodes ? { ...session, recoveryCodes: result.recoveryCodes } : session;
    },
  );

  app.post(
    '/api/v1/auth/logout',
    {
      onRequest: requireUser(ctx),
      schema: { tags, summary: 'End the session', response: { 204: Type.Null() } },
    },
    async (req, reply) => {
      const auth = userOf(req);
      if (auth.sessionIdHash) await deleteSessionByHash(ctx.db, auth.sessionIdHash);
      clearSessionCookie(reply, secure);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/auth/session',
    {
      onRequest: requireUser(ctx),
      schema: {
        tags,
        summary: 'The current user, account and CSRF token (for a page reload)',
        response: { 200: SessionResponse },
      },
    },
    async (req, reply) => {
      const auth = userOf(req);
      noStore(reply);
      return sessionOf(auth.userId, auth.csrfToken);
    },
  );

  mailRequestRoute(
    '/api/v1/auth/password-reset',
    'E-mail a reset link if the address has an account (always 202)',
    'password reset',
    (email) => requestPasswordReset(ctx, email),
  );

  app.post(
    '/api/v1/auth/password-reset/confirm',
    {
      schema: {
        tags,
        summary: 'Set a new password with the token from the link; ends every session',
        description: 'With `revokeApiKeys: true`, every API key of the account is revoked too.',
        body: ResetConfirmBody,
        response: {
          200: Type.Object({ passwordChanged: Type.Literal(true), apiKeysRevoked: Type.Integer() }),
        },
      },
    },
    async (req) => {
      await limiter.hit([[LIMITS.tokenPerIp, req.ip]]);
      const { apiKeysRevoked } = await confirmPasswordReset(ctx, req.body.token, req.body.password, {
        revokeApiKeys: req.body.revokeApiKeys ?? false,
      });
      return { passwordChanged: true as const, apiKeysRevoked };
    },
  );
};
