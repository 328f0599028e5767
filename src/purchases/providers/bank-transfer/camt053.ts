// Reading an ISO 20022 camt.053 bank-to-customer statement (versions .001.02 to .001.13 share
// the parts read here) into plain lines: direction, status, amount, booking date, the bank's
// references, and what the payer wrote (structured creditor references, unstructured text).
//
//   Document/BkToCstmrStmt/Stmt*        Id, Acct/Id/IBAN
//     Ntry*                             Amt@Ccy, CdtDbtInd, Sts (or Sts/Cd), BookgDt/(Dt|DtTm),
//                                       ValDt, AcctSvcrRef, AddtlNtryInf
//       NtryDtls*/TxDtls*               Refs/(AcctSvcrRef|EndToEndId), Amt or AmtDtls/TxAmt/Amt,
//                                       RmtInf/Strd*/CdtrRefInf/Ref, RmtInf/Strd/AddtlRmtInf,
//                                       RmtInf/Ustrd*, AddtlTxInf, RltdPties/Dbtr/(Nm|Pty/Nm)
//
// Read as a stream (no tree of the whole file): a statement of 10,000 entries is a few MB.
// A batch entry whose transactions each carry an amount is read as one line per transaction.
// Amounts stay decimal strings here; turning them into minor units is the importer's business.
import { scanXml, XmlError } from './xml.js';

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

interface Amount {
  amount: string | null;
  currency: string | null;
}

interface Transaction {
  bankRef: string | null;
  amount: Amount | null;
  structuredRefs: string[];
  remittance: string[];
  debtorName: string | null;
}

interface Entry {
  position: number;
  indicator: string | null;
  status: string | null;
  amount: Amount | null;
  booked: string | null;
  valued: string | null;
  bankRef: string | null;
  text: string | null;
  transactions: Transaction[];
}

/** Booking dates repeat (a statement covers a day or a month): each text is parsed once. */
function dateReader(): (value: string | null) => Date | null {
  const seen = new Map<string, Date | null>();
  return (value) => {
    if (!value) return null;
    let date = seen.get(value);
    if (date === undefined) {
      const parsed = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
      date = Number.isNaN(parsed.getTime()) ? null : parsed;
      seen.set(value, date);
    }
    return date;
  };
}

function linesOf(
  entry: Entry,
  statement: Statement,
  dateOf: (value: string | null) => Date | null,
): StatementLine[] {
  const direction = entry.indicator === 'CRDT' || entry.indicator === 'DBIT' ? entry.indicator : '?';
  const bookedAt = dateOf(entry.booked) ?? dateOf(entry.valued);
  const { transactions } = entry;
  if (transactions.length > 1 && transactions.every((t) => t.amount)) {
    return transactions.map((t, index) => ({
      statementId: statement.id,
      accountIban: statement.accountIban,
      position: entry.position,
      transaction: index + 1,
      bankRef: t.bankRef ?? (entry.bankRef ? `${entry.bankRef}/${index + 1}` : null),
      direction,
      status: entry.status,
      amount: t.amount?.amount ?? null,
      currency: t.amount?.currency ?? null,
      bookedAt,
      structuredRefs: t.structuredRefs,
      remittance: t.remittance,
      debtorName: t.debtorName,
    }));
  }
  // One line for the entry (an object literal of a fixed shape: 10,000 of them are made at once).
  const only = transactions.length === 1 ? transactions[0] : undefined;
  const remittance = only ? only.remittance : transactions.flatMap((t) => t.remittance);
  return [
    {
      statementId: statement.id,
      accountIban: statement.accountIban,
      position: entry.position,
      transaction: null,
      bankRef: entry.bankRef ?? transactions[0]?.bankRef ?? null,
      direction,
      status: entry.status,
      amount: entry.amount?.amount ?? null,
      currency: entry.amount?.currency ?? null,
      bookedAt,
      structuredRefs: only ? only.structuredRefs : transactions.flatMap((t) => t.structuredRefs),
      remittance: entry.text ? [...remittance, entry.text] : remittance,
      debtorName: only ? only.debtorName : (transactions.find((t) => t.debtorName)?.debtorName ?? null),
    },
  ];
}

/** Reads every statement in the file; throws StatementFormatError. */
export function readCamt053(xml: string): Statement[] {
  const statements: Statement[] = [];
  // Element names from the root down to the element being read.
  const path: string[] = [];
  let currency: string | null = null;
  let statement: Statement | null = null;
  let entry: Entry | null = null;
  let tx: Transaction | null = null;
  let entries = 0;

  const at = (back: number) => path[path.length - 1 - back];
  const dateOf = dateReader();
  const readText = (text: string) => text.trim() || null;

  try {
    scanXml(xml, {
      open(name, attributes) {
        const depth = path.length;
        if (depth === 0 && name !== 'Document') {
          throw new StatementFormatError(
            'This is not a camt.053 statement (expected Document/BkToCstmrStmt)',
          );
        }
        if (depth === 1 && name !== 'BkToCstmrStmt') {
          const other = OTHER_MESSAGES[name];
          throw new StatementFormatError(
            other
              ? `This is ${other}, not a camt.053 statement`
              : 'This is not a camt.053 statement (expected Document/BkToCstmrStmt)',
          );
        }
        path.push(name);
        if (depth === 2 && name === 'Stmt') {
          statement = { id: null, accountIban: null, lines: [] };
          entries = 0;
        } else if (statement && depth === 3 && name === 'Ntry') {
          entry = {
            position: ++entries,
            indicator: null,
            status: null,
            amount: null,
            booked: null,
            valued: null,
            bankRef: null,
            text: null,
            transactions: [],
          };
        } else if (entry && name === 'TxDtls' && at(1) === 'NtryDtls') {
          tx = { bankRef: null, amount: null, structuredRefs: [], remittance: [], debtorName: null };
        } else if (name === 'Amt') {
          currency = attributes.Ccy?.trim().toUpperCase() || null;
        }
      },
      close(name, raw) {
        const parent = at(1);
        if (tx) {
          if (name === 'TxDtls') {
            entry?.transactions.push(tx);
            tx = null;
          } else if (name === 'Ref' && parent === 'CdtrRefInf') {
            const text = readText(raw);
            if (text) tx.structuredRefs.push(text);
          } else if (name === 'Ustrd' || name === 'AddtlRmtInf' || name === 'AddtlTxInf') {
            const text = readText(raw);
            if (text) tx.remittance.push(text);
          } else if (name === 'EndToEndId' && parent === 'Refs') {
            const text = readText(raw);
            if (text && text !== 'NOTPROVIDED') tx.remittance.push(text);
          } else if (name === 'AcctSvcrRef' && parent === 'Refs') {
            tx.bankRef = readText(raw);
          } else if (name === 'Amt' && (parent === 'TxDtls' || parent === 'TxAmt')) {
            tx.amount ??= { amount: readText(raw), currency };
          } else if (name === 'Nm' && (parent === 'Dbtr' || (parent === 'Pty' && at(2) === 'Dbtr'))) {
            tx.debtorName ??= readText(raw);
          }
        } else if (entry) {
          if (name === 'Ntry') {
            if (statement) for (const line of linesOf(entry, statement, dateOf)) statement.lines.push(line);
            entry = null;
          } else if (parent === 'Ntry') {
            if (name === 'Amt') entry.amount = { amount: readText(raw), currency };
            else if (name === 'CdtDbtInd') entry.indicator = readText(raw);
            else if (name === 'Sts') entry.status ??= readText(raw);
            else if (name === 'AcctSvcrRef') entry.bankRef = readText(raw);
            else if (name === 'AddtlNtryInf') entry.text = readText(raw);
          } else if (name === 'Cd' && parent === 'Sts' && at(2) === 'Ntry') {
            entry.status = readText(raw);
          } else if ((name === 'Dt' || name === 'DtTm') && at(2) === 'Ntry') {
            if (parent === 'BookgDt') entry.booked ??= readText(raw);
            else if (parent === 'ValDt') entry.valued ??= readText(raw);
          }
        } else if (statement) {
          if (name === 'Stmt') {
            statements.push(statement);
            statement = null;
          } else if (name === 'Id' && parent === 'Stmt') {
            statement.id = readText(raw);
          } else if (name === 'IBAN' && parent === 'Id' && at(2) === 'Acct' && at(3) === 'Stmt') {
            statement.accountIban = readText(raw)?.replace(/\s+/g, '').toUpperCase() ?? null;
          }
        }
        path.pop();
      },
    });
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
  if (statements.length === 0) throw new StatementFormatError('The statement file has no Stmt element');
  return statements;
}
