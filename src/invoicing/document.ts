// The invoice as it was issued: everything a renderer (PDF, UBL, CII / Factur-X) needs, read from
// the stored invoice and its lines and never from live data (billing data or prices that changed
// since). Amounts are minor units of `currency` as bigint; rates are basis points (2100 = 21 %).
// A credit note is the same document with `kind: 'credit_note'`, negative line and total amounts
// as stored, and `corrects` naming the invoice it corrects.

/** How VAT applies to a line: the purchase's tax treatment, decided when it was quoted. */
export type VatTreatment =
  /** The issuer's country: the issuer's rate. */
  | 'domestic'
  /** A consumer (no VAT id) in another EU member state: that state's standard rate (OSS). */
  | 'eu_consumer'
  /** A business with a VAT id of another EU member state: 0 %, the customer accounts for VAT. */
  | 'reverse_charge'
  /** A customer outside the EU: 0 %, outside the scope of EU VAT. */
  | 'outside_scope';

export interface Party {
  /** Legal name. */
  name: string;
  /** Street lines, as entered. */
  addressLines: string[];
  city: string;
  postalCode: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  /** Normalised VAT id (e.g. ESB12345674, EL123456789), if any. */
  vatId: string | null;
  email: string | null;
}

export interface InvoiceLine {
  /** 1, 2, 3 … in the order printed. */
  position: number;
  /** The purchase this line invoices. */
  purchaseId: string;
  /** When the purchase was paid (an instant; printed as a date in the issuer's time zone). */
  paidAt: Date;
  /** Whole credits bought. */
  credits: bigint;
  /** Net amount of the line in minor units (negative on a credit note). */
  net: bigint;
  /** VAT of the line in minor units (negative on a credit note). */
  vat: bigint;
  vatRateBasisPoints: number;
  vatTreatment: VatTreatment;
  /** 'card' | 'bank_transfer', and the payment's reference (card brand and last 4, or bank reference). */
  paymentMethod: string;
  paymentReference: string | null;
}

/** One row of the VAT breakdown: lines grouped by rate and treatment. */
export interface VatBreakdown {
  vatRateBasisPoints: number;
  vatTreatment: VatTreatment;
  /** Sum of the lines' net. */
  taxableAmount: bigint;
  /** Sum of the lines' VAT (each line's VAT rounded when the purchase was quoted). */
  vatAmount: bigint;
}

export interface InvoiceDocument {
  id: string;
  kind: 'invoice' | 'credit_note';
  /** e.g. TG-2026-000123 (invoice) or TGC-2026-000004 (credit note). */
  number: string;
  /** The issue date in the issuer's time zone, YYYY-MM-DD. */
  issueDate: string;
  /** The month invoiced, YYYY-MM, and its first and last day (YYYY-MM-DD, issuer's time zone). */
  period: { month: string; start: string; end: string };
  currency: 'EUR' | 'USD' | 'GBP' | 'CZK';
  /** The account's language: texts of the PDF. */
  language: 'en' | 'es';
  accountId: string;
  issuer: Party & {
    /** Bank details for the payment-terms line, if configured. */
    bank: { iban: string; bic: string; beneficiary: string } | null;
    /** The issuer's IANA time zone, in which each line's paidAt is printed as a date (UTC if absent). */
    timeZone?: string;
    /** A PNG or JPEG printed at the top of the PDF (INVOICE_LOGO), if configured and still there. */
    logoPath?: string;
  };
  customer: Party;
  lines: InvoiceLine[];
  vatBreakdown: VatBreakdown[];
  /** Totals in minor units: net, VAT, and net + VAT. */
  totals: { net: bigint; vat: bigint; total: bigint };
  /** A credit note: the invoice it corrects. */
  corrects: { id: string; number: string; issueDate: string } | null;
  /** Every purchase on it was paid before issue: the amount due is 0. */
  paid: true;
}

/** The legal wording printed (and put in the e-invoice's exemption reason) per treatment. */
export const VAT_WORDING: Record<'en' | 'es', Partial<Record<VatTreatment, string>>> = {
  en: {
    reverse_charge: 'Reverse charge — Article 196 of Council Directive 2006/112/EC',
    outside_scope: 'Outside the scope of EU VAT',
  },
  es: {
    reverse_charge: 'Inversión del sujeto pasivo — artículo 196 de la Directiva 2006/112/CE del Consejo',
    outside_scope: 'Operación no sujeta al IVA de la UE',
  },
};
