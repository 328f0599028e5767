// What credits cost this account: the item ({packId} or {credits}) and currency read from a
// request, priced by the stored price tables, taxed from the account's billing data and the
// issuer (ISSUER_COUNTRY, ISSUER_VAT_RATE, EU_VAT_RATES), with VIES's answer about the VAT id
// when VIES is configured. POST /pricing/quote and POST /purchases both come here, and VIES's
// answer is reused between them (vat/vies.ts), so a quote and the purchase made from it agree to
// the cent.
import type { Account } from '../accounts/index.js';
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/types.js';
import { type FieldProblem, validationFailed } from '../http/errors.js';
import { AmountError } from '../ledger/amounts.js';
import { type CountryCode, toCountryCode } from '../pricing/countries.js';
import { type Currency, isCurrency } from '../pricing/money.js';
import { type Quote, type QuoteItem, quote } from '../pricing/quote.js';
import { priceTables } from '../pricing/store.js';
import { type BillingParty, type Issuer, normalizeVatId, vatIdToVerify } from '../pricing/tax.js';
import { parseWholeCredits } from '../pricing/tiers.js';
import { type ViesCheck, verifyVatId } from './vat/vies.js';

export interface QuoteRequest {
  packId?: string;
  /** Whole credits: "5000" (or 5000). */
  credits?: string | number;
  currency?: string;
}

export function issuerOf(ctx: AppContext): Issuer {
  const country = toCountryCode(ctx.config.issuer.country);
  if (!country) throw new Error(`ISSUER_COUNTRY ${ctx.config.issuer.country} is not a country code`);
  return {
    country,
    vatRateBasisPoints: ctx.config.issuer.vatRateBasisPoints,
    euRates: ctx.config.vat.euRates,
  };
}

/**
 * VIES's answer about the account's VAT id, when VIES is configured and the answer could change
 * the tax (an EU business abroad whose id passes the form check); else null. It may wait for
 * VIES (at most VIES_TIMEOUT_MS): call it before, never inside, a transaction.
 */
export async function viesCheckForAccount(ctx: AppContext, account: Account): Promise<ViesCheck | null> {
  if (!ctx.config.vat.vies) return null;
  const issuer = issuerOf(ctx);
  const { party, estimate } = billingPartyOf(account, issuer);
  const vatId = estimate ? null : vatIdToVerify(issuer, party);
  return vatId ? verifyVatId(ctx, vatId) : null;
}

/**
 * Whom the tax is decided for: the billing country and VAT id; without billing data (a quote
 * before the customer filled it in) the preferred country, else the issuer's, as an estimate.
 */
export function billingPartyOf(account: Account, issuer: Issuer): { party: BillingParty; estimate: boolean } {
  const billing = account.billing;
  const billed = billing ? toCountryCode(billing.address.country) : undefined;
  if (billing && billed)
    return { party: { country: billed, vatId: billing.vatId ?? undefined }, estimate: false };
  const preferred: CountryCode | undefined = account.preferences.country
    ? toCountryCode(account.preferences.country)
    : undefined;
  return { party: { country: preferred ?? issuer.country }, estimate: true };
}

function parseItem(body: QuoteRequest): QuoteItem {
  const problems: FieldProblem[] = [];
  const hasPack = body.packId !== undefined;
  const hasCredits = body.credits !== undefined;
  if (hasPack === hasCredits) {
    const message = 'give either packId or credits, not both';
    throw validationFailed(
      hasPack
        ? [{ path: 'body.credits', message }]
        : [{ path: 'body.packId', message: 'or body.credits is required' }],
    );
  }
  if (body.packId !== undefined) return { packId: body.packId };
  const raw = body.credits;
  if (typeof raw === 'number' && !Number.isSafeInteger(raw)) {
    problems.push({ path: 'body.credits', message: 'must be a whole number of credits' });
  } else {
    try {
      const text = typeof raw === 'number' ? String(raw) : (raw ?? '');
      if (text.startsWith('-')) throw new AmountError('must be greater than zero');
      const credits = parseWholeCredits(text);
      if (credits <= 0n) throw new AmountError('must be greater than zero');
      return { credits };
    } catch (error) {
      if (!(error instanceof AmountError)) throw error;
      problems.push({ path: 'body.credits', message: error.message });
    }
  }
  throw validationFailed(problems);
}

/** Prices a request for an account; every refusal is a 400 validation_failed naming the field. */
export async function quoteForAccount(
  ctx: AppContext,
  account: Account,
  body: QuoteRequest,
  q: Queryable = ctx.db,
  vies: ViesCheck | null = null,
): Promise<{ quote: Quote; estimate: boolean; vies: ViesCheck | null }> {
  const item = parseItem(body);
  const currency: Currency | undefined =
    body.currency === undefined
      ? account.preferences.currency
      : isCurrency(body.currency)
        ? body.currency
        : undefined;
  if (!currency) throw validationFailed([{ path: 'body.currency', message: 'is not a currency we sell in' }]);
  const issuer = issuerOf(ctx);
  const billed = billingPartyOf(account, issuer);
  const { estimate } = billed;
  let party = billed.party;
  // The answer counts only for the id it was about (the billing data may have changed since);
  // with VIES on and no answer for this id, the purchase rests on the form check: re-check it.
  const toVerify = ctx.config.vat.vies && !estimate ? vatIdToVerify(issuer, party) : null;
  const answer = toVerify && vies && normalizeVatId(vies.vatId) === toVerify ? vies : null;
  if (toVerify) party = { ...party, vies: answer?.outcome ?? 'unavailable' };
  const result = quote({ item, currency, tables: await priceTables(ctx.db, q), billing: party, issuer });
  if (result.ok) return { quote: result.quote, estimate, vies: answer };
  switch (result.reason) {
    case 'unsupported_currency':
      throw validationFailed([{ path: 'body.currency', message: `${currency} is not sold` }]);
    case 'unknown_pack':
      throw validationFailed([
        { path: 'body.packId', message: `there is no pack "${body.packId}" in ${currency}` },
      ]);
    case 'below_minimum':
      throw validationFailed([
        { path: 'body.credits', message: `must be at least ${result.minCredits} credits` },
      ]);
    case 'above_maximum':
      throw validationFailed([
        { path: 'body.credits', message: `must be at most ${result.maxCredits} credits` },
      ]);
  }
}
