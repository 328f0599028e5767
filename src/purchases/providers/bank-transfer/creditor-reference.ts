// ISO 11649 creditor references ("RF" references): the unique payment reference a customer
// copies into a bank transfer, with check digits so a typo is caught by the bank or by us.
//
//   RF + 2 check digits + up to 21 letters or digits. Check: move the first four characters
//   to the end, letters to numbers (A = 10 … Z = 35), the whole number mod 97 must be 1.
//
// Ours carry 12 random digits (digits are easiest to type from a phone), e.g. RF47 1234 5678 9012;
// a unique index on purchases makes each one name one purchase.
import { randomInt } from 'node:crypto';

const BODY_DIGITS = 12;

/** The remainder of the number a string of digits and letters stands for, mod 97. */
export function mod97(text: string): number {
  let rest = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57) {
      rest = (rest * 10 + (code - 48)) % 97;
    } else if (code >= 65 && code <= 90) {
      rest = (rest * 100 + (code - 55)) % 97;
    } else {
      return -1;
    }
  }
  return rest;
}

/** A creditor reference for the given body (letters and digits), with its check digits. */
export function creditorReference(body: string): string {
  const check = 98 - mod97(`${body}RF00`);
  return `RF${String(check).padStart(2, '0')}${body}`;
}

export function newCreditorReference(): string {
  let body = '';
  for (let i = 0; i < BODY_DIGITS; i++) body += String(randomInt(0, 10));
  return creditorReference(body);
}

/** Upper case, no spaces: "rf47 1234 5678 9012" -> "RF47123456789012". */
export function normalizeCreditorReference(value: string): string {
  return value.replace(/\s+/g, '').toUpperCase();
}

export function isValidCreditorReference(value: string): boolean {
  const ref = normalizeCreditorReference(value);
  if (!/^RF\d{2}[A-Z0-9]{1,21}$/.test(ref)) return false;
  return mod97(`${ref.slice(4)}${ref.slice(0, 4)}`) === 1;
}

/** In groups of four, as printed for people: "RF47 1234 5678 9012". */
export function formatCreditorReference(value: string): string {
  return normalizeCreditorReference(value).replace(/(.{4})(?=.)/g, '$1 ');
}

/**
 * Every valid creditor reference in free text (a transfer's unstructured remittance line), also
 * when written in groups: "Order RF47 1234 5678 9012, thanks". Spaces are removed first, so a
 * reference may run into the next word; every length with valid check digits is a candidate,
 * and the caller keeps the one that names a purchase.
 */
export function creditorReferencesIn(text: string): string[] {
  const compact = text.toUpperCase().replace(/\s+/g, '');
  const found: string[] = [];
  let at = compact.indexOf('RF');
  while (at >= 0) {
    const run = /^RF\d{2}[A-Z0-9]{1,21}/.exec(compact.slice(at, at + 25))?.[0];
    if (run) {
      for (let length = run.length; length >= 5; length--) {
        const candidate = run.slice(0, length);
        if (isValidCreditorReference(candidate) && !found.includes(candidate)) found.push(candidate);
      }
    }
    at = compact.indexOf('RF', at + 2);
  }
  return found;
}
