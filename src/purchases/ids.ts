// Ids of this room's objects: a type prefix and 120 random bits in lower-case base32
// (`pur_…` purchases, `rfd_…` refunds, `bsi_…` statement imports, `bse_…` statement entries).
import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

export type PurchasesIdPrefix = 'pur' | 'rfd' | 'bsi' | 'bse' | 'adj';

export function newId(prefix: PurchasesIdPrefix): string {
  const bytes = randomBytes(15);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return `${prefix}_${out}`;
}
