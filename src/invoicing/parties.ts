// The parties printed on an invoice, frozen into it when it is issued: the issuer from the
// configuration, the customer from the billing data stored with the purchase.
import type { Billing } from '../accounts/index.js';
import type { Config } from '../config.js';
import type { InvoiceDocument, Party } from './document.js';

export type IssuerParty = InvoiceDocument['issuer'];

export function issuerParty(config: Config): IssuerParty {
  const bank = config.bankTransfer;
  return {
    name: config.issuer.name,
    addressLines: config.invoicing.issuerAddressLines,
    city: config.invoicing.issuerCity,
    postalCode: config.invoicing.issuerPostalCode,
    country: config.issuer.country,
    vatId: config.issuer.vatId ?? null,
    email: null,
    bank: bank ? { iban: bank.iban, bic: bank.bic, beneficiary: bank.beneficiary } : null,
    // Lines print their paid date in the zone that decided their month (a purchase paid 23:30 UTC
    // on 31 October is a November purchase in Madrid, and prints as 1 November).
    timeZone: config.invoicing.timeZone,
    ...(config.invoicing.logoPath ? { logoPath: config.invoicing.logoPath } : {}),
  };
}

/** The customer as the purchase's billing data names them; `vatId` the one the tax rests on. */
export function customerParty(billing: Billing, vatId: string | null): Party {
  const address = billing.address;
  return {
    name: billing.legalName,
    addressLines: [address.line1, address.line2].filter((line): line is string => !!line),
    city: address.city,
    postalCode: address.postalCode,
    country: address.country.toUpperCase(),
    vatId: vatId ?? billing.vatId ?? null,
    email: billing.invoiceEmail,
  };
}
