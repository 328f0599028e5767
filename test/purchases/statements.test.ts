// camt.053 statements: booked credits pay their purchases by RF reference, exact amount and
// currency; everything else is listed with its reason and kept for a person; a statement
// imported twice credits nothing twice; a broken or oversized file changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLedger } from '../../src/ledger/audit.js';
import { MICROS_PER_CREDIT } from '../../src/ledger/amounts.js';
import { expireOverduePurchases, getPurchase } from '../../src/purchases/index.js';
import { creditorReference } from '../../src/purchases/providers/bank-transfer/creditor-reference.js';
import { adminSession, type Customer, readyCustomer, type Session } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { balanceOf, buyByTransfer, camt053, decimal, get, importStatementHttp, post } from './helpers.js';

interface Line {
  reason?: string;
  purchaseId: string | null;
  bankRef: string | null;
  entryId: string | null;
}

describe('bank statements', () => {
  let t: TestApp;
  let ops: Session;
  let alice: Customer;
  let bob: Customer;

  beforeAll(async () => {
    t = await createTestApp();
    [ops, alice, bob] = await Promise.all([adminSession(t), readyCustomer(t), readyCustomer(t)]);
  });
  afterAll(() => t.close());

  const statusOf = async (id: string) => (await getPurchase(t.ctx.db, id))?.status;

  it('credits the purchases a statement pays, and lists everything else with its reason', async () => {
    const paid = await buyByTransfer(t, alice, { credits: '1000' }); // 60.50 EUR
    const byText = await buyByTransfer(t, bob, { credits: '2000' });
    const short = await buyByTransfer(t, alice, { credits: '1001' });
    const dollars = await buyByTransfer(t, bob, { credits: '1002' });
    const twice = await buyByTransfer(t, alice, { credits: '1003' });
    const canceled = await buyByTransfer(t, bob, { credits: '1004' });
    expect((await post(t, `/api/v1/purchases/${canceled.id}/cancel`, bob)).statusCode).toBe(200);
    const before = { alice: await balanceOf(t, alice.accountId), bob: await balanceOf(t, bob.accountId) };
    const amount = (p: { total: { amount: number } }) => decimal(p.total.amount);
    const strangerRef = creditorReference('999999999999');

    const xml = camt053({
      statementId: 'STMT-A',
      entries: [
        { bankRef: 'E1', amount: amount(paid), ref: paid.bankTransfer.reference },
        {
          bankRef: 'E2',
          amount: amount(byText),
          ustrd: `Pedido ${byText.bankTransfer.referenceFormatted} gracias`,
        },
        { bankRef: 'E3', amount: decimal(short.total.amount - 1), ref: short.bankTransfer.reference },
        { bankRef: 'E4', amount: amount(dollars), currency: 'USD', ref: dollars.bankTransfer.reference },
        { bankRef: 'E5', amount: '10.00', ref: strangerRef },
        { bankRef: 'E6', amount: '10.00', ustrd: 'Invoice 42' },
        { bankRef: 'E7', amount: amount(twice), ref: twice.bankTransfer.reference, direction: 'DBIT' },
        { bankRef: 'E8', amount: amount(twice), ref: twice.bankTransfer.reference, status: 'PDNG' },
        { bankRef: 'E9', amount: amount(twice), ref: twice.bankTransfer.reference },
        { bankRef: 'E9', amount: amount(twice), ref: twice.bankTransfer.reference },
        { bankRef: 'E10', amount: amount(paid), ref: paid.bankTransfer.reference },
        { bankRef: 'E11', amount: amount(canceled), ref: canceled.bankTransfer.reference },
      ],
    });
    const res = await importStatementHttp(t, ops, xml);
    expect(res.statusCode, res.body).toBe(200);
    const result = res.json();
    expect(result).toMatchObject({
      importId: expect.stringMatching(/^bsi_/),
      statementIds: ['STMT-A'],
      entries: 12,
    });
    expect(result.matched.map((l: Line) => [l.bankRef, l.purchaseId])).toEqual([
      ['E1', paid.id],
      ['E2', byText.id],
      ['E9', twice.id],
    ]);
    expect(result.matched[0]).toMatchObject({
      accountId: alice.accountId,
      amount: { amount: paid.total.amount, currency: 'EUR' },
      reference: paid.bankTransfer.reference,
      bookedAt: '2026-11-20T00:00:00.000Z',
      debtorName: 'Example Trading S.L.',
    });
    const unmatched: Line[] = result.unmatched;
    expect(Object.fromEntries(unmatched.map((l) => [l.bankRef, l.reason]))).toEqual({
      E3: 'wrong_amount',
      E4: 'wrong_currency',
      E5: 'unknown_reference',
      E6: 'no_reference',
      E7: 'debit_entry',
      E8: 'not_booked',
      E9: 'duplicate_entry',
      E10: 'purchase_already_credited',
      E11: 'purchase_canceled',
    });
    expect(unmatched.find((l) => l.bankRef === 'E3')?.purchaseId).toBe(short.id);

    // Balances grew by exactly the credits of the matched purchases.
    const after = { alice: await balanceOf(t, alice.accountId), bob: await balanceOf(t, bob.accountId) };
    expect(after.alice.balance - before.alice.balance).toBe((1000n + 1003n) * MICROS_PER_CREDIT);
    expect(after.bob.balance - before.bob.balance).toBe(2000n * MICROS_PER_CREDIT);
    expect(await statusOf(paid.id)).toBe('credited');
    expect(await getPurchase(t.ctx.db, paid.id)).toMatchObject({
      paidVia: 'bank_statement',
      paidReference: 'E1',
      paidAt: new Date('2026-11-20T00:00:00Z'),
    });
    for (const p of [short, dollars]) expect(await statusOf(p.id)).toBe('awaiting_payment');
    expect(await statusOf(canceled.id)).toBe('canceled');
    expect(await auditLedger(t.ctx.db)).toEqual({ ok: true, problems: [] });

    // Everything unmatched waits for a person.
    const open = await get(t, '/api/v1/admin/bank-statements/unmatched?limit=500', ops);
    expect(open.statusCode).toBe(200);
    const stored = open.json().data.filter((e: { importId: string }) => e.importId === result.importId);
    expect(stored).toHaveLength(9);
    for (const entry of stored)
      expect(entry).toMatchObject({ reviewStatus: 'open', reason: expect.any(String) });
  });

  it('credits nothing twice when the same statement is imported again', async () => {
    const purchase = await buyByTransfer(t, alice, { credits: '1234' });
    const xml = camt053({
      statementId: 'STMT-TWICE',
      entries: [
        { bankRef: 'T1', amount: decimal(purchase.total.amount), ref: purchase.bankTransfer.reference },
        { bankRef: 'T2', amount: '1.00', ustrd: 'nothing to match' },
      ],
    });
    const first = await importStatementHttp(t, ops, xml);
    expect(first.json().matched).toHaveLength(1);
    const balance = await balanceOf(t, alice.accountId);
    const second = await importStatementHttp(t, ops, xml);
    expect(second.statusCode).toBe(200);
    expect(second.json().matched).toEqual([]);
    expect(second.json().unmatched.map((l: Line) => [l.bankRef, l.reason, l.entryId])).toEqual([
      ['T1', 'already_imported', null],
      ['T2', 'already_imported', null],
    ]);
    expect(await balanceOf(t, alice.accountId)).toEqual(balance);
    const { rows } = await t.ctx.db.query(
      `select id from bank_statement_entries where bank_ref in ('T1', 'T2')`,
    );
    expect(rows).toHaveLength(2);
    expect(await auditLedger(t.ctx.db)).toMatchObject({ ok: true });
  });

  it('imports the same statement concurrently once', async () => {
    const purchase = await buyByTransfer(t, bob, { credits: '1500' });
    const xml = camt053({
      statementId: 'STMT-RACE',
      entries: [
        { bankRef: 'R1', amount: decimal(purchase.total.amount), ref: purchase.bankTransfer.reference },
      ],
    });
    const before = await balanceOf(t, bob.accountId);
    const answers = await Promise.all([importStatementHttp(t, ops, xml), importStatementHttp(t, ops, xml)]);
    for (const res of answers) expect(res.statusCode, res.body).toBe(200);
    expect(answers.map((res) => res.json().matched.length).sort()).toEqual([0, 1]);
    expect((await balanceOf(t, bob.accountId)).balance - before.balance).toBe(1500n * MICROS_PER_CREDIT);
  });

  it('matches a late transfer for an expired order', async () => {
    const purchase = await buyByTransfer(t, alice, { credits: '1100' });
    const realNow = t.ctx.now;
    t.ctx.now = () => new Date(Date.now() + 30 * 86_400_000);
    try {
      await expireOverduePurchases(t.ctx);
    } finally {
      t.ctx.now = realNow;
    }
    expect(await statusOf(purchase.id)).toBe('expired');
    const res = await importStatementHttp(
      t,
      ops,
      camt053({
        entries: [{ amount: decimal(purchase.total.amount), ref: purchase.bankTransfer.reference }],
      }),
    );
    expect(res.json().matched.map((l: Line) => l.purchaseId)).toEqual([purchase.id]);
    expect(await statusOf(purchase.id)).toBe('credited');
  });

  it('reads camt.053.001.02 statements, raw XML bodies, and entries without a bank reference', async () => {
    const purchase = await buyByTransfer(t, bob, { credits: '1600' });
    const xml = `<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>1</MsgId></GrpHdr>
<Stmt><Id>OLD-1</Id><Acct><Id><IBAN>GB93 SAND 0000 0012 3456 78</IBAN></Id></Acct>
<Ntry><Amt Ccy="EUR">${decimal(purchase.total.amount)}0</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><DtTm>2026-11-19T15:04:05+01:00</DtTm></BookgDt>
<NtryDtls><TxDtls><RmtInf><Ustrd>${purchase.bankTransfer.reference.toLowerCase()}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>`;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/bank-statements',
      headers: { ...ops.headers, 'content-type': 'application/xml' },
      payload: xml,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().matched).toEqual([
      expect.objectContaining({
        purchaseId: purchase.id,
        bankRef: null,
        bookedAt: '2026-11-19T14:04:05.000Z',
      }),
    ]);
    // Without a bank reference the entry is known by statement id and position: still once.
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/bank-statements',
      headers: { ...ops.headers, 'content-type': 'application/xml' },
      payload: xml,
    });
    expect(again.json().unmatched.map((l: Line) => l.reason)).toEqual(['already_imported']);
  });

  it('splits a batch entry whose transactions carry their own amounts', async () => {
    const a = await buyByTransfer(t, alice, { credits: '1700' });
    const b = await buyByTransfer(t, bob, { credits: '1800' });
    const tx = (p: typeof a) =>
      `<TxDtls><Refs><AcctSvcrRef>B-${p.id}</AcctSvcrRef></Refs><AmtDtls><TxAmt><Amt Ccy="EUR">${decimal(p.total.amount)}</Amt></TxAmt></AmtDtls>
       <RmtInf><Strd><CdtrRefInf><Ref>${p.bankTransfer.reference}</Ref></CdtrRefInf></Strd></RmtInf></TxDtls>`;
    const xml = `<Document><BkToCstmrStmt><Stmt><Id>BATCH-1</Id>
<Ntry><Amt Ccy="EUR">${decimal(a.total.amount + b.total.amount)}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<AcctSvcrRef>BATCH</AcctSvcrRef><NtryDtls>${tx(a)}${tx(b)}</NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>`;
    const res = await importStatementHttp(t, ops, xml);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().matched.map((l: Line) => l.purchaseId)).toEqual([a.id, b.id]);
  });

  describe('refused files', () => {
    const untouched = async (purchaseId: string, accountId: string, balance: bigint) => {
      expect(await statusOf(purchaseId)).toBe('awaiting_payment');
      expect((await balanceOf(t, accountId)).balance).toBe(balance);
    };

    it('refuses malformed XML with its line, and credits nothing', async () => {
      const purchase = await buyByTransfer(t, alice, { credits: '1900' });
      const balance = (await balanceOf(t, alice.accountId)).balance;
      const good = camt053({
        entries: [{ amount: decimal(purchase.total.amount), ref: purchase.bankTransfer.reference }],
      });
      const broken = good.replace('</Stmt>', '</Statement>');
      const res = await importStatementHttp(t, ops, broken);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({
        code: 'validation_failed',
        message: expect.stringMatching(/not well-formed XML.*line \d+.*nothing was imported/),
        details: { line: expect.any(Number), column: expect.any(Number) },
      });
      const cut = await importStatementHttp(t, ops, good.slice(0, good.length / 2));
      expect(cut.statusCode).toBe(400);
      await untouched(purchase.id, alice.accountId, balance);
    });

    it('refuses what is not a camt.053 statement, a DTD, another account’s statement, and non-UTF-8', async () => {
      const purchase = await buyByTransfer(t, alice, { credits: '2100' });
      const balance = (await balanceOf(t, alice.accountId)).balance;
      const entry = { amount: decimal(purchase.total.amount), ref: purchase.bankTransfer.reference };
      const cases: [string | Buffer, RegExp][] = [
        ['<Document><BkToCstmrAcctRpt/></Document>', /camt\.052/],
        ['<html><body>hello</body></html>', /not a camt\.053/],
        ['not xml at all', /well-formed/],
        [
          `<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">]>${camt053({ entries: [entry] }).replace(/^<\?xml[^>]*>/, '')}`,
          /document type declarations/,
        ],
        [camt053({ iban: 'DE89370400440532013000', entries: [entry] }), /another account|not ours/],
        [Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0xfe, 0x3c, 0x2f, 0x61, 0x3e]), /UTF-8/],
        ['<Document><BkToCstmrStmt><Stmt><Id>&bogus;</Id></Stmt></BkToCstmrStmt></Document>', /entity/],
      ];
      for (const [body, message] of cases) {
        const res = await importStatementHttp(t, ops, body);
        expect(res.statusCode, String(body).slice(0, 60)).toBe(400);
        expect(res.json().error.message).toMatch(message);
      }
      await untouched(purchase.id, alice.accountId, balance);
    });

    it('refuses a file over 20 MB with 413, and credits nothing', async () => {
      const purchase = await buyByTransfer(t, alice, { credits: '2200' });
      const balance = (await balanceOf(t, alice.accountId)).balance;
      const xml = camt053({
        entries: [{ amount: decimal(purchase.total.amount), ref: purchase.bankTransfer.reference }],
      });
      const padded = xml.replace('<BkToCstmrStmt>', `<!--${'x'.repeat(21 * 1024 * 1024)}--><BkToCstmrStmt>`);
      const res = await importStatementHttp(t, ops, padded);
      expect(res.statusCode).toBe(413);
      expect(res.json().error.code).toBe('payload_too_large');
      const raw = await t.app.inject({
        method: 'POST',
        url: '/api/v1/admin/bank-statements',
        headers: { ...ops.headers, 'content-type': 'application/xml' },
        payload: padded,
      });
      expect(raw.statusCode).toBe(413);
      await untouched(purchase.id, alice.accountId, balance);
    });

    it('refuses a request without a file', async () => {
      const res = await post(t, '/api/v1/admin/bank-statements', ops, { file: 'x' });
      expect(res.statusCode).toBe(400);
    });
  });

  describe('unmatched entries', () => {
    it('are listed for a person and resolved with a note', async () => {
      const xml = camt053({
        statementId: 'STMT-REVIEW',
        entries: [{ bankRef: 'U1', amount: '5.00', ustrd: 'donation' }],
      });
      const imported = (await importStatementHttp(t, ops, xml)).json();
      const entryId = imported.unmatched[0].entryId;
      expect(entryId).toMatch(/^bse_/);
      const open = (await get(t, '/api/v1/admin/bank-statements/unmatched?limit=500', ops)).json();
      expect(open.data.map((e: { id: string }) => e.id)).toContain(entryId);
      const resolved = await post(t, `/api/v1/admin/bank-statements/unmatched/${entryId}/resolve`, ops, {
        note: 'sent back to the payer',
      });
      expect(resolved.statusCode, resolved.body).toBe(200);
      expect(resolved.json()).toMatchObject({
        id: entryId,
        reviewStatus: 'resolved',
        resolutionNote: 'sent back to the payer',
        reason: 'no_reference',
        amount: { amount: 500, currency: 'EUR' },
      });
      const stillOpen = (await get(t, '/api/v1/admin/bank-statements/unmatched?limit=500', ops)).json();
      expect(stillOpen.data.map((e: { id: string }) => e.id)).not.toContain(entryId);
      const done = (await get(t, '/api/v1/admin/bank-statements/unmatched?status=resolved', ops)).json();
      expect(done.data.map((e: { id: string }) => e.id)).toContain(entryId);
      const matchedEntry = await t.ctx.db.query<{ id: string }>(
        `select id from bank_statement_entries where outcome = 'matched' limit 1`,
      );
      const id = matchedEntry.rows[0]?.id;
      expect(
        (await post(t, `/api/v1/admin/bank-statements/unmatched/${id}/resolve`, ops, { note: 'x' }))
          .statusCode,
      ).toBe(404);
    });
  });

  it('is the operators’ alone: customers get 403, nobody gets 401', async () => {
    const xml = camt053({ entries: [{ amount: '1.00' }] });
    expect((await importStatementHttp(t, alice, xml)).statusCode).toBe(403);
    expect((await importStatementHttp(t, null, xml)).statusCode).toBe(401);
    expect((await get(t, '/api/v1/admin/bank-statements/unmatched', alice)).statusCode).toBe(403);
    expect((await get(t, '/api/v1/admin/bank-statements/unmatched', null)).statusCode).toBe(401);
  });
});
