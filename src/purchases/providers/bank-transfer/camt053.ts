// Reading an ISO 20022 camt.053 bank-to-customer statement (versions .001.02 to .001.13 share
// the parts read here) into plain lines: direction, status, amount, booking date, the bank's
// references, and what the payer wrote (structured creditor references, unstructured text).
//
//   Document/BkToCstmrStmt/Stmt*        Id, Acct/Id/IBAN
//     Ntry*                             Amt@Ccy, CdtDbtInd, Sts (or Sts/Cd), BookgDt/(Dt|DtTm),
//                                       AcctSvcrRef, AddtlNtryInf
//       NtryDtls*/TxDtls*               Refs/(AcctSvcrRef|EndToEndId), Amt or AmtDtls/TxAmt/Amt,
//                                       RmtInf/Strd*/CdtrRefInf/Ref, RmtInf/Ustrd*,
//                                       RltdPties/Dbtr/(Nm|Pty/Nm)
//
// A batch entry whose transactions each carry an amount is read as one line per transaction.
// Amounts stay decimal strings here; turning them into minor units is the importer's business.
import { child, childrenNamed, parseXml, textAt, type XmlElement, XmlError } from './xml.js';

export interface StatementLine {
  statementId: string | null;
  accountIban: string | null;
  /** 1-based position of the entry in its statement. */
  position: number;
  /** 1-based position of the transaction in a split batch entry; null for a whole entry. */
  transaction: number | null;
  /** The bank's own reference for the entry (or transaction), unique per account at that bank. */
  bankRef: string | null;
  direction: 'CRDT' | 'DBIT' | '?';
  /** BOOK, PDNG, INFO … */
  status: string | null;
  /** As written, e.g. "121.00". */
  amount: string | null;
  currency: string | null;
  bookedAt: Date | null;
  /** Structured creditor references (RmtInf/Strd/CdtrRefInf/Ref), as written. */
  structuredRefs: string[];
  /** Unstructured remittance text and other free text that may carry a reference. */
  remittance: string[];
  debtorName: string | null;
}

export interface Statement {
  id: string | null;
  accountIban: string | null;
  lines: StatementLine[];
}

export class StatementFormatError extends Error {
  constructor(
    message: string,
    readonly line: number | null = null,
    readonly column: number | null = null,
  ) {
    super(message);
    this.name = 'StatementFormatError';
  }
}

const OTHER_MESSAGES: Record<string, string> = {
  BkToCstmrAcctRpt: 'camt.052 (an intraday account report)',
  BkToCstmrDbtCdtNtfctn: 'camt.054 (a debit/credit notification)',
};

/** Parses the XML and reads every statement in it; throws StatementFormatError. */
export function readCamt053(xml: string): Statement[] {
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch (error) {
    if (error instanceof XmlError) {
      throw new StatementFormatError(
        `The file is not well-formed XML (${error.message})`,
        error.line,
        error.column,
      );
    }
    throw error;
  }
  const body = root.name === 'Document' ? (child(root, 'BkToCstmrStmt') ?? root.children[0]) : undefined;
  if (body?.name !== 'BkToCstmrStmt') {
    const other = body ? OTHER_MESSAGES[body.name] : undefined;
    throw new StatementFormatError(
      other
        ? `This is ${other}, not a camt.053 statement`
        : 'This is not a camt.053 statement (expected Document/BkToCstmrStmt)',
    );
  }
  const statements = childrenNamed(body, 'Stmt');
  if (statements.length === 0) throw new StatementFormatError('The statement file has no Stmt element');
  return statements.map(readStatement);
}

function readStatement(stmt: XmlElement): Statement {
  const id = textAt(stmt, 'Id');
  const accountIban = textAt(stmt, 'Acct', 'Id', 'IBAN')?.replace(/\s+/g, '').toUpperCase() ?? null;
  const lines: StatementLine[] = [];
  childrenNamed(stmt, 'Ntry').forEach((entry, index) => {
    lines.push(...readEntry(entry, { statementId: id, accountIban, position: index + 1 }));
  });
  return { id, accountIban, lines };
}

function dateOf(parent: XmlElement | undefined): Date | null {
  const dateTime = textAt(parent, 'DtTm');
  const date = textAt(parent, 'Dt');
  const value = dateTime ?? (date && /^\d{4}-\d{2}-\d{2}$/.test(date) ? `${date}T00:00:00Z` : null);
  if (!value) return null;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}

function amountOf(element: XmlElement | undefined): { amount: string | null; currency: string | null } {
  if (!element) return { amount: null, currency: null };
  return {
    amount: element.text.trim() || null,
    currency: element.attributes.Ccy?.trim().toUpperCase() || null,
  };
}

interface Transaction {
  bankRef: string | null;
  amount: XmlElement | undefined;
  structuredRefs: string[];
  remittance: string[];
  debtorName: string | null;
}

function readTransaction(tx: XmlElement): Transaction {
  const remittanceInfo = childrenNamed(tx, 'RmtInf');
  const structuredRefs: string[] = [];
  const remittance: string[] = [];
  for (const info of remittanceInfo) {
    for (const strd of childrenNamed(info, 'Strd')) {
      for (const ref of childrenNamed(strd, 'CdtrRefInf')) {
        const value = textAt(ref, 'Ref');
        if (value) structuredRefs.push(value);
      }
      const extra = childrenNamed(strd, 'AddtlRmtInf').map((e) => e.text.trim());
      remittance.push(...extra.filter(Boolean));
    }
    remittance.push(
      ...childrenNamed(info, 'Ustrd')
        .map((e) => e.text.trim())
        .filter(Boolean),
    );
  }
  const endToEnd = textAt(tx, 'Refs', 'EndToEndId');
  if (endToEnd && endToEnd !== 'NOTPROVIDED') remittance.push(endToEnd);
  const additional = textAt(tx, 'AddtlTxInf');
  if (additional) remittance.push(additional);
  const debtor = child(child(tx, 'RltdPties'), 'Dbtr');
  return {
    bankRef: textAt(tx, 'Refs', 'AcctSvcrRef'),
    amount: child(tx, 'Amt') ?? child(child(child(tx, 'AmtDtls'), 'TxAmt'), 'Amt'),
    structuredRefs,
    remittance,
    debtorName: textAt(debtor, 'Nm') ?? textAt(debtor, 'Pty', 'Nm'),
  };
}

function readEntry(
  entry: XmlElement,
  where: { statementId: string | null; accountIban: string | null; position: number },
): StatementLine[] {
  const indicator = textAt(entry, 'CdtDbtInd');
  const direction = indicator === 'CRDT' || indicator === 'DBIT' ? indicator : '?';
  const status = textAt(entry, 'Sts', 'Cd') ?? textAt(entry, 'Sts');
  const bookedAt = dateOf(child(entry, 'BookgDt')) ?? dateOf(child(entry, 'ValDt'));
  const bankRef = textAt(entry, 'AcctSvcrRef');
  const entryText = textAt(entry, 'AddtlNtryInf');
  const transactions = childrenNamed(entry, 'NtryDtls').flatMap((d) =>
    childrenNamed(d, 'TxDtls').map(readTransaction),
  );
  const base = { ...where, direction, status, bookedAt } as const;

  if (transactions.length > 1 && transactions.every((t) => t.amount)) {
    return transactions.map((t, index) => ({
      ...base,
      transaction: index + 1,
      bankRef: t.bankRef ?? (bankRef ? `${bankRef}/${index + 1}` : null),
      ...amountOf(t.amount),
      structuredRefs: t.structuredRefs,
      remittance: t.remittance,
      debtorName: t.debtorName,
    }));
  }
  return [
    {
      ...base,
      transaction: null,
      bankRef: bankRef ?? transactions[0]?.bankRef ?? null,
      ...amountOf(child(entry, 'Amt')),
      structuredRefs: transactions.flatMap((t) => t.structuredRefs),
      remittance: [...transactions.flatMap((t) => t.remittance), ...(entryText ? [entryText] : [])],
      debtorName: transactions.find((t) => t.debtorName)?.debtorName ?? null,
    },
  ];
}
