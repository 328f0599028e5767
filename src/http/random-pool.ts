// Random bytes for ids on the hot path (a request id per request, a message id per message):
// drawn from a pool filled 4 KiB at a time by the CSPRNG instead of one randomBytes call each,
// which costs a call into the crypto binding and a fresh buffer every time. Every byte is used once.
import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let offset = POOL_SIZE;

function take(bytes: number): number {
  if (bytes > POOL_SIZE) throw new RangeError('too many random bytes for the pool');
  if (offset + bytes > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const start = offset;
  offset += bytes;
  return start;
}

/** `bytes` random bytes as lower-case hex. */
export function randomHex(bytes: number): string {
  const start = take(bytes);
  return pool.toString('hex', start, start + bytes);
}

/** `bytes` random bytes as base64url. */
export function randomBase64url(bytes: number): string {
  const start = take(bytes);
  return pool.toString('base64url', start, start + bytes);
}
