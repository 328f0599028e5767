// Ledger accounts: one per customer, plus the sharded system accounts.
import type { Queryable } from '../db/types.js';
import type { AccountRef, SystemAccount } from './types.js';

export const SYSTEM_ACCOUNTS: readonly SystemAccount[] = ['sales', 'consumption', 'grants', 'adjustments'];
/** Must match the shards seeded by migrations/0001_ledger.sql. */
export const SYSTEM_SHARDS = 8;

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export function systemShardId(name: SystemAccount, shard: number): string {
  return `sys_${name}_${String(shard).padStart(2, '0')}`;
}

/**
 * The row a reference names. A system account's shard follows the customer on the other side,
 * so one customer's batches always meet the same system row and different customers spread out.
 */
export function resolveAccount(ref: AccountRef, other: AccountRef): string {
  if (typeof ref === 'string') return ref;
  const shard = typeof other === 'string' ? fnv1a(other) % SYSTEM_SHARDS : 0;
  return systemShardId(ref.system, shard);
}

export function isSystemAccountId(id: string): boolean {
  return id.startsWith('sys_');
}

/** Opens a customer's ledger account; opening it again changes nothing. */
export async function openCustomerAccount(q: Queryable, id: string): Promise<void> {
  if (isSystemAccountId(id)) throw new Error(`customer ledger account ids cannot start with sys_: ${id}`);
  await q.query(
    `insert into ledger_accounts (id, kind) values ($1, 'customer') on conflict (id) do nothing`,
    [id],
  );
}
