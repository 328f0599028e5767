// What the purchases tests share: buying through the API, a fake card provider behind the
// provider seam, camt.053 statements and multipart bodies built by hand.
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import type { AppContext } from '../../src/context.js';
import { type PaymentProvider, registerPaymentProvider, settlePaid } from '../../src/purchases/index.js';
import type { Customer, Session } from '../helpers/accounts.js';
import type { TestApp } from '../helpers/app.js';

export const SANDBOX_IBAN = 'GB93SAND00000012345678';

export type Headers = Record<string, string>;

export async function post(
  t: TestApp,
  url: string,
  who: Session | { headers: Headers } | null,
  payload?: unknown,
  extra: Headers = {},
): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { ...(who?.headers ?? {}), ...extra },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
}

export async function get(t: TestApp, url: string, who: Session | { headers: Headers } | null) {
  return t.app.inject({ method: 'GET', url, headers: who?.headers ?? {} });
}

/** A bank-transfer purchase made through the API (201 expected). */
export async function buyByTransfer(
  t: TestApp,
  customer: Customer,
  item: { credits?: string; packId?: string; currency?: string } = { credits: '1000' },
) {
  const res = await post(t, '/api/v1/purchases', customer, { ...item, paymentMethod: 'bank_transfer' });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

export async function balanceOf(t: TestApp, accountId: string) {
  const balance = await t.ctx.ledger.balance(accountId);
  return balance ?? { balance: 0n, held: 0n, available: 0n };
}

/** Gives an account credits through a real purchase paid by statement-free settlement. */
export async function creditedPurchase(t: TestApp, customer: Customer, credits = '1000') {
  const purchase = await buyByTransfer(t, customer, { credits });
  const settled = await settlePaid(t.ctx, purchase.id, {
    paidAt: t.ctx.now(),
    method: 'operator',
    providerRef: 'test',
  });
  expect(settled.outcome).toBe('credited');
  return purchase;
}

export interface FakeCardProvider extends PaymentProvider {
  started: string[];
  refunded: { refundId: string; amount: number }[];
  canceled: string[];
}

/** A card provider that opens a "checkout page" and refunds at once; settling is the test's job. */
export function installFakeCardProvider(ctx: AppContext): FakeCardProvider {
  const provider: FakeCardProvider = {
    id: 'fake_card',
    method: 'card',
    started: [],
    refunded: [],
    canceled: [],
    async startPayment(_ctx, input) {
      provider.started.push(input.purchase.id);
      return {
        providerRef: `pi_${input.purchase.id}`,
        checkoutUrl: `https://pay.example/checkout/${input.purchase.id}`,
        status: 'checkout',
      };
    },
    async cancelPayment(_ctx, purchase) {
      provider.canceled.push(purchase.id);
    },
    async refund(_ctx, input) {
      provider.refunded.push({ refundId: input.refundId, amount: Number(input.amount.amount) });
      return { status: 'succeeded', providerRef: `re_${input.refundId}` };
    },
  };
  registerPaymentProvider(ctx, provider);
  return provider;
}

export interface CamtEntry {
  amount: string;
  currency?: string;
  direction?: 'CRDT' | 'DBIT';
  status?: string;
  /** Structured creditor reference (RmtInf/Strd/CdtrRefInf/Ref). */
  ref?: string;
  /** Unstructured remittance text. */
  ustrd?: string;
  bankRef?: string | null;
  bookedOn?: string;
  debtor?: string;
}

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A camt.053.001.08 statement, as banks export it (namespaced, Sts/Cd). */
export function camt053({
  statementId = `STMT-${randomBytes(4).toString('hex')}`,
  iban = SANDBOX_IBAN,
  entries,
}: {
  statementId?: string;
  iban?: string;
  entries: CamtEntry[];
}): string {
  const ntry = entries
    .map((e, i) => {
      const bankRef = e.bankRef === undefined ? `${statementId}-${i + 1}` : e.bankRef;
      const rmt = [
        e.ref
          ? `<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>${escapeXml(e.ref)}</Ref></CdtrRefInf></Strd>`
          : '',
        e.ustrd ? `<Ustrd>${escapeXml(e.ustrd)}</Ustrd>` : '',
      ].join('');
      return `
      <Ntry>
        <Amt Ccy="${e.currency ?? 'EUR'}">${e.amount}</Amt>
        <CdtDbtInd>${e.direction ?? 'CRDT'}</CdtDbtInd>
        <Sts><Cd>${e.status ?? 'BOOK'}</Cd></Sts>
        <BookgDt><Dt>${e.bookedOn ?? '2026-11-20'}</Dt></BookgDt>
        <ValDt><Dt>${e.bookedOn ?? '2026-11-20'}</Dt></ValDt>
        ${bankRef ? `<AcctSvcrRef>${escapeXml(bankRef)}</AcctSvcrRef>` : ''}
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
          <RltdPties><Dbtr><Pty><Nm>${escapeXml(e.debtor ?? 'Example Trading S.L.')}</Nm></Pty></Dbtr></RltdPties>
          ${rmt ? `<RmtInf>${rmt}</RmtInf>` : ''}
        </TxDtls></NtryDtls>
      </Ntry>`;
    })
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>MSG-${statementId}</MsgId><CreDtTm>2026-11-21T06:00:00Z</CreDtTm></GrpHdr>
    <Stmt>
      <Id>${statementId}</Id>
      <CreDtTm>2026-11-21T06:00:00Z</CreDtTm>
      <Acct><Id><IBAN>${iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>${ntry}
    </Stmt>
  </BkToCstmrStmt>
</Document>
`;
}

/** A multipart/form-data body with one file part. */
export function multipart(
  content: string | Buffer,
  { field = 'file', filename = 'upload.xml', type = 'application/xml' } = {},
): { payload: Buffer; headers: Headers } {
  const boundary = `----tollgate${randomBytes(8).toString('hex')}`;
  const payload = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`,
    ),
    Buffer.isBuffer(content) ? content : Buffer.from(content),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** Imports a statement through the admin route. */
export async function importStatementHttp(t: TestApp, admin: Session | null, xml: string | Buffer) {
  const body = multipart(xml, { filename: 'statement.xml' });
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/admin/bank-statements',
    headers: { ...(admin?.headers ?? {}), ...body.headers },
    payload: body.payload,
  });
}

/** "121.00" from minor units. */
export function decimal(minor: number): string {
  return `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
}
