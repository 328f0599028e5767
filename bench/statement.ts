// Importing a camt.053 statement of 10,000 booked credit entries, every one paying its own
// bank-transfer purchase of a different customer (the worst case: 10,000 purchases locked,
// credited in one ledger group, 10,000 entries stored), on PostgreSQL and on PGlite. Target:
// under 2 seconds. Also timed: reading the XML alone, and importing the same file again (every
// entry already imported, nothing credited). The figure is wall-clock time on whatever else the
// machine is doing; the load average is reported with it.
import { loadavg } from 'node:os';
import { loadConfig } from '../src/config.js';
import { createContext } from '../src/context.js';
import type { Db } from '../src/db/types.js';
import { auditLedger } from '../src/ledger/audit.js';
import { createLogger } from '../src/logger.js';
import { importStatement } from '../src/purchases/index.js';
import { readCamt053 } from '../src/purchases/providers/bank-transfer/camt053.js';
import { creditorReference } from '../src/purchases/providers/bank-transfer/creditor-reference.js';
import { freshPglite, freshPostgres, log, round } from './support.js';

const IBAN = 'GB93SAND00000012345678';
const TARGET_MS = 2_000;

/** 10,000 customers, each with one purchase awaiting a bank transfer of 60.50 EUR. */
export async function seed(db: Db, entries: number): Promise<string[]> {
  await db.exec(`
    insert into ledger_accounts (id, kind)
      select 'acc_bench' || lpad(i::text, 6, '0'), 'customer' from generate_series(1, ${entries}) i;
    insert into accounts (id, name, status)
      select 'acc_bench' || lpad(i::text, 6, '0'), 'Bench ' || i, 'active' from generate_series(1, ${entries}) i;
  `);
  const references = Array.from({ length: entries }, (_, i) => creditorReference(String(100_000_000 + i)));
  const billing = JSON.stringify({
    legalName: 'Bench S.L.',
    taxId: null,
    vatId: null,
    address: {
      line1: 'Calle 1',
      line2: null,
      city: 'Madrid',
      postalCode: '28001',
      region: null,
      country: 'ES',
    },
    invoiceEmail: 'bench@example.com',
    mobile: '+34600000000',
  });
  await db.query(
    `insert into purchases (id, account_id, status, payment_method, provider, credits, currency, subtotal, tax_amount,
       total, tax_rate_bp, tax_treatment, issuer_country, billing, bank_reference, bank_iban, bank_bic,
       bank_beneficiary, due_at, created_at, updated_at)
     select 'pur_bench' || lpad(i::text, 6, '0'), 'acc_bench' || lpad(i::text, 6, '0'), 'awaiting_payment',
            'bank_transfer', 'bank_transfer', 1000, 'EUR', 5000, 1050, 6050, 2100, 'domestic', 'ES', $1::jsonb,
            ref, $2, 'SANDGB2LXXX', 'Bench', now() + interval '14 days', now(), now()
       from unnest($3::text[]) with ordinality as r(ref, i)`,
    [billing, IBAN, references],
  );
  return references;
}

export function statement(references: string[], id: string): Buffer {
  const entries = references.map(
    (ref, i) => `<Ntry><NtryRef>${i + 1}</NtryRef><Amt Ccy="EUR">60.50</Amt><CdtDbtInd>CRDT</CdtDbtInd>
<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-11-20</Dt></BookgDt><ValDt><Dt>2026-11-20</Dt></ValDt>
<AcctSvcrRef>${id}-${i + 1}</AcctSvcrRef><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
<NtryDtls><TxDtls><Refs><EndToEndId>E2E-${i + 1}</EndToEndId></Refs><RltdPties><Dbtr><Pty><Nm>Customer ${i + 1} S.L.</Nm></Pty></Dbtr>
<DbtrAcct><Id><IBAN>ES9121000418450200051332</IBAN></Id></DbtrAcct></RltdPties>
<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>${ref}</Ref></CdtrRefInf></Strd></RmtInf></TxDtls></NtryDtls></Ntry>`,
  );
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
<GrpHdr><MsgId>${id}</MsgId><CreDtTm>2026-11-21T06:00:00Z</CreDtTm></GrpHdr>
<Stmt><Id>${id}</Id><Acct><Id><IBAN>${IBAN}</IBAN></Id><Ccy>EUR</Ccy></Acct>
${entries.join('\n')}
</Stmt></BkToCstmrStmt></Document>
`);
}

async function timeImport(db: Db, entries: number, label: string) {
  const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: '/tmp/tollgate-bench' });
  const full = createContext(config, db, createLogger(config));
  // A copy without credit.arrived subscribers: the outbox's work for 10,000 credited accounts
  // (one query each, started after the import commits) is the outbox's cost, not the import's,
  // and would otherwise queue in front of the second import.
  const ctx = { ...full };
  try {
    const references = await seed(db, entries);
    const file = statement(references, `BENCH-${label}`);
    const parseStarted = performance.now();
    readCamt053(file.toString('utf8'));
    const parseMs = performance.now() - parseStarted;
    const started = performance.now();
    const result = await importStatement(ctx, file, { importedBy: 'bench' });
    const importMs = performance.now() - started;
    if (result.matched.length !== entries) {
      throw new Error(
        `${result.matched.length} of ${entries} entries matched: ${JSON.stringify(result.unmatched[0])}`,
      );
    }
    const again = performance.now();
    const second = await importStatement(ctx, file, { importedBy: 'bench' });
    const reimportMs = performance.now() - again;
    if (second.matched.length !== 0) throw new Error('the second import credited something');
    const audit = await auditLedger(db);
    if (!audit.ok) throw new Error(`ledger audit failed: ${audit.problems.join('; ')}`);
    const { rows } = await db.query<{ n: bigint }>(
      `select count(*)::bigint as n from purchases where status = 'credited'`,
    );
    if (rows[0]?.n !== BigInt(entries))
      throw new Error(`${rows[0]?.n} purchases credited, expected ${entries}`);
    log(
      `${label}: ${entries} entries (${round(file.length / 1024 / 1024, 1)} MB): read ${round(parseMs)} ms, ` +
        `import ${round(importMs)} ms, again ${round(reimportMs)} ms; ledger audit ok`,
    );
    return { importMs, parseMs, reimportMs, megabytes: file.length / 1024 / 1024 };
  } finally {
    await full.writer.close();
    full.mailer.close();
  }
}

export async function run(args: string[]) {
  const entries = Number(args[0] ?? 10_000);
  const pg = await freshPostgres(20);
  let postgres: Awaited<ReturnType<typeof timeImport>>;
  try {
    postgres = await timeImport(pg.db, entries, 'PostgreSQL');
  } finally {
    await pg.drop();
  }
  const lite = await freshPglite();
  let pglite: Awaited<ReturnType<typeof timeImport>>;
  try {
    pglite = await timeImport(lite, entries, 'PGlite');
  } finally {
    await lite.close();
  }
  return {
    name: 'statement',
    load_average_1m: round(loadavg()[0] ?? 0, 1),
    value: Math.round(postgres.importMs),
    unit: 'ms',
    entries,
    compared_to: `target: a camt.053 statement of ${entries} matching entries imported in under ${TARGET_MS} ms`,
    target_ms: TARGET_MS,
    within_target: postgres.importMs < TARGET_MS,
    file_mb: round(postgres.megabytes, 1),
    read_xml_ms: Math.round(postgres.parseMs),
    reimport_ms: Math.round(postgres.reimportMs),
    pglite_ms: Math.round(pglite.importMs),
    pglite_reimport_ms: Math.round(pglite.reimportMs),
  };
}
