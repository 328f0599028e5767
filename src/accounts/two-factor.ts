// Two-factor authentication: TOTP (RFC 6238: SHA-1, 6 digits, 30 s, a step either side for
// clock drift) through `otpauth`, with ten single-use recovery codes. Optional for everyone;
// required for operator admins where ADMIN_TWO_FACTOR=required (always with
// NODE_ENV=production), who then enrol at their first login.
//
// - Enrolment: a secret is stored pending (enabled_at null) and shown once as an otpauth:// URI
//   and its QR code (SVG, made here: no third party sees the secret); the first correct code
//   turns it on and answers the recovery codes, shown that once.
// - A code works once: the time step of the last accepted code is stored, and a code of that
//   step or an earlier one is refused (a concurrent replay loses the conditional update).
// - Recovery codes are 80 random bits, stored as SHA-256, each used once.
// - Login: a correct password from a user with two-factor answers a challenge (a random secret,
//   five minutes, five tries) instead of a session; the code and the challenge give the session.
import { randomBytes } from 'node:crypto';
import encodeQR from '@paulmillr/qr';
import { Secret, TOTP } from 'otpauth';
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/types.js';
import { AppError, validationFailed } from '../http/errors.js';
import { twoFactorChanged } from '../notifications/templates-accounts.js';
import { base32, newSecret, sha256 } from './secrets.js';
import { getUser, type User } from './users.js';
import { languageOf } from './account.js';
import { limiterFor } from './http.js';
import { LIMITS } from './rate-limit.js';

const PERIOD_SECONDS = 30;
const RECOVERY_CODES = 10;
export const CHALLENGE_LIFETIME_MS = 5 * 60_000;
export const CHALLENGE_ATTEMPTS = 5;
const ISSUER = 'Tollgate';

export interface Enrolment {
  /** The secret in base32, for typing into an app by hand. */
  secret: string;
  /** otpauth://totp/… — what the QR code holds. */
  uri: string;
  /** The QR code of `uri` as an SVG data URI, for an <img>. */
  qrCode: string;
}

export interface TwoFactorStatus {
  enabled: boolean;
  enabledAt: string | null;
  recoveryCodesLeft: number;
  /** True for an operator admin where ADMIN_TWO_FACTOR=required: it cannot be turned off. */
  required: boolean;
}

function totpOf(secret: string, label: string): TOTP {
  return new TOTP({
    issuer: ISSUER,
    label,
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD_SECONDS,
    secret: Secret.fromBase32(secret),
  });
}

/** A QR code as a small SVG (one path, a row's dark run at a time) in a data URI. */
export function qrCodeDataUri(text: string): string {
  const grid = encodeQR(text, 'raw', { ecc: 'medium', border: 0 });
  const quiet = 4;
  const size = grid.length + quiet * 2;
  let path = '';
  grid.forEach((row, y) => {
    for (let x = 0; x < row.length; ) {
      if (!row[x]) {
        x++;
        continue;
      }
      let run = 1;
      while (row[x + run]) run++;
      path += `M${x + quiet} ${y + quiet}h${run}v1h-${run}z`;
      x += run;
    }
  });
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" shape-rendering="crispEdges">` +
    `<rect width="${size}" height="${size}" fill="#fff"/><path fill="#000" d="${path}"/></svg>`;
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

function enrolmentOf(secret: string, email: string): Enrolment {
  const uri = totpOf(secret, email).toString();
  return { secret, uri, qrCode: qrCodeDataUri(uri) };
}

export function isRequiredFor(ctx: AppContext, user: Pick<User, 'role'>): boolean {
  return user.role === 'admin' && ctx.config.accounts.adminTwoFactor === 'required';
}

export async function isEnabled(q: Queryable, userId: string): Promise<boolean> {
  const { rows } = await q.query(
    'select 1 from user_two_factor where user_id = $1 and enabled_at is not null',
    [userId],
  );
  return rows.length > 0;
}

export async function twoFactorStatus(ctx: AppContext, user: User): Promise<TwoFactorStatus> {
  const { rows } = await ctx.db.query<{ enabled_at: Date | null; left: number }>(
    `select t.enabled_at,
            (select count(*)::int from two_factor_recovery_codes r where r.user_id = t.user_id and r.used_at is null) as left
       from user_two_factor t where t.user_id = $1`,
    [user.id],
  );
  const row = rows[0];
  const enabled = Boolean(row?.enabled_at);
  return {
    enabled,
    enabledAt: row?.enabled_at?.toISOString() ?? null,
    recoveryCodesLeft: enabled ? (row?.left ?? 0) : 0,
    required: isRequiredFor(ctx, user),
  };
}

/**
 * A pending secret for the user (a new one, unless `reuse` and one is pending already). Refused
 * while two-factor is on: turn it off first.
 */
export async function startEnrolment(
  ctx: AppContext,
  q: Queryable,
  user: Pick<User, 'id' | 'email'>,
  { reuse = false } = {},
): Promise<Enrolment> {
  const secret = new Secret({ size: 20 }).base32;
  const { rows } = await q.query<{ secret: string; enabled_at: Date | null }>(
    `insert into user_two_factor (user_id, secret, created_at) values ($1, $2, $3)
     on conflict (user_id) do update
        set secret = case when $4 then user_two_factor.secret else excluded.secret end,
            created_at = excluded.created_at, last_step = null
      where user_two_factor.enabled_at is null
     returning secret, enabled_at`,
    [user.id, secret, ctx.now(), reuse],
  );
  const row = rows[0];
  if (!row) throw new AppError('conflict', 'Two-factor authentication is on already; turn it off first');
  return enrolmentOf(row.secret, user.email);
}

/** The time step a correct, unused TOTP code belongs to, or null. */
function stepOf(secret: string, code: string, now: Date): number | null {
  const delta = totpOf(secret, 'check').validate({ token: code, timestamp: now.getTime(), window: 1 });
  return delta === null ? null : Math.floor(now.getTime() / 1000 / PERIOD_SECONDS) + delta;
}

const TOTP_FORMAT = /^\d{6}$/;

/** Recovery codes are typed however: case, spaces and dashes do not matter. */
function normaliseRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

/**
 * Checks a TOTP code against the user's secret (enabled, or pending when `pending`) and, when
 * it is right and newer than the last one used, records its step in the same statement.
 */
async function useTotp(
  ctx: AppContext,
  q: Queryable,
  userId: string,
  code: string,
  pending: boolean,
): Promise<boolean> {
  const { rows } = await q.query<{ secret: string; last_step: string | null }>(
    `select secret, last_step from user_two_factor
      where user_id = $1 and (enabled_at is null) = $2`,
    [userId, pending],
  );
  const row = rows[0];
  if (!row) return false;
  const step = stepOf(row.secret, code, ctx.now());
  if (step === null) return false;
  const { rowCount } = await q.query(
    `update user_two_factor set last_step = $2
      where user_id = $1 and secret = $3 and (last_step is null or last_step < $2)`,
    [userId, step, row.secret],
  );
  return rowCount === 1;
}

async function useRecoveryCode(
  ctx: AppContext,
  q: Queryable,
  userId: string,
  code: string,
): Promise<boolean> {
  const { rowCount } = await q.query(
    `update two_factor_recovery_codes set used_at = $3
      where user_id = $1 and code_hash = $2 and used_at is null`,
    [userId, sha256(normaliseRecoveryCode(code)), ctx.now()],
  );
  return rowCount === 1;
}

/** A code of the user's enabled two-factor: a TOTP code, or (unless `totpOnly`) a recovery code. */
export async function useCode(
  ctx: AppContext,
  q: Queryable,
  userId: string,
  code: string,
  { totpOnly = false } = {},
): Promise<boolean> {
  const given = code.trim();
  if (TOTP_FORMAT.test(given)) return useTotp(ctx, q, userId, given, false);
  return !totpOnly && useRecoveryCode(ctx, q, userId, given);
}

/** Replaces the user's recovery codes with fresh ones, answered this once. */
export async function newRecoveryCodes(ctx: AppContext, q: Queryable, userId: string): Promise<string[]> {
  await q.query('delete from two_factor_recovery_codes where user_id = $1', [userId]);
  const codes = Array.from({ length: RECOVERY_CODES }, () => {
    const raw = base32(randomBytes(10));
    return raw.match(/.{4}/g)?.join('-') ?? raw;
  });
  await q.query(
    `insert into two_factor_recovery_codes (user_id, code_hash, created_at)
     select $1, h, $3 from unnest($2::text[]) as h`,
    [userId, codes.map((c) => sha256(normaliseRecoveryCode(c))), ctx.now()],
  );
  return codes;
}

const wrongCode = (path = 'body.code') =>
  validationFailed([{ path, message: 'is not right (or was used already)' }], 'The code is not right');

/**
 * Turns on a pending enrolment with its first code; answers the recovery codes. The owner is
 * told by e-mail.
 */
export async function enableTwoFactor(ctx: AppContext, user: User, code: string): Promise<string[]> {
  const { codes, outbox } = await ctx.db.transaction(async (tx) => {
    if (!TOTP_FORMAT.test(code.trim()) || !(await useTotp(ctx, tx, user.id, code.trim(), true))) {
      throw wrongCode();
    }
    await tx.query('update user_two_factor set enabled_at = $2 where user_id = $1', [user.id, ctx.now()]);
    const fresh = await newRecoveryCodes(ctx, tx, user.id);
    return { codes: fresh, outbox: await tellOwner(ctx, tx, user, true) };
  });
  ctx.mailer.sendSoon([outbox]);
  return codes;
}

/** Turns two-factor off with a current code (or a recovery code); refused where it is required. */
export async function disableTwoFactor(ctx: AppContext, user: User, code: string): Promise<void> {
  if (isRequiredFor(ctx, user)) {
    throw new AppError('conflict', 'Operator admins must keep two-factor authentication on here', {
      reason: 'two_factor_required',
    });
  }
  const outbox = await ctx.db.transaction(async (tx) => {
    if (!(await useCode(ctx, tx, user.id, code))) throw wrongCode();
    await tx.query('delete from user_two_factor where user_id = $1', [user.id]);
    await tx.query('delete from two_factor_recovery_codes where user_id = $1', [user.id]);
    return tellOwner(ctx, tx, user, false);
  });
  ctx.mailer.sendSoon([outbox]);
}

/**
 * The operator's way back in for a customer who lost both the app and the recovery codes:
 * removes the owner's two-factor authentication (after checking who is asking, by other means)
 * and tells the owner by e-mail.
 */
export async function removeTwoFactor(ctx: AppContext, user: User): Promise<void> {
  const outbox = await ctx.db.transaction(async (tx) => {
    const { rowCount } = await tx.query(
      'delete from user_two_factor where user_id = $1 and enabled_at is not null',
      [user.id],
    );
    if (rowCount === 0) throw new AppError('conflict', 'Two-factor authentication is off for this user');
    await tx.query('delete from two_factor_recovery_codes where user_id = $1', [user.id]);
    await tx.query('delete from login_challenges where user_id = $1', [user.id]);
    return tellOwner(ctx, tx, user, false);
  });
  ctx.mailer.sendSoon([outbox]);
}

/** New recovery codes (the old ones stop working), with a current code. */
export async function regenerateRecoveryCodes(ctx: AppContext, user: User, code: string): Promise<string[]> {
  return ctx.db.transaction(async (tx) => {
    if (!(await isEnabled(tx, user.id))) throw new AppError('conflict', 'Two-factor authentication is off');
    if (!(await useCode(ctx, tx, user.id, code))) throw wrongCode();
    return newRecoveryCodes(ctx, tx, user.id);
  });
}

async function tellOwner(ctx: AppContext, tx: Queryable, user: User, enabled: boolean): Promise<string> {
  const mail = twoFactorChanged(await languageOf(tx, user.accountId), {
    name: user.name,
    enabled,
    securityUrl: `${ctx.config.publicUrl}/account/security`,
  });
  return ctx.mailer.enqueue(tx, {
    ...mail,
    template: enabled ? 'two-factor-enabled' : 'two-factor-disabled',
    to: user.email,
  });
}

// The login step between the password and the code.

export interface Challenge {
  challenge: string;
  expiresAt: string;
  /** Set when the user must enrol now (an operator admin where two-factor is required). */
  enrolment: Enrolment | null;
}

export async function issueChallenge(
  ctx: AppContext,
  user: Pick<User, 'id' | 'email'>,
  meta: { ip: string; userAgent: string | undefined },
  enrol: boolean,
): Promise<Challenge> {
  const challenge = newSecret();
  const now = ctx.now();
  const expiresAt = new Date(now.getTime() + CHALLENGE_LIFETIME_MS);
  const enrolment = await ctx.db.transaction(async (tx) => {
    await tx.query(
      `insert into login_challenges (id_hash, user_id, kind, ip, user_agent, created_at, expires_at)
       values ($1, $2, $3, $4, $5, $6, $7)`,
      [
        sha256(challenge),
        user.id,
        enrol ? 'enrol' : 'verify',
        meta.ip,
        meta.userAgent?.slice(0, 300) ?? null,
        now,
        expiresAt,
      ],
    );
    // An enrolment begun at an earlier login keeps its secret: a code scanned then still works.
    return enrol ? startEnrolment(ctx, tx, user, { reuse: true }) : null;
  });
  return { challenge, expiresAt: expiresAt.toISOString(), enrolment };
}

/**
 * Answers a challenge with a code. Every try counts (five per challenge, in the statement that
 * reads it); a right code ends the challenge and answers its user, with the recovery codes when
 * the challenge enrolled them.
 */
export async function answerChallenge(
  ctx: AppContext,
  challenge: string,
  code: string,
): Promise<{ userId: string; recoveryCodes: string[] | null }> {
  const idHash = sha256(challenge);
  const { rows } = await ctx.db.query<{ user_id: string; kind: 'verify' | 'enrol' }>(
    `update login_challenges set attempts = attempts + 1
      where id_hash = $1 and expires_at > $2 and attempts < $3
      returning user_id, kind`,
    [idHash, ctx.now(), CHALLENGE_ATTEMPTS],
  );
  const row = rows[0];
  if (!row) {
    throw validationFailed(
      [{ path: 'body.challenge', message: 'has expired or had too many wrong codes; log in again' }],
      'Log in again',
    );
  }
  // Across challenges too: a new one needs the password again, and this bounds the codes tried.
  await limiterFor(ctx).hit([[LIMITS.twoFactorPerUser, row.user_id]]);
  const outbox: string[] = [];
  const answered = await ctx.db.transaction(async (tx) => {
    let recoveryCodes: string[] | null = null;
    if (row.kind === 'enrol') {
      if (!TOTP_FORMAT.test(code.trim()) || !(await useTotp(ctx, tx, row.user_id, code.trim(), true))) {
        throw wrongCode();
      }
      await tx.query('update user_two_factor set enabled_at = $2 where user_id = $1', [
        row.user_id,
        ctx.now(),
      ]);
      recoveryCodes = await newRecoveryCodes(ctx, tx, row.user_id);
      const user = await getUser(tx, row.user_id);
      if (user) outbox.push(await tellOwner(ctx, tx, user, true));
    } else if (!(await useCode(ctx, tx, row.user_id, code))) {
      throw wrongCode();
    }
    await tx.query('delete from login_challenges where id_hash = $1', [idHash]);
    return { userId: row.user_id, recoveryCodes };
  });
  ctx.mailer.sendSoon(outbox);
  return answered;
}

export async function pruneChallenges(q: Queryable, now: Date): Promise<number> {
  const { rowCount } = await q.query('delete from login_challenges where expires_at < $1', [now]);
  return rowCount;
}
