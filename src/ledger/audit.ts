// Checks the ledger's invariants against the database. Used by the tests after every step of
// the model-based test and by operators (`tollgate ledger-check`).
import type { Queryable } from '../db/types.js';

export interface AuditReport {
  ok: boolean;
  problems: string[];
}

export async function auditLedger(q: Queryable): Promise<AuditReport> {
  const problems: string[] = [];

  // Summed as numeric: every total fits a bigint (the engine sees to it), their sum need not.
  const sums = await q.query<{ dp: string; dpo: string; cp: string; cpo: string }>(
    `select coalesce(sum(debits_pending), 0)::text as dp, coalesce(sum(debits_posted), 0)::text as dpo,
            coalesce(sum(credits_pending), 0)::text as cp, coalesce(sum(credits_posted), 0)::text as cpo
       from ledger_accounts`,
  );
  const s = sums.rows[0];
  if (s && s.dp !== s.cp) problems.push(`pending debits ${s.dp} != pending credits ${s.cp}`);
  if (s && s.dpo !== s.cpo) problems.push(`posted debits ${s.dpo} != posted credits ${s.cpo}`);

  const overdrawn = await q.query<{ id: string }>(
    `select id from ledger_accounts where kind = 'customer' and debits_pending::numeric + debits_posted > credits_posted`,
  );
  for (const row of overdrawn.rows) problems.push(`account ${row.id} is overdrawn`);

  // Totals must equal a replay of the transfers.
  const replay = await q.query<{ id: string }>(
    `with effects as (
       select debit_account_id as account, amount as d_posted, 0::bigint as d_pending, 0::bigint as c_posted, 0::bigint as c_pending
         from ledger_transfers where kind in ('posted', 'post')
       union all
       select credit_account_id, 0, 0, amount, 0 from ledger_transfers where kind in ('posted', 'post')
       union all
       select debit_account_id, 0, amount, 0, 0 from ledger_transfers where kind = 'pending'
       union all
       select credit_account_id, 0, 0, 0, amount from ledger_transfers where kind = 'pending'
       union all
       select p.debit_account_id, 0, -p.amount, 0, 0 from ledger_transfers r join ledger_transfers p on p.id = r.pending_id
       union all
       select p.credit_account_id, 0, 0, 0, -p.amount from ledger_transfers r join ledger_transfers p on p.id = r.pending_id
     ), replayed as (
       select account, sum(d_posted) as dpo, sum(d_pending) as dp, sum(c_posted) as cpo, sum(c_pending) as cp
         from effects group by account
     )
     select a.id from ledger_accounts a left join replayed r on r.account = a.id
      where a.debits_posted <> coalesce(r.dpo, 0) or a.debits_pending <> coalesce(r.dp, 0)
         or a.credits_posted <> coalesce(r.cpo, 0) or a.credits_pending <> coalesce(r.cp, 0)`,
  );
  for (const row of replay.rows)
    problems.push(`account ${row.id}: totals differ from a replay of its transfers`);

  const twice = await q.query<{ pending_id: string }>(
    'select pending_id from ledger_transfers where pending_id is not null group by pending_id having count(*) > 1',
  );
  for (const row of twice.rows) problems.push(`hold ${row.pending_id} ended more than once`);

  const resolvingNothing = await q.query<{ id: string }>(
    `select r.id from ledger_transfers r left join ledger_transfers p on p.id = r.pending_id and p.kind = 'pending'
      where r.pending_id is not null and p.id is null`,
  );
  for (const row of resolvingNothing.rows)
    problems.push(`transfer ${row.id} ends a hold that does not exist`);

  return { ok: problems.length === 0, problems };
}
