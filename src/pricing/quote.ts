// A quote: what a purchase of credits costs, tax included, before anyone pays. A pack has its
// fixed price; a custom quantity is priced by the volume tiers; tax follows decideTax and is
// rounded half-up on the subtotal. total = subtotal + tax.

import { type Currency, type Money, type MoneyJson, moneyToJson } from './money.js';
import {
  type BillingParty,
  decideTax,
  type Issuer,
  type TaxDecision,
  type TaxTreatment,
  taxAmount,
} from './tax.js';
import type { CheckedPriceTable } from './tiers.js';

export type QuoteItem = { readonly credits: bigint } | { readonly packId: string };

export interface QuoteInput {
  readonly item: QuoteItem;
  readonly currency: Currency;
  readonly tables: Readonly<Partial<Record<Currency, CheckedPriceTable>>>;
  readonly billing: BillingParty;
  readonly issuer: Issuer;
}

export interface Quote {
  /** Whole credits the purchase grants. */
  readonly credits: bigint;
  readonly packId: string | undefined;
  readonly currency: Currency;
  readonly subtotal: Money;
  readonly tax: TaxDecision & { readonly amount: Money };
  readonly total: Money;
}

export type QuoteRefusal = 'unsupported_currency' | 'unknown_pack' | 'below_minimum' | 'above_maximum';

export type QuoteResult =
  | { readonly ok: true; readonly quote: Quote }
  | {
      readonly ok: false;
      readonly reason: QuoteRefusal;
      readonly minCredits?: bigint;
      readonly maxCredits?: bigint;
    };

export function quote(input: QuoteInput): QuoteResult {
  const { item, currency, billing, issuer } = input;
  const table = input.tables[currency];
  if (!table) return { ok: false, reason: 'unsupported_currency' };
  let credits: bigint;
  let subtotal: bigint;
  let packId: string | undefined;
  if ('packId' in item) {
    const pack = table.pack(item.packId);
    if (!pack) return { ok: false, reason: 'unknown_pack' };
    ({ credits, price: subtotal } = pack);
    packId = pack.id;
  } else {
    const priced = table.price(item.credits);
    if (!priced.ok) return priced;
    credits = priced.credits;
    subtotal = priced.subtotal.amount;
  }
  const decision = decideTax(issuer, billing);
  const tax = taxAmount(subtotal, decision.rateBasisPoints);
  return {
    ok: true,
    quote: {
      credits,
      packId,
      currency,
      subtotal: { amount: subtotal, currency },
      tax: { ...decision, amount: { amount: tax, currency } },
      total: { amount: subtotal + tax, currency },
    },
  };
}

/** A quote as the API returns it (POST /pricing/quote). */
export interface QuoteJson {
  readonly credits: string;
  readonly packId?: string;
  readonly currency: Currency;
  readonly subtotal: MoneyJson;
  readonly tax: {
    readonly rate: string;
    readonly amount: MoneyJson;
    readonly treatment: TaxTreatment;
    /** The VAT territory whose rate applies (domestic and eu_consumer). */
    readonly country?: string;
    /** The VAT id a reverse charge rests on. */
    readonly vatId?: string;
  };
  readonly total: MoneyJson;
}

export function quoteToJson(value: Quote): QuoteJson {
  const json = {
    credits: value.credits.toString(),
    currency: value.currency,
    subtotal: moneyToJson(value.subtotal),
    tax: {
      rate: value.tax.rate,
      amount: moneyToJson(value.tax.amount),
      treatment: value.tax.treatment,
      ...(value.tax.country ? { country: value.tax.country } : {}),
      ...(value.tax.vatId ? { vatId: value.tax.vatId } : {}),
    },
    total: moneyToJson(value.total),
  };
  return value.packId === undefined ? json : { ...json, packId: value.packId };
}
