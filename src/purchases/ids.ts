// Ids of this room's objects: a type prefix and 120 random bits in lower-case base32
// (`pur_…` purchases, `rfd_…` refunds, `bsi_…` statement imports, `bse_…` statement entries,
// `vies_…` VIES consultations).
import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

export type PurchasesIdPrefix = 'pur' | 'rfd' | 'bsi' | 'bse' | 'adj' | 'vies';

const ID_BYTES = 15;

function encode(prefix: string, bytes: Uint8Array, from: number): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (let i = from; i < from + ID_BYTES; i++) {
    value = ((value << 8) | (bytes[i] as number)) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return `${prefix}_${out}`;
}

export function newId(prefix: PurchasesIdPrefix): string {
  return encode(prefix, randomBytes(ID_BYTES), 0);
}

/** `count` ids from one draw of random bytes (10,000 statement entries at once). */
export function newIds(prefix: PurchasesIdPrefix, count: number): string[] {
  const bytes = randomBytes(ID_BYTES * count);
  const ids = new Array<string>(count);
  for (let i = 0; i < count; i++) ids[i] = encode(prefix, bytes, i * ID_BYTES);
  return ids;
}
