// The issued invoice as an EN 16931 e-invoice: UBL 2.1 (Peppol BIS Billing 3.0) and UN/CEFACT CII
// (the XML that Factur-X embeds). @e-invoice-eu/core writes both syntaxes from one data model (its
// "internal format", UBL's element names as JSON); we fill that model from the stored document.
//
// Its InvoiceService compiles a JSON schema validator on every call (~250 ms); we call the format
// services directly (a few ms) and check our model against that schema in the tests instead.
//
// Signs: a credit note is stored with negative amounts; in an e-invoice the document type carries
// the sign (UBL CreditNote, CII type 381), so every amount is written as its absolute value.
import { FormatFactoryService, type Invoice } from '@e-invoice-eu/core';
import type { InvoiceDocument, InvoiceLine, Party, VatTreatment } from '../document.js';
import { creditsLabel, dayIn, decimal, TEXTS, vatWording } from './texts.js';

type Ubl = Invoice['ubl:Invoice'];
type SellerParty = Ubl['cac:AccountingSupplierParty']['cac:Party'];
type BuyerParty = Ubl['cac:AccountingCustomerParty']['cac:Party'];
type CountryCode = SellerParty['cac:PostalAddress']['cac:Country']['cbc:IdentificationCode'];
type Currency = Ubl['cbc:DocumentCurrencyCode'];
type TaxSubtotal = NonNullable<Ubl['cac:TaxTotal'][0]['cac:TaxSubtotal']>[number];
type VatCategory = TaxSubtotal['cac:TaxCategory'];
type LineItem = Ubl['cac:InvoiceLine'][number];
type PaymentMeans = NonNullable<Ubl['cac:PaymentMeans']>[number];

/** Peppol BIS Billing 3.0 (UBL); the EN 16931 core specification (CII, the Factur-X EN 16931 profile). */
export const PEPPOL_BIS_3 = 'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0';
export const EN16931 = 'urn:cen.eu:en16931:2017';
const PEPPOL_PROFILE = 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0';

/** The EN 16931 VAT category of each treatment (UNCL 5305) and its exemption reason code (VATEX). */
const CATEGORY: Record<VatTreatment, { id: 'S' | 'AE' | 'O'; exemption: string | null }> = {
  domestic: { id: 'S', exemption: null },
  eu_consumer: { id: 'S', exemption: null },
  reverse_charge: { id: 'AE', exemption: 'VATEX-EU-AE' },
  outside_scope: { id: 'O', exemption: 'VATEX-EU-O' },
};

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

function amount(n: bigint): string {
  return decimal(abs(n));
}

function percent(basisPoints: number): string {
  return String(basisPoints / 100);
}

function category(doc: InvoiceDocument, treatment: VatTreatment, basisPoints: number): VatCategory {
  const c = CATEGORY[treatment];
  const cat: VatCategory = { 'cbc:ID': c.id, 'cac:TaxScheme': { 'cbc:ID': 'VAT' } };
  // BR-O-05/BR-O-09: no rate at all on a "not subject to VAT" category.
  if (c.id !== 'O') cat['cbc:Percent'] = percent(basisPoints);
  if (c.exemption) {
    cat['cbc:TaxExemptionReasonCode'] = c.exemption;
    cat['cbc:TaxExemptionReason'] = vatWording(doc.language, treatment) ?? undefined;
  }
  return cat;
}

function address(p: Party): SellerParty['cac:PostalAddress'] {
  const [first, second, ...rest] = p.addressLines;
  const a: SellerParty['cac:PostalAddress'] = {
    'cac:Country': { 'cbc:IdentificationCode': p.country as CountryCode },
  };
  if (first) a['cbc:StreetName'] = first;
  if (second) a['cbc:AdditionalStreetName'] = second;
  if (p.city) a['cbc:CityName'] = p.city;
  if (p.postalCode) a['cbc:PostalZone'] = p.postalCode;
  if (rest.length > 0) a['cac:AddressLine'] = { 'cbc:Line': rest.join(', ') };
  return a;
}

/** BR-O-02: a document with a "not subject to VAT" line names no VAT identifier at all. */
function showsVatIds(doc: InvoiceDocument): boolean {
  return !doc.lines.some((l) => l.vatTreatment === 'outside_scope');
}

function seller(doc: InvoiceDocument): SellerParty {
  const s = doc.issuer;
  const party: SellerParty = {
    'cac:PostalAddress': address(s),
    'cac:PartyLegalEntity': { 'cbc:RegistrationName': s.name },
  };
  if (s.email) {
    party['cbc:EndpointID'] = s.email;
    party['cbc:EndpointID@schemeID'] = 'EM';
  }
  if (s.vatId) {
    if (showsVatIds(doc))
      party['cac:PartyTaxScheme'] = [{ 'cbc:CompanyID': s.vatId, 'cac:TaxScheme': { 'cbc:ID': 'VAT' } }];
    // BR-CO-26 wants the seller identified even where BR-O-02 forbids the VAT id: its tax number
    // doubles as the legal registration identifier.
    else party['cac:PartyLegalEntity']['cbc:CompanyID'] = s.vatId;
  }
  if (s.email) party['cac:Contact'] = { 'cbc:ElectronicMail': s.email };
  return party;
}

function buyer(doc: InvoiceDocument): BuyerParty {
  const c = doc.customer;
  const party: BuyerParty = {
    'cac:PostalAddress': address(c),
    'cac:PartyLegalEntity': { 'cbc:RegistrationName': c.name },
  };
  if (c.email) {
    party['cbc:EndpointID'] = c.email;
    party['cbc:EndpointID@schemeID'] = 'EM';
  }
  if (c.vatId && showsVatIds(doc)) {
    party['cac:PartyTaxScheme'] = { 'cbc:CompanyID': c.vatId, 'cac:TaxScheme': { 'cbc:ID': 'VAT' } };
  }
  return party;
}

function line(doc: InvoiceDocument, l: InvoiceLine, currency: Currency): LineItem {
  const quantity = l.credits.toString();
  return {
    'cbc:ID': String(l.position),
    'cbc:Note': `${TEXTS[doc.language].date}: ${dayIn(doc.issuer.timeZone ?? 'UTC', l.paidAt)}; ${l.purchaseId}`,
    'cbc:InvoicedQuantity': quantity,
    'cbc:InvoicedQuantity@unitCode': 'C62',
    'cbc:LineExtensionAmount': amount(l.net),
    'cbc:LineExtensionAmount@currencyID': currency,
    'cac:Item': {
      'cbc:Name': creditsLabel(doc.language, l.credits),
      'cac:SellersItemIdentification': { 'cbc:ID': 'SMS-CREDITS' },
      'cac:ClassifiedTaxCategory': lineCategory(l),
    },
    // The price of the whole purchase per its quantity (BT-149 base quantity): quantity × price
    // / base = net exactly, with no rounded per-credit price.
    'cac:Price': {
      'cbc:PriceAmount': amount(l.net),
      'cbc:PriceAmount@currencyID': currency,
      'cbc:BaseQuantity': quantity,
      'cbc:BaseQuantity@unitCode': 'C62',
    },
  };
}

function lineCategory(l: InvoiceLine): LineItem['cac:Item']['cac:ClassifiedTaxCategory'] {
  const c = CATEGORY[l.vatTreatment];
  const cat: LineItem['cac:Item']['cac:ClassifiedTaxCategory'] = {
    'cbc:ID': c.id,
    'cac:TaxScheme': { 'cbc:ID': 'VAT' },
  };
  if (c.id !== 'O') cat['cbc:Percent'] = percent(l.vatRateBasisPoints);
  return cat;
}

/**
 * How the purchases on it were paid (UNCL 4461: 54 card, 58 SEPA credit transfer). EN 16931 allows
 * one code per document (UBL-SR-47, CII-SR-467): a month paid both ways says "1", instrument not
 * defined, and the note lists each purchase's payment.
 */
function paymentMeans(doc: InvoiceDocument): PaymentMeans {
  const methods = new Set(doc.lines.map((l) => l.paymentMethod));
  const bank = doc.issuer.bank;
  const only = methods.size === 1 ? doc.lines[0]?.paymentMethod : undefined;
  if (only === 'bank_transfer' && bank) {
    return {
      'cbc:PaymentMeansCode': '58',
      'cbc:PaymentID': doc.number,
      'cac:PayeeFinancialAccount': {
        'cbc:ID': bank.iban.replace(/\s+/g, ''),
        'cbc:Name': bank.beneficiary,
        'cac:FinancialInstitutionBranch': { 'cbc:ID': bank.bic },
      },
    };
  }
  return { 'cbc:PaymentMeansCode': only === 'card' ? '54' : '1', 'cbc:PaymentID': doc.number };
}

/** The document in @e-invoice-eu/core's data model (without CustomizationID: set per syntax). */
export function toEInvoiceModel(doc: InvoiceDocument): Invoice {
  const currency = doc.currency as Currency;
  const creditNote = doc.kind === 'credit_note';
  const wordings = [...new Set(doc.lines.map((l) => vatWording(doc.language, l.vatTreatment)))].filter(
    (w): w is string => w !== null,
  );
  const notes = [...wordings];
  const references = doc.lines
    .filter((l) => l.paymentReference)
    .map((l) => `${l.purchaseId}: ${l.paymentReference}`);
  if (references.length > 0) notes.push(`${TEXTS[doc.language].payment}: ${references.join('; ')}`);

  const subtotals: TaxSubtotal[] = doc.vatBreakdown.map((b) => ({
    'cbc:TaxableAmount': amount(b.taxableAmount),
    'cbc:TaxableAmount@currencyID': currency,
    'cbc:TaxAmount': amount(b.vatAmount),
    'cbc:TaxAmount@currencyID': currency,
    'cac:TaxCategory': category(doc, b.vatTreatment, b.vatRateBasisPoints),
  }));

  const ubl: Ubl = {
    'cbc:ProfileID': PEPPOL_PROFILE,
    'cbc:ID': doc.number,
    'cbc:IssueDate': doc.issueDate,
    'cbc:InvoiceTypeCode': creditNote ? '381' : '380',
    'cbc:DocumentCurrencyCode': currency,
    // Peppol wants a buyer reference or an order reference; the account is the buyer's reference.
    'cbc:BuyerReference': doc.accountId,
    'cac:InvoicePeriod': { 'cbc:StartDate': doc.period.start, 'cbc:EndDate': doc.period.end },
    'cac:AccountingSupplierParty': { 'cac:Party': seller(doc) },
    'cac:AccountingCustomerParty': { 'cac:Party': buyer(doc) },
    'cac:TaxTotal': [
      {
        'cbc:TaxAmount': amount(doc.totals.vat),
        'cbc:TaxAmount@currencyID': currency,
        'cac:TaxSubtotal': subtotals,
      },
    ],
    'cac:LegalMonetaryTotal': {
      'cbc:LineExtensionAmount': amount(doc.totals.net),
      'cbc:LineExtensionAmount@currencyID': currency,
      'cbc:TaxExclusiveAmount': amount(doc.totals.net),
      'cbc:TaxExclusiveAmount@currencyID': currency,
      'cbc:TaxInclusiveAmount': amount(doc.totals.total),
      'cbc:TaxInclusiveAmount@currencyID': currency,
      // Every purchase was paid before issue (and a refund paid back before its credit note).
      'cbc:PrepaidAmount': amount(doc.totals.total),
      'cbc:PrepaidAmount@currencyID': currency,
      'cbc:PayableAmount': '0.00',
      'cbc:PayableAmount@currencyID': currency,
    },
    'cac:InvoiceLine': doc.lines.map((l) => line(doc, l, currency)) as Ubl['cac:InvoiceLine'],
  };
  // One note: the CII writer puts several notes in one IncludedNote, which CII-SR-030 warns about.
  if (notes.length > 0) ubl['cbc:Note'] = [notes.join('\n')];
  if (doc.lines.length > 0) ubl['cac:PaymentMeans'] = [paymentMeans(doc)];
  if (doc.corrects) {
    ubl['cac:BillingReference'] = [
      {
        'cac:InvoiceDocumentReference': {
          'cbc:ID': doc.corrects.number,
          'cbc:IssueDate': doc.corrects.issueDate,
        },
      },
    ];
  }
  return { 'ubl:Invoice': ubl };
}

type BillingReference = NonNullable<Ubl['cac:BillingReference']>[number];

/**
 * The library's CII writer reads the preceding invoice (BT-25, BT-26) from cbc:ID and cbc:IssueDate
 * directly under cac:BillingReference rather than under its cac:InvoiceDocumentReference; for CII
 * the reference carries both (for UBL it must not: the schema has no such elements there). Nor does
 * it convert that date to CII's format 102 (YYYYMMDD, CII-DT-097), so it is given converted.
 */
function ciiBillingReference(corrects: NonNullable<InvoiceDocument['corrects']>): BillingReference {
  const reference: BillingReference & { 'cbc:ID': string; 'cbc:IssueDate': string } = {
    'cbc:ID': corrects.number,
    'cbc:IssueDate': corrects.issueDate.replaceAll('-', ''),
    'cac:InvoiceDocumentReference': { 'cbc:ID': corrects.number, 'cbc:IssueDate': corrects.issueDate },
  };
  return reference;
}

const factory = new FormatFactoryService();
const quiet = { log() {}, warn() {}, error() {} };

async function generate(
  doc: InvoiceDocument,
  format: 'UBL' | 'CII',
  customizationId: string,
): Promise<string> {
  const model = toEInvoiceModel(doc);
  model['ubl:Invoice']['cbc:CustomizationID'] = customizationId;
  if (format === 'CII' && doc.corrects)
    model['ubl:Invoice']['cac:BillingReference'] = [ciiBillingReference(doc.corrects)];
  // CII's schema requires ApplicableHeaderTradeDelivery, which the library writes only from a
  // delivery: the credits were delivered when the period ended.
  if (format === 'CII') model['ubl:Invoice']['cac:Delivery'] = { 'cbc:ActualDeliveryDate': doc.period.end };
  const service = factory.createFormatService(format, quiet);
  service.fillInvoiceDefaults(model);
  const out = await service.generate(model, { format, lang: doc.language === 'es' ? 'es-es' : 'en-gb' });
  return typeof out === 'string' ? out : Buffer.from(out).toString('utf8');
}

/** UBL 2.1 Invoice (or CreditNote) following Peppol BIS Billing 3.0. */
export function renderUbl(doc: InvoiceDocument): Promise<string> {
  return generate(doc, 'UBL', PEPPOL_BIS_3);
}

/**
 * The library writes the preceding invoice's date (BT-26) as udt:DateTimeString, where the CII
 * schema's FormattedDateTimeType wants the qualified qdt:DateTimeString (declared on the root).
 */
function qualifyFormattedDates(xml: string): string {
  return xml.replace(
    /(<ram:FormattedIssueDateTime>\s*)<udt:DateTimeString([^>]*)>([^<]*)<\/udt:DateTimeString>/g,
    '$1<qdt:DateTimeString$2>$3</qdt:DateTimeString>',
  );
}

/** UN/CEFACT CII, EN 16931 profile: the XML a Factur-X PDF embeds. */
export async function renderCii(doc: InvoiceDocument): Promise<string> {
  return qualifyFormattedDates(await generate(doc, 'CII', EN16931));
}
