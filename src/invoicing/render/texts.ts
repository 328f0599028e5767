// The words and number formats of a rendered invoice, in the account's language. Amounts arrive as
// minor units (bigint) and are formatted from exact decimal strings, never through a float.
import type { InvoiceDocument, VatTreatment } from '../document.js';
import { VAT_WORDING } from '../document.js';

export type Language = InvoiceDocument['language'];

const LOCALES: Record<Language, string> = { en: 'en-GB', es: 'es-ES' };

export const TEXTS = {
  en: {
    invoice: 'Invoice',
    creditNote: 'Credit note',
    number: 'Number',
    issueDate: 'Issue date',
    period: 'Period',
    corrects: 'Corrects invoice',
    seller: 'From',
    buyer: 'Bill to',
    vatId: 'VAT id',
    account: 'Account',
    date: 'Date',
    description: 'Description',
    quantity: 'Quantity',
    unitPrice: 'Unit price',
    vatRate: 'VAT',
    net: 'Net',
    vatBreakdown: 'VAT breakdown',
    taxable: 'Taxable amount',
    vat: 'VAT',
    netTotal: 'Total net',
    total: 'Total',
    paid: 'Paid in advance: nothing is due.',
    refunded: 'Refunded: nothing is due.',
    payment: 'Payment',
    reference: 'reference',
    card: 'card',
    bank_transfer: 'bank transfer',
    bank: 'Bank details',
    beneficiary: 'Beneficiary',
    page: 'Page',
    of: 'of',
    credits: (n: string) => `${n} SMS credits`,
    vatLabel: (rate: string) => `VAT ${rate} %`,
    notSubject: 'No VAT',
  },
  es: {
    invoice: 'Factura',
    creditNote: 'Factura rectificativa',
    number: 'Número',
    issueDate: 'Fecha de emisión',
    period: 'Periodo',
    corrects: 'Rectifica la factura',
    seller: 'Emisor',
    buyer: 'Cliente',
    vatId: 'NIF-IVA',
    account: 'Cuenta',
    date: 'Fecha',
    description: 'Descripción',
    quantity: 'Cantidad',
    unitPrice: 'Precio unitario',
    vatRate: 'IVA',
    net: 'Base',
    vatBreakdown: 'Desglose del IVA',
    taxable: 'Base imponible',
    vat: 'IVA',
    netTotal: 'Base imponible total',
    total: 'Total',
    paid: 'Pagada por adelantado: no hay importe pendiente.',
    refunded: 'Reembolsada: no hay importe pendiente.',
    payment: 'Pago',
    reference: 'referencia',
    card: 'tarjeta',
    bank_transfer: 'transferencia bancaria',
    bank: 'Datos bancarios',
    beneficiary: 'Beneficiario',
    page: 'Página',
    of: 'de',
    credits: (n: string) => `${n} créditos SMS`,
    vatLabel: (rate: string) => `IVA ${rate} %`,
    notSubject: 'Sin IVA',
  },
} as const;

export type Texts = (typeof TEXTS)[Language];

/** A minor-unit amount as an exact decimal string with two places: -12345n → "-123.45". */
export function decimal(minor: bigint): string {
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  const units = abs / 100n;
  const cents = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${units}.${cents}`;
}

/** net / quantity as a decimal string with `places` places, rounded half up (for the unit price). */
export function ratio(net: bigint, quantity: bigint, places: number): string {
  if (quantity === 0n) return '0';
  const negative = net < 0n !== quantity < 0n;
  const numerator = (net < 0n ? -net : net) * 10n ** BigInt(places);
  const denominator = (quantity < 0n ? -quantity : quantity) * 100n; // minor units → major units
  const scaled = (numerator + denominator / 2n) / denominator;
  const digits = scaled.toString().padStart(places + 1, '0');
  const whole = digits.slice(0, digits.length - places);
  const frac = digits.slice(digits.length - places);
  return `${negative && scaled !== 0n ? '-' : ''}${whole}.${frac}`;
}

/** A VAT rate in basis points as a plain number string: 2100 → "21", 550 → "5.5". */
export function ratePercent(basisPoints: number): string {
  return String(basisPoints / 100);
}

interface Formatters {
  money: Map<string, Intl.NumberFormat>;
  integer: Intl.NumberFormat;
  rate: Intl.NumberFormat;
  date: Intl.DateTimeFormat;
  shortDate: Intl.DateTimeFormat;
  dayInZone: Map<string, Intl.DateTimeFormat>;
}

const cache = new Map<Language, Formatters>();

function formatters(language: Language): Formatters {
  let f = cache.get(language);
  if (!f) {
    const locale = LOCALES[language];
    f = {
      money: new Map(),
      integer: new Intl.NumberFormat(locale, { useGrouping: 'always' }),
      rate: new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }),
      date: new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }),
      shortDate: new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }),
      dayInZone: new Map(),
    };
    cache.set(language, f);
  }
  return f;
}

/** Exact decimal strings go straight to Intl (no float on the way). */
type Decimal = `${number}`;

export function formatMoney(language: Language, currency: string, minor: bigint): string {
  const f = formatters(language);
  let nf = f.money.get(currency);
  if (!nf) {
    nf = new Intl.NumberFormat(LOCALES[language], { style: 'currency', currency, useGrouping: 'always' });
    f.money.set(currency, nf);
  }
  return nf.format(decimal(minor) as Decimal);
}

export function formatUnitPrice(language: Language, currency: string, net: bigint, quantity: bigint): string {
  const f = formatters(language);
  let nf = f.money.get(`${currency}:unit`);
  if (!nf) {
    nf = new Intl.NumberFormat(LOCALES[language], {
      style: 'currency',
      currency,
      useGrouping: 'always',
      minimumFractionDigits: 2,
      maximumFractionDigits: 5,
    });
    f.money.set(`${currency}:unit`, nf);
  }
  return nf.format(ratio(net, quantity, 5) as Decimal);
}

export function formatInteger(language: Language, n: bigint): string {
  return formatters(language).integer.format(n);
}

export function formatRate(language: Language, basisPoints: number): string {
  return formatters(language).rate.format(basisPoints / 100);
}

/** A calendar date (YYYY-MM-DD) in words: "1 December 2026", "1 de diciembre de 2026". */
export function formatDate(language: Language, isoDate: string): string {
  return formatters(language).date.format(new Date(`${isoDate}T00:00:00Z`));
}

/** A calendar date (YYYY-MM-DD) in short: "3 Nov 2026", "3 nov 2026". */
export function formatShortDate(language: Language, isoDate: string): string {
  return formatters(language).shortDate.format(new Date(`${isoDate}T00:00:00Z`));
}

/** The calendar date (YYYY-MM-DD) of an instant in a time zone. */
export function dayIn(timeZone: string, at: Date): string {
  const f = formatters('en');
  let df = f.dayInZone.get(timeZone);
  if (!df) {
    df = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    f.dayInZone.set(timeZone, df);
  }
  return df.format(at);
}

/** "10,000 SMS credits" / "10.000 créditos SMS". */
export function creditsLabel(language: Language, credits: bigint): string {
  return TEXTS[language].credits(formatInteger(language, credits));
}

/** The legal wording for a treatment (reverse charge, outside scope), or null where none applies. */
export function vatWording(language: Language, treatment: VatTreatment): string | null {
  return VAT_WORDING[language][treatment] ?? null;
}
