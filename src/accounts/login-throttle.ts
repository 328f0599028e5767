// What keeps password guessing out without handing attackers a way to lock the owner out.
//
// - Per client address, and per (e-mail address, client address): fixed-window limits
//   (rate-limit.ts), refused with 429 once exceeded. One source cannot guess much.
// - Per e-mail address, across every client address: a throttle that slows, never locks. It is
//   a generic cell rate algorithm over a single timestamp per address (`login_throttle.tat`):
//   LOGIN_BURST attempts may come at once, then one per LOGIN_INTERVAL_MS; an attempt beyond
//   that is answered 429 with a Retry-After of at most that interval. A correct password gives
//   its slot back, so only failures use the allowance. Guessing from many addresses is held to
//   the interval, whatever their number.
// - An address the user has logged in from before (`user_login_addresses`) skips that throttle:
//   however hard an account is attacked, its owner's correct password from a known address
//   still works at once. From a new address the owner waits at most one interval per try.
//
// The throttle counts an e-mail address whether or not it has an account, so its answers tell
// nothing either.
import type { Queryable } from '../db/types.js';
import { ipv4At, ipv6Bytes } from '../http/ip.js';
import { sha256 } from './secrets.js';

/** Failed logins an e-mail address may take at once, from any number of new addresses. */
export const LOGIN_BURST = 20;
/** After the burst, one attempt per this long (from addresses the user never logged in from). */
export const LOGIN_INTERVAL_MS = 30_000;
/** A login address not used for this long is forgotten. */
const KNOWN_ADDRESS_DAYS = 180;

/** The part of a client address that identifies its network: all of IPv4, the /64 of IPv6. */
export function networkOf(ip: string): string {
  const bytes = ipv6Bytes(ip);
  if (!bytes) return ip;
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return ipv4At(bytes, 12);
  const groups = [0, 2, 4, 6].map((i) => (((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return `${groups.join(':')}::/64`;
}

function throttleKey(email: string): string {
  return `login:${sha256(email.toLowerCase()).slice(0, 32)}`;
}

export async function isKnownAddress(q: Queryable, userId: string, ip: string): Promise<boolean> {
  const { rows } = await q.query(
    'select 1 from user_login_addresses where user_id = $1 and address_hash = $2',
    [userId, sha256(networkOf(ip))],
  );
  return rows.length > 0;
}

export async function rememberAddress(q: Queryable, userId: string, ip: string, now: Date): Promise<void> {
  await q.query(
    `insert into user_login_addresses (user_id, address_hash, first_at, last_at) values ($1, $2, $3, $3)
     on conflict (user_id, address_hash) do update set last_at = excluded.last_at`,
    [userId, sha256(networkOf(ip)), now],
  );
}

/**
 * Takes a slot for one login attempt on `email` from an address not known for it. Answers null
 * when the attempt may go ahead, or the seconds to wait.
 */
export async function claimLoginSlot(
  q: Queryable,
  email: string,
  now: Date,
  multiplier: number,
): Promise<number | null> {
  const key = throttleKey(email);
  const allowance = LOGIN_BURST * multiplier * LOGIN_INTERVAL_MS;
  const { rows } = await q.query<{ tat: Date }>(
    `insert into login_throttle as t (key, tat) values ($1, $2::timestamptz + $3::int * interval '1 millisecond')
     on conflict (key) do update
        set tat = greatest(t.tat, $2::timestamptz) + $3::int * interval '1 millisecond'
      where greatest(t.tat, $2::timestamptz) + $3::int * interval '1 millisecond'
            <= $2::timestamptz + $4::bigint * interval '1 millisecond'
     returning t.tat`,
    [key, now, LOGIN_INTERVAL_MS, allowance],
  );
  if (rows.length > 0) return null;
  const { rows: current } = await q.query<{ tat: Date }>('select tat from login_throttle where key = $1', [
    key,
  ]);
  const tat = current[0]?.tat.getTime() ?? now.getTime();
  return Math.max(1, Math.ceil((tat + LOGIN_INTERVAL_MS - allowance - now.getTime()) / 1000));
}

/** A correct password gives its slot back: only failures use the allowance. */
export async function returnLoginSlot(q: Queryable, email: string): Promise<void> {
  await q.query(`update login_throttle set tat = tat - $2::int * interval '1 millisecond' where key = $1`, [
    throttleKey(email),
    LOGIN_INTERVAL_MS,
  ]);
}

/** Forgets throttles long at rest and addresses long unused. */
export async function pruneLoginState(q: Queryable, now: Date): Promise<number> {
  const throttles = await q.query('delete from login_throttle where tat < $1', [
    new Date(now.getTime() - 24 * 3_600_000),
  ]);
  const addresses = await q.query('delete from user_login_addresses where last_at < $1', [
    new Date(now.getTime() - KNOWN_ADDRESS_DAYS * 24 * 3_600_000),
  ]);
  return throttles.rowCount + addresses.rowCount;
}
