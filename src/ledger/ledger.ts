// The ledger's public face: atomic groups of operations, balances, history, hold expiry.
// Every other module moves credits through here (or through the BatchedWriter on the hot path).
import type { Db, Queryable } from '../db/types.js';
import { openCustomerAccount, SYSTEM_ACCOUNTS, systemShardId, SYSTEM_SHARDS } from './accounts.js';
import { type AvailableListener, availableSignal } from './available-signal.js';
import { executeBatch, TRANSFER_COLUMNS, type TransferRow, toTransfer } from './engine.js';
import type { Balance, LedgerRequest, SystemAccount, Transfer, TransferCode } from './types.js';

export interface HistoryEntry {
  transfer: Transfer;
  /** The amount as it affected this account: negative when it left the account. */
  delta: bigint;
  balanceAfter: bigint;
  availableAfter: bigint;
}

export interface HistoryQuery {
  limit?: number;
  /** Opaque: the `nextCursor` of the previous page. */
  cursor?: string | null;
  from?: Date;
  to?: Date;
  codes?: TransferCode[];
  kinds?: Transfer['kind'][];
}

export interface LedgerOptions {
  /** Where a failing available-credit listener is reported (default: standard error). */
  logger?: { error(fields: Record<string, unknown>, message: string): void };
}

export class Ledger {
  constructor(
    private readonly db: Db,
    private readonly options: LedgerOptions = {},
  ) {}

  /**
   * Calls `listener` right after each committed ledger write on this database, by this process,
   * with the new available credit of every customer account it changed (see
   * available-signal.ts). Synchronous: start slow work without awaiting it. A throw is logged
   * and never reaches the writer. Returns the function that unsubscribes.
   */
  onAvailableChanged(listener: AvailableListener): () => void {
    return availableSignal(this.db).subscribe(listener, (err, changes) => {
      const fields = { err, accounts: changes.map((change) => change.accountId) };
      if (this.options.logger) this.options.logger.error(fields, 'an available-credit listener failed');
      else console.error('an available-credit listener failed', err);
    });
  }

  openCustomerAccount(id: string, q: Queryable = this.db): Promise<void> {
    return openCustomerAccount(q, id);
  }

  /**
   * Applies the requests together or not at all. Pass `tx` to join a caller's transaction
   * (a purchase's state change and its credit, for example). Replays of earlier ids return
   * the stored transfers. Throws LedgerError for expected failures.
   */
  async apply(requests: LedgerRequest[], tx?: Queryable): Promise<Transfer[]> {
    const run = async (q: Queryable) => {
      const results = await executeBatch(q, requests, true);
      return results.map((result) => {
        if (!result.ok) throw result.error;
        return result.transfer;
      });
    };
    return tx ? run(tx) : this.db.transaction(run);
  }

  async balance(accountId: string, q: Queryable = this.db): Promise<Balance | null> {
    const { rows } = await q.query<{ debits_pending: bigint; debits_posted: bigint; credits_posted: bigint }>(
      'select debits_pending, debits_posted, credits_posted from ledger_accounts where id = $1',
      [accountId],
    );
    const row = rows[0];
    if (!row) return null;
    const balance = row.credits_posted - row.debits_posted;
    return { balance, held: row.debits_pending, available: balance - row.debits_pending };
  }

  /** A system account's totals over all its shards. */
  async systemTotals(
    name: SystemAccount,
  ): Promise<{ debitsPosted: bigint; creditsPosted: bigint; pending: bigint }> {
    const ids = Array.from({ length: SYSTEM_SHARDS }, (_, shard) => systemShardId(name, shard));
    const { rows } = await this.db.query<{ dp: bigint; cp: bigint; pend: bigint }>(
      `select coalesce(sum(debits_posted), 0)::bigint as dp, coalesce(sum(credits_posted), 0)::bigint as cp,
              coalesce(sum(debits_pending + credits_pending), 0)::bigint as pend
         from ledger_accounts where id = any($1::text[])`,
      [ids],
    );
    const row = rows[0];
    return { debitsPosted: row?.dp ?? 0n, creditsPosted: row?.cp ?? 0n, pending: row?.pend ?? 0n };
  }

  async transfer(id: string, q: Queryable = this.db): Promise<Transfer | null> {
    const { rows } = await q.query<TransferRow>(
      `select ${TRANSFER_COLUMNS} from ledger_transfers where id = $1`,
      [id],
    );
    return rows[0] ? toTransfer(rows[0]) : null;
  }

  /** Whether a hold is still open, and if not how it ended. */
  async holdState(pendingId: string): Promise<'open' | 'post' | 'void' | 'expire' | null> {
    const { rows } = await this.db.query<{ kind: string; ended: string | null }>(
      `select p.kind, r.kind as ended from ledger_transfers p
         left join ledger_transfers r on r.pending_id = p.id
        where p.id = $1`,
      [pendingId],
    );
    const row = rows[0];
    if (row?.kind !== 'pending') return null;
    return (row.ended as 'post' | 'void' | 'expire' | null) ?? 'open';
  }

  /** An account's entries, newest first, each with the balance right after it. */
  async history(
    accountId: string,
    query: HistoryQuery = {},
  ): Promise<{ entries: HistoryEntry[]; nextCursor: string | null }> {
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 500);
    const params: unknown[] = [accountId];
    const filters: string[] = [];
    const add = (clause: string, value: unknown) => {
      params.push(value);
      filters.push(clause.replace('?', `$${params.length}`));
    };
    if (query.cursor) {
      if (!/^\d{1,19}$/.test(query.cursor)) throw new RangeError('cursor is not one this API gave out');
      add('seq < ?::bigint', query.cursor);
    }
    if (query.from) add('created_at >= ?', query.from);
    if (query.to) add('created_at < ?', query.to);
    if (query.codes?.length) add('code = any(?::text[])', query.codes);
    if (query.kinds?.length) add('kind = any(?::text[])', query.kinds);
    params.push(limit + 1);
    const n = `$${params.length}`;
    const extra = filters.map((f) => ` and ${f}`).join('');
    // One branch per side, each walking its partial index backwards (the predicates repeat the
    // indexes' own so the planner can use them); a transfer never has the same account twice.
    const side = (column: string) =>
      `(select ${TRANSFER_COLUMNS} from ledger_transfers
         where ${column} = $1 and ${column} not like 'sys\\_%'${extra} order by seq desc limit ${n})`;
    const { rows } = await this.db.query<TransferRow>(
      `select * from (${side('debit_account_id')} union all ${side('credit_account_id')}) entries
        order by seq desc limit ${n}`,
      params,
    );
    const page = rows.slice(0, limit).map(toTransfer);
    const entries = page.map((transfer) => {
      const isDebit = transfer.debitAccountId === accountId;
      const posted = transfer.kind === 'posted' || transfer.kind === 'post';
      return {
        transfer,
        delta: posted ? (isDebit ? -transfer.amount : transfer.amount) : 0n,
        balanceAfter: isDebit ? transfer.debitBalanceAfter : transfer.creditBalanceAfter,
        availableAfter: isDebit ? transfer.debitAvailableAfter : transfer.creditAvailableAfter,
      };
    });
    const last = page[page.length - 1];
    return { entries, nextCursor: rows.length > limit && last ? last.seq.toString() : null };
  }

  /** Holds whose timeout has passed and that have not ended, oldest first. */
  async overdueHolds(now: Date, limit = 1000): Promise<{ id: string; debitAccountId: string }[]> {
    const { rows } = await this.db.query<{ id: string; debit_account_id: string }>(
      `select p.id, p.debit_account_id from ledger_transfers p
        where p.kind = 'pending' and p.timeout_at is not null and p.timeout_at <= $1
          and not exists (select 1 from ledger_transfers r where r.pending_id = p.id)
        order by p.timeout_at limit $2`,
      [now, limit],
    );
    return rows.map((row) => ({ id: row.id, debitAccountId: row.debit_account_id }));
  }
}

export { SYSTEM_ACCOUNTS };
