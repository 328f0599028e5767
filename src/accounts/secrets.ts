// Ids and secrets. Ids are opaque, prefixed and unguessable; secrets (session cookies, e-mailed
// tokens, API keys) are 256-bit random strings of which only a SHA-256 is stored.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** Lower-case base32 (RFC 4648 alphabet), no padding. */
export function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

export type IdPrefix = 'acc' | 'usr' | 'key';

/** `acc_…`, `usr_…`, `key_…`: 120 random bits in lower-case base32. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${base32(randomBytes(15))}`;
}

/** A random secret for a link, a cookie or an API key (URL-safe). */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Compares two strings in time independent of where they differ. */
export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
