// Object ids with Stripe's prefixes and lengths (cus_ + 14, cs_test_ + 58, others + 24).
import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export function randomToken(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  // `byte % 62` leans slightly towards the first letters; for ids that does not matter.
  for (const byte of bytes) out += ALPHABET[byte % ALPHABET.length];
  return out;
}

export type IdPrefix = 'cus' | 'pi' | 'pm' | 'seti' | 're' | 'ch' | 'evt' | 'req' | 'txn' | 'we';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomToken(prefix === 'cus' ? 14 : 24)}`;
}

export function newCheckoutSessionId(): string {
  return `cs_test_${randomToken(58)}`;
}

export function clientSecret(id: string): string {
  return `${id}_secret_${randomToken(25)}`;
}

/** A string of decimal digits (a card network's reference number). */
export function randomDigits(length: number): string {
  let out = '';
  for (const byte of randomBytes(length)) out += String(byte % 10);
  return out;
}
