// Where the customer lives, as a tax office asks an OSS seller to show it: two pieces of
// evidence that do not contradict each other. Tollgate keeps the billing address's country (the
// one the tax follows) and the country of the verified mobile number (libphonenumber-js reads it
// off the number). When both are known and name different VAT territories, the purchase is
// flagged and listed for the operator (GET /api/v1/admin/vat-evidence?disagreement=true); the
// tax is not changed by it: a person decides whether to ask the customer or correct the billing.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Account } from '../../accounts/index.js';
import { toCountryCode } from '../../pricing/countries.js';
import { vatTerritory } from '../../pricing/tax.js';

export interface VatEvidence {
  /** ISO 3166-1 alpha-2 of the billing address. */
  billingCountry: string | null;
  /** The country of the verified mobile number; null when unverified or unknown. */
  mobileCountry: string | null;
  /** Both known, in different VAT territories (Monaco counts as France). */
  disagrees: boolean;
}

/** The country a mobile number belongs to (E.164 in), or null. */
export function mobileCountryOf(mobile: string): string | null {
  return parsePhoneNumberFromString(mobile)?.country ?? null;
}

export function vatEvidenceOf(account: Pick<Account, 'billing' | 'mobileVerified'>): VatEvidence {
  const billing = account.billing;
  const billingCountry = billing ? (toCountryCode(billing.address.country) ?? null) : null;
  const mobileCountry = billing && account.mobileVerified ? mobileCountryOf(billing.mobile) : null;
  const billed = billingCountry ? toCountryCode(billingCountry) : undefined;
  const phoned = mobileCountry ? toCountryCode(mobileCountry) : undefined;
  return {
    billingCountry,
    mobileCountry,
    disagrees: billed !== undefined && phoned !== undefined && vatTerritory(billed) !== vatTerritory(phoned),
  };
}
