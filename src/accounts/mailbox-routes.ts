// The default mode's mailbox over HTTP (GET /api/v1/mailbox, GET /api/v1/mailbox/{id}): the
// e-mails the server wrote to files, for the portal's Mailbox page. Registered only while
// mailboxEnabled (e-mail to files, NODE_ENV not production); otherwise the routes do not exist.
//
// Who reads which e-mail (reset and verification links are in them, so never "anyone"):
//   - operator staff: every e-mail;
//   - a logged-in user: the e-mails sent to their own login address;
//   - a browser that is not logged in: only the verification e-mail of the sign-up it made. The
//     sign-up answer sets an HttpOnly cookie naming that e-mail's outbox id (unguessable), and
//     only a `verify-email` e-mail is shown through it — for an address that had an account, the
//     owner's notice is not shown, nor is any password reset: anyone may ask for one of those.
// Anything else is `404 not_found`, as another account's objects are. An API key reads nothing.
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RouteModule } from '../http/app.js';
import { AppError, notFound } from '../http/errors.js';
import { nullable } from '../http/schemas.js';
import {
  MAIL_ID,
  type MailFile,
  mailboxEnabled,
  mailDirectory,
  mailFiles,
  idsSentTo,
  outboxRows,
  readMailFile,
} from '../notifications/mailbox.js';
import { type Auth, authenticate } from './auth.js';
import { TOKEN_LIFETIME_MS } from './email-tokens.js';
import { noStore } from './http.js';
import { getUser } from './users.js';

export const MAILBOX_COOKIE = 'tollgate_mailbox';
const GRANT_TEMPLATE = 'verify-email';
const COOKIE_PATH = '/api/v1/mailbox';

/** Set on the sign-up answer: this browser may read that sign-up's verification e-mail. */
export function setMailboxGrant(reply: FastifyReply, mailId: string, secure: boolean): void {
  const maxAge = Math.floor(TOKEN_LIFETIME_MS.verify_email / 1000);
  reply.header(
    'set-cookie',
    `${MAILBOX_COOKIE}=${mailId}; Path=${COOKIE_PATH}; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure ? '; Secure' : ''}`,
  );
}

function grantOf(req: FastifyRequest): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === MAILBOX_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return MAIL_ID.test(value) ? value : null;
    }
  }
  return null;
}

const Summary = Type.Object({
  id: Type.String(),
  to: Type.String(),
  subject: Type.String(),
  at: Type.String({ description: 'When the file was written' }),
  template: nullable(Type.String({ description: 'verify-email, reset-password, …' })),
});

const ListResponse = Type.Object({
  scope: Type.Union([Type.Literal('all'), Type.Literal('own'), Type.Literal('signup')], {
    description:
      'all: operator staff see every e-mail; own: the e-mails to your login address; signup: not logged in, ' +
      'the verification e-mail of the sign-up made in this browser (none without one)',
  }),
  data: Type.Array(Summary),
});

const MailResponse = Type.Intersect([Summary, Type.Object({ text: Type.String() })]);

/** The caller, if any: a session's user (an API key is refused), else nobody. */
async function reader(ctx: Parameters<RouteModule>[1], req: FastifyRequest): Promise<Auth | null> {
  const auth = await authenticate(ctx, req);
  if (auth && auth.via !== 'session') {
    throw new AppError('forbidden', 'The mailbox is read in the portal; an API key cannot read it', {
      reason: 'session_required',
    });
  }
  return auth;
}

export const mailboxRoutes: RouteModule = (app, ctx) => {
  if (!mailboxEnabled(ctx.config)) return;
  const dir = mailDirectory(ctx.config);
  const tags = ['mailbox'];
  // Optional: a session, or the sign-up cookie, or nothing (an empty mailbox).
  const security: { [scheme: string]: string[] }[] = [{ session: [] }, { mailboxCookie: [] }, {}];

  /** The e-mails this caller may read, newest first, at most `limit` (or just the one `wanted`). */
  const readable = async (req: FastifyRequest, limit: number, wanted?: string) => {
    const auth = await reader(ctx, req);
    const files = await mailFiles(dir);
    if (auth?.role === 'admin') {
      const page = wanted === undefined ? files.slice(0, limit) : files.filter((f) => f.id === wanted);
      const rows = await outboxRows(
        ctx.db,
        page.map((f) => f.id),
      );
      return {
        scope: 'all' as const,
        files: page.map((file) => ({ file, template: rows.get(file.id)?.template ?? null })),
      };
    }
    const byId = new Map(files.map((f) => [f.id, f]));
    const pick = (ids: readonly string[], rows: Map<string, { template: string }>) =>
      ids.flatMap((id) => {
        const file = byId.get(id);
        const row = rows.get(id);
        return file && row ? [{ file, template: row.template }] : [];
      });
    if (auth) {
      const user = await getUser(ctx.db, auth.userId);
      if (!user) throw notFound('user');
      const ids = wanted === undefined ? await idsSentTo(ctx.db, user.email, limit) : [wanted];
      const rows = await outboxRows(ctx.db, ids);
      const own = ids.filter((id) => rows.get(id)?.to.toLowerCase() === user.email.toLowerCase());
      return { scope: 'own' as const, files: pick(own, rows) };
    }
    const grant = grantOf(req);
    if (!grant) return { scope: 'signup' as const, files: [] };
    const rows = await outboxRows(ctx.db, [grant]);
    const allowed = rows.get(grant)?.template === GRANT_TEMPLATE ? [grant] : [];
    return { scope: 'signup' as const, files: pick(allowed, rows) };
  };

  app.get(
    '/api/v1/mailbox',
    {
      schema: {
        tags,
        summary: 'Default mode only: the e-mails the server wrote to files that you may read, newest first',
        description:
          'Operator staff read every e-mail; a logged-in user those to their own address; a browser that is not ' +
          'logged in only the verification e-mail of the sign-up it made (an HttpOnly cookie set by the sign-up).',
        security,
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }) }),
        response: { 200: ListResponse },
      },
    },
    async (req, reply) => {
      noStore(reply);
      const { scope, files } = await readable(req, req.query.limit);
      const data = await Promise.all(files.map(({ file, template }) => readMailFile(dir, file, template)));
      return { scope, data };
    },
  );

  app.get(
    '/api/v1/mailbox/:id',
    {
      schema: {
        tags,
        summary: 'Default mode only: one e-mail with its text, if you may read it (else 404)',
        security,
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: MailResponse },
      },
    },
    async (req, reply) => {
      noStore(reply);
      if (!MAIL_ID.test(req.params.id)) throw notFound('e-mail');
      const { files } = await readable(req, 200, req.params.id);
      const found: { file: MailFile; template: string | null } | undefined = files.find(
        (f) => f.file.id === req.params.id,
      );
      if (!found) throw notFound('e-mail');
      return readMailFile(dir, found.file, found.template, true);
    },
  );
};
