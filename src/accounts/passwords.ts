// Passwords: argon2id hashes (the library's default algorithm and OWASP's parameters), a
// minimum length, and a refusal of the passwords attackers try first.
import { hash, verify } from '@node-rs/argon2';
import { isCommonPassword } from './common-passwords.js';

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

/** Why a new password is refused, or null when it is acceptable. */
export function passwordProblem(
  password: string,
  about: { email?: string; name?: string } = {},
): string | null {
  if ([...password].length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  if (isCommonPassword(password)) return 'is one of the most common passwords; choose another';
  const lower = password.toLowerCase();
  if (new Set(lower).size < 4) return 'is too repetitive; choose another';
  const email = about.email?.toLowerCase();
  const local = email?.split('@')[0];
  if (email && (lower === email || (local && local.length >= 4 && lower === local)))
    return 'must not be your e-mail address';
  if (about.name && lower === about.name.toLowerCase().replace(/\s+/g, '')) return 'must not be your name';
  return null;
}

export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | null = null;

/**
 * Spends the time of a real check when there is no user to check against, so the answer's
 * timing does not tell whether an address has an account.
 */
export async function verifyNothing(password: string): Promise<false> {
  dummy ??= hash('no user has this password, it only costs time');
  await verifyPassword(await dummy, password);
  return false;
}
