// Operator staff: creating admins (CLI and start-up bootstrap), and the account desk —
// search, verify, suspend, reactivate.
import type { AppContext } from '../context.js';
import { type Db, type Queryable, SQLSTATE, sqlState } from '../db/types.js';
import { AppError, notFound } from '../http/errors.js';
import {
  type Account,
  ACCOUNT_SELECT,
  type AccountRow,
  activateIfReady,
  getAccount,
  toAccount,
} from './account.js';
import { decodeCursor, encodeCursor, type Page } from '../http/pagination.js';
import { nameProblem } from './names.js';
import { hashPassword, passwordProblem } from './passwords.js';
import { newId } from './secrets.js';
import { normaliseEmail } from './users.js';

const BOOTSTRAP_LOCK = 7_261_002;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

export class AdminSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdminSetupError';
  }
}

export async function createAdmin(
  db: Db,
  input: { email: string; password: string; name?: string },
  now: Date,
): Promise<{ userId: string }> {
  const email = normaliseEmail(input.email);
  if (!EMAIL.test(email) || email.length > 254)
    throw new AdminSetupError(`not an e-mail address: "${email}"`);
  const problem = passwordProblem(input.password, { email });
  if (problem) throw new AdminSetupError(`the password ${problem}`);
  const name = input.name?.trim() || 'Operator';
  const invalidName = nameProblem(name);
  if (invalidName) throw new AdminSetupError(`the name ${invalidName}`);
  const passwordHash = await hashPassword(input.password);
  const userId = newId('usr');
  try {
    await db.query(
      `insert into users (id, account_id, role, email, name, password_hash, email_verified_at, password_changed_at, created_at)
       values ($1, null, 'admin', $2, $3, $4, $5, $5, $5)`,
      [userId, email, name, passwordHash, now],
    );
  } catch (error) {
    if (sqlState(error) === SQLSTATE.uniqueViolation)
      throw new AdminSetupError(`${email} already has a user`);
    throw error;
  }
  return { userId };
}

/**
 * TOLLGATE_ADMIN_EMAIL / TOLLGATE_ADMIN_PASSWORD: creates that admin at start-up when there is
 * no admin at all. Several processes starting together take turns on an advisory lock.
 */
export async function bootstrapAdmin(ctx: AppContext): Promise<'created' | 'exists' | 'not_configured'> {
  const wanted = ctx.config.accounts.bootstrapAdmin;
  if (!wanted) return 'not_configured';
  const problem = passwordProblem(wanted.password, { email: wanted.email });
  if (problem) throw new AdminSetupError(`TOLLGATE_ADMIN_PASSWORD ${problem}`);
  const passwordHash = await hashPassword(wanted.password);
  const outcome = await ctx.db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK]);
    const { rows } = await tx.query("select 1 from users where role = 'admin' limit 1");
    if (rows.length > 0) return 'exists' as const;
    const { rows: taken } = await tx.query('select 1 from users where email = $1', [wanted.email]);
    if (taken.length > 0)
      throw new AdminSetupError(`TOLLGATE_ADMIN_EMAIL ${wanted.email} belongs to a customer`);
    const now = ctx.now();
    await tx.query(
      `insert into users (id, account_id, role, email, name, password_hash, email_verified_at, password_changed_at, created_at)
       values ($1, null, 'admin', $2, 'Operator', $3, $4, $4, $4)`,
      [newId('usr'), wanted.email, passwordHash, now],
    );
    return 'created' as const;
  });
  if (outcome === 'created')
    ctx.logger.info({ email: wanted.email }, 'admin created from TOLLGATE_ADMIN_EMAIL');
  return outcome;
}

export interface AccountSummary {
  id: string;
  name: string;
  email: string;
  status: Account['status'];
  legalName: string | null;
  vatId: string | null;
  country: string | null;
  emailVerified: boolean;
  mobileVerified: boolean;
  createdAt: string;
}

function summary(account: Account): AccountSummary {
  return {
    id: account.id,
    name: account.name,
    email: account.owner.email,
    status: account.status,
    legalName: account.billing?.legalName ?? null,
    vatId: account.billing?.vatId ?? null,
    country: account.billing?.address.country ?? null,
    emailVerified: account.owner.emailVerified,
    mobileVerified: account.mobileVerified,
    createdAt: account.createdAt.toISOString(),
  };
}

/**
 * Accounts whose name, legal name, owner e-mail, VAT or tax id or id contains `q`
 * (case-insensitive), newest first. A VAT id is matched as stored (upper case, no spaces, dots
 * or dashes), so "es b-1234 5678" finds ESB12345678.
 */
export async function searchAccounts(
  db: Db,
  query: { q?: string; limit: number; cursor?: string },
): Promise<Page<AccountSummary>> {
  const after = decodeCursor(query.cursor);
  const q = query.q?.trim() ?? '';
  const pattern = `%${likeEscaped(q.toLowerCase())}%`;
  const compact = q.toUpperCase().replace(/[\s.\-/]/g, '');
  const idPattern = compact === '' ? '' : `%${likeEscaped(compact)}%`;
  const { rows } = await db.query<AccountRow>(
    `${ACCOUNT_SELECT}
      where ($1 = '' or lower(a.name) like $2 or lower(coalesce(a.legal_name, '')) like $2
             or u.email like $2 or a.id = $1
             or ($6 <> '' and (upper(coalesce(a.vat_id, '')) like $6
                               or upper(replace(coalesce(a.tax_id, ''), ' ', '')) like $6)))
        and ($3::timestamptz is null or (a.created_at, a.id) < ($3::timestamptz, $4::text))
      order by a.created_at desc, a.id desc limit $5`,
    [q, pattern, after?.at ?? null, after?.id ?? '', query.limit + 1, idPattern],
  );
  const page = rows.slice(0, query.limit).map(toAccount);
  const last = page[page.length - 1];
  return {
    data: page.map(summary),
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.createdAt, last.id) : null,
  };
}

function likeEscaped(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

async function changeAccount(
  ctx: AppContext,
  id: string,
  change: (account: Account, tx: Queryable) => Promise<string[]>,
): Promise<Account> {
  const { account, outbox } = await ctx.db.transaction(async (tx) => {
    const current = await getAccount(tx, id, { forUpdate: true });
    if (!current) throw notFound('account');
    const ids = await change(current, tx);
    const updated = await getAccount(tx, id);
    if (!updated) throw notFound('account');
    return { account: updated, outbox: ids };
  });
  ctx.mailer.sendSoon(outbox);
  return account;
}

/** The operator's verification; the account is active once its e-mail is verified too. */
export function verifyAccount(ctx: AppContext, id: string): Promise<Account> {
  return changeAccount(ctx, id, async (account, tx) => {
    if (account.verifiedBy !== 'operator') {
      await tx.query(`update accounts set verified_at = $2, verified_by = 'operator' where id = $1`, [
        id,
        ctx.now(),
      ]);
    }
    return activateIfReady(ctx, tx, id);
  });
}

/** A suspended account can log in and read, but neither buy nor send. Suspending twice changes nothing. */
export function suspendAccount(ctx: AppContext, id: string, reason: string | null): Promise<Account> {
  return changeAccount(ctx, id, async (account, tx) => {
    if (account.status !== 'suspended') {
      await tx.query(
        `update accounts set status = 'suspended', suspended_at = $2, suspended_reason = $3 where id = $1`,
        [id, ctx.now(), reason],
      );
    }
    return [];
  });
}

/** Lifts a suspension: back to active if verified, otherwise to pending verification. */
export function reactivateAccount(ctx: AppContext, id: string): Promise<Account> {
  return changeAccount(ctx, id, async (account, tx) => {
    if (account.status !== 'suspended') throw new AppError('conflict', 'The account is not suspended');
    const active = account.verifiedAt !== null && account.owner.emailVerified;
    await tx.query(
      `update accounts set status = $2, suspended_at = null, suspended_reason = null where id = $1`,
      [id, active ? 'active' : 'pending_verification'],
    );
    return [];
  });
}
