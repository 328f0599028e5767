// Telling the customer about money: the receipt of a credited purchase (or "we received your
// transfer" for a bank-transfer order), the bank details of a new bank-transfer order, and a
// refund issued. Each e-mail (and the `purchase.credited` webhook event) is written by the
// transaction of its event, through the outboxes: a purchase that rolls back sends nothing, a
// crash after the commit loses nothing, and the e-mail goes right after the commit (then by the
// retry job). E-mails go to the account owner, in the account's language.
import type { AppContext } from '../context.js';
import { afterCommit } from '../db/after-commit.js';
import type { Queryable } from '../db/types.js';
import { MICROS_PER_CREDIT } from '../ledger/amounts.js';
import { enqueueAccountEvent } from '../messaging/webhooks/account-events.js';
import type { OutgoingEmail } from '../notifications/mailer.js';
import {
  bankTransferInstructions,
  bankTransferReceived,
  creditsText,
  purchaseCredited,
  type ReceiptValues,
  refundIssued,
  LOCALES,
} from '../notifications/templates-money.js';
import type { Language } from '../notifications/templates.js';
import { formatMoney } from '../pricing/money.js';
import { formatRatePercent, type TaxTreatment } from '../pricing/tax.js';
import { formatCreditorReference } from './providers/bank-transfer/creditor-reference.js';
import { dueDateOf } from './providers/bank-transfer/terms.js';
import { type Purchase, type PurchaseRow, toPurchase } from './purchase.js';
import type { Refund } from './refund-purchase.js';
import { purchaseView } from './views.js';

/** At most this many e-mails are tried right after a commit; the retry job sends the rest. */
const SEND_AT_ONCE = 50;

interface Recipient {
  email: string;
  name: string;
  language: Language;
  timezone: string;
  /** Available credit as of this transaction. */
  availableMicros: bigint;
  hasWebhook: boolean;
}

async function recipientsOf(tx: Queryable, accountIds: readonly string[]): Promise<Map<string, Recipient>> {
  const { rows } = await tx.query<{
    id: string;
    email: string;
    name: string;
    language: Language;
    timezone: string;
    available: bigint;
    has_webhook: boolean;
  }>(
    `select a.id, u.email, u.name, a.language, a.timezone,
            l.credits_posted - l.debits_posted - l.debits_pending as available,
            exists (select 1 from message_webhooks w where w.account_id = a.id) as has_webhook
       from accounts a
       join users u on u.account_id = a.id and u.role = 'owner'
       join ledger_accounts l on l.id = a.id
      where a.id = any($1::text[])`,
    [[...new Set(accountIds)]],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        email: r.email,
        name: r.name,
        language: r.language,
        timezone: r.timezone,
        availableMicros: r.available,
        hasWebhook: r.has_webhook,
      },
    ]),
  );
}

/** Beside a 0 % rate, why there is no VAT (the invoice has the legal wording in full). */
const ZERO_RATE_WORDS: Record<Language, Partial<Record<TaxTreatment, string>>> = {
  en: { reverse_charge: 'reverse charge', outside_scope: 'outside the scope of EU VAT' },
  es: { reverse_charge: 'inversión del sujeto pasivo', outside_scope: 'no sujeto al IVA de la UE' },
};

/** Long dates per language and time zone: an Intl formatter is costly to make, so each is kept. */
const DATE_FORMATS = new Map<string, Intl.DateTimeFormat>();

function dateText(date: Date, lang: Language, timeZone: string): string {
  const key = `${lang}|${timeZone}`;
  let format = DATE_FORMATS.get(key);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: 'long', timeZone });
    } catch {
      // A zone this runtime does not know: the date in UTC (not kept, so a bad name adds nothing).
      return new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: 'long', timeZone: 'UTC' }).format(date);
    }
    DATE_FORMATS.set(key, format);
  }
  return format.format(date);
}

function purchaseUrl(ctx: AppContext, purchaseId: string): string {
  return `${ctx.config.publicUrl}/purchases/${encodeURIComponent(purchaseId)}`;
}

/** Whom a receipt is written for: what its figures need to know of them. */
export interface ReceiptReader {
  name: string | null;
  language: Language;
  /** IANA time zone of the account: the day it was paid is the account's day. */
  timezone: string;
  /** Available credit once the purchase is credited. */
  availableMicros: bigint;
}

/**
 * A credited purchase's receipt figures, formatted in the reader's language: the receipt's, and
 * those of any e-mail that stands in for it (an automatic refill's, refills/outcomes.ts).
 */
export function receiptValues(ctx: AppContext, purchase: Purchase, to: ReceiptReader): ReceiptValues {
  const lang = to.language;
  const money = (amount: bigint) => formatMoney({ amount, currency: purchase.currency }, LOCALES[lang]);
  return {
    name: to.name,
    purchaseId: purchase.id,
    credits: creditsText(purchase.credits * MICROS_PER_CREDIT, lang),
    subtotal: money(purchase.subtotal),
    taxRate: [
      `${formatRatePercent(purchase.taxRateBasisPoints)} %`,
      ZERO_RATE_WORDS[lang][purchase.taxTreatment],
    ]
      .filter(Boolean)
      .join(', '),
    tax: money(purchase.taxAmount),
    total: money(purchase.total),
    paymentMethod: purchase.paymentMethod,
    paidOn: dateText(purchase.paidAt ?? purchase.creditedAt ?? ctx.now(), lang, to.timezone),
    available: creditsText(to.availableMicros, lang),
    url: purchaseUrl(ctx, purchase.id),
  };
}

/** Sends the e-mails right after `tx` commits (never when it rolls back). */
function sendAfterCommit(ctx: AppContext, tx: Queryable, ids: readonly string[]): void {
  if (ids.length === 0) return;
  afterCommit(tx, () => ctx.mailer.sendSoon(ids.slice(0, SEND_AT_ONCE)));
}

/**
 * Inside the transaction that credits these purchases, before the ledger transfer (settle.ts
 * creditLockedPurchases): a
 * receipt each, but for those in `receipted` (a settle hook's own e-mail is their receipt: an
 * automatic refill's "succeeded" carries the receipt's figures, and one e-mail is enough), and
 * `purchase.credited` for accounts with a webhook, receipted or not.
 */
export async function notifyCredited(
  ctx: AppContext,
  tx: Queryable,
  purchaseIds: readonly string[],
  receipted: ReadonlySet<string> = new Set(),
): Promise<void> {
  if (purchaseIds.length === 0) return;
  const { rows } = await tx.query<PurchaseRow>('select * from purchases where id = any($1::text[])', [
    [...purchaseIds],
  ]);
  const purchases = rows.map(toPurchase);
  const recipients = await recipientsOf(
    tx,
    purchases.map((p) => p.accountId),
  );
  // Written before the ledger transfer (settle.ts): the available credit these credits leave.
  for (const purchase of purchases) {
    const to = recipients.get(purchase.accountId);
    if (to) to.availableMicros += purchase.credits * MICROS_PER_CREDIT;
  }
  const mails: OutgoingEmail[] = [];
  for (const purchase of purchases) {
    const to = recipients.get(purchase.accountId);
    if (!to) continue;
    if (!receipted.has(purchase.id)) {
      const values = receiptValues(ctx, purchase, to);
      const byTransfer = purchase.paymentMethod === 'bank_transfer';
      const rendered = byTransfer
        ? bankTransferReceived(to.language, values)
        : purchaseCredited(to.language, values);
      mails.push({
        ...rendered,
        template: byTransfer ? 'bank_transfer_received' : 'purchase_credited',
        to: to.email,
      });
    }
    if (to.hasWebhook) {
      await enqueueAccountEvent(
        tx,
        purchase.accountId,
        'purchase.credited',
        purchaseView(purchase),
        purchase.creditedAt ?? ctx.now(),
      );
    }
  }
  const ids = await ctx.mailer.enqueueMany(tx, mails);
  sendAfterCommit(ctx, tx, ids);
}

/** Inside the transaction that created a bank-transfer order: where to send the money. */
export async function notifyBankTransferOrdered(
  ctx: AppContext,
  tx: Queryable,
  purchase: Purchase,
): Promise<void> {
  const bank = purchase.bankTransfer;
  if (!bank) return;
  const to = (await recipientsOf(tx, [purchase.accountId])).get(purchase.accountId);
  if (!to) return;
  const lang = to.language;
  const rendered = bankTransferInstructions(lang, {
    name: to.name,
    purchaseId: purchase.id,
    credits: creditsText(purchase.credits * MICROS_PER_CREDIT, lang),
    total: formatMoney({ amount: purchase.total, currency: purchase.currency }, LOCALES[lang]),
    iban: bank.iban,
    bic: bank.bic,
    beneficiary: bank.beneficiary,
    reference: formatCreditorReference(bank.reference),
    dueDate: dateText(new Date(`${dueDateOf(bank)}T12:00:00Z`), lang, 'UTC'),
    url: purchaseUrl(ctx, purchase.id),
  });
  const id = await ctx.mailer.enqueue(tx, {
    ...rendered,
    template: 'bank_transfer_instructions',
    to: to.email,
  });
  sendAfterCommit(ctx, tx, [id]);
}

/** Inside the refund's transaction (its ledger reversal and record). */
export async function notifyRefunded(ctx: AppContext, tx: Queryable, refund: Refund): Promise<void> {
  const to = (await recipientsOf(tx, [refund.accountId])).get(refund.accountId);
  if (!to) return;
  const lang = to.language;
  const rendered = refundIssued(lang, {
    name: to.name,
    purchaseId: refund.purchaseId,
    credits: creditsText(refund.creditsMicros, lang),
    total: formatMoney({ amount: refund.total, currency: refund.currency }, LOCALES[lang]),
    paymentMethod: refund.paymentMethod,
    url: purchaseUrl(ctx, refund.purchaseId),
  });
  const id = await ctx.mailer.enqueue(tx, { ...rendered, template: 'refund_issued', to: to.email });
  sendAfterCommit(ctx, tx, [id]);
}
