// Issued invoices for the renderers' tests: one per VAT case, and a credit note. Each line's VAT is
// rounded on its own (half up) as when its purchase was quoted; the breakdown sums the lines, so the
// per-rate VAT may differ by a cent from "taxable × rate" (the domestic business case does).
import type {
  InvoiceDocument,
  InvoiceLine,
  Party,
  VatBreakdown,
  VatTreatment,
} from '../../src/invoicing/document.js';

export const ISSUER: InvoiceDocument['issuer'] = {
  name: 'Tollgate Mensajería S.L.',
  addressLines: ['Calle de Alcalá 42', '3º izquierda'],
  city: 'Madrid',
  postalCode: '28014',
  country: 'ES',
  vatId: 'ESB12345674',
  email: 'billing@tollgate.example',
  bank: {
    iban: 'ES91 2100 0418 4502 0005 1332',
    bic: 'CAIXESBBXXX',
    beneficiary: 'Tollgate Mensajería S.L.',
  },
  timeZone: 'Europe/Madrid',
};

interface LineSpec {
  credits: bigint;
  net: bigint;
  rate: number;
  treatment: VatTreatment;
  paidAt: string;
  method?: 'card' | 'bank_transfer';
  reference?: string | null;
}

function vatOf(net: bigint, basisPoints: number): bigint {
  const raw = net * BigInt(basisPoints);
  const sign = raw < 0n ? -1n : 1n;
  const abs = raw < 0n ? -raw : raw;
  return sign * ((abs + 5000n) / 10000n);
}

function build(
  over: Pick<InvoiceDocument, 'id' | 'number' | 'currency' | 'language' | 'customer'> &
    Partial<Pick<InvoiceDocument, 'kind' | 'corrects' | 'issueDate'>>,
  specs: LineSpec[],
): InvoiceDocument {
  const lines: InvoiceLine[] = specs.map((s, i) => ({
    position: i + 1,
    purchaseId: `pur_${over.id}_${i + 1}`,
    paidAt: new Date(s.paidAt),
    credits: s.credits,
    net: s.net,
    vat: vatOf(s.net, s.rate),
    vatRateBasisPoints: s.rate,
    vatTreatment: s.treatment,
    paymentMethod: s.method ?? 'card',
    paymentReference: s.reference === undefined ? 'Visa •••• 4242' : s.reference,
  }));
  const groups = new Map<string, VatBreakdown>();
  for (const l of lines) {
    const key = `${l.vatTreatment}:${l.vatRateBasisPoints}`;
    const g = groups.get(key) ?? {
      vatRateBasisPoints: l.vatRateBasisPoints,
      vatTreatment: l.vatTreatment,
      taxableAmount: 0n,
      vatAmount: 0n,
    };
    g.taxableAmount += l.net;
    g.vatAmount += l.vat;
    groups.set(key, g);
  }
  const net = lines.reduce((a, l) => a + l.net, 0n);
  const vat = lines.reduce((a, l) => a + l.vat, 0n);
  return {
    kind: 'invoice',
    corrects: null,
    issueDate: '2026-12-01',
    period: { month: '2026-11', start: '2026-11-01', end: '2026-11-30' },
    accountId: `acc_${over.id}`,
    issuer: ISSUER,
    lines,
    vatBreakdown: [...groups.values()],
    totals: { net, vat, total: net + vat },
    paid: true,
    ...over,
  };
}

function party(p: Partial<Party> & Pick<Party, 'name' | 'country'>): Party {
  return {
    addressLines: ['Main Street 1'],
    city: 'City',
    postalCode: '1000',
    vatId: null,
    email: null,
    ...p,
  };
}

export const domesticBusiness = build(
  {
    id: 'inv_dom_b2b',
    number: 'TG-2026-000101',
    currency: 'EUR',
    language: 'en',
    customer: party({
      name: 'Acme Ibérica S.A.',
      addressLines: ['Avenida Diagonal 640'],
      city: 'Barcelona',
      postalCode: '08017',
      country: 'ES',
      vatId: 'ESA08000143',
      email: 'ap@acme.example',
    }),
  },
  [
    { credits: 10_000n, net: 8264n, rate: 2100, treatment: 'domestic', paidAt: '2026-11-03T09:15:00Z' },
    {
      credits: 5_000n,
      net: 4132n,
      rate: 2100,
      treatment: 'domestic',
      paidAt: '2026-11-14T16:40:00Z',
      method: 'bank_transfer',
      reference: 'RF18539007547034',
    },
    // 23:30 UTC on the 29th is 00:30 on the 30th in Madrid: printed as 30 November.
    { credits: 15_000n, net: 12397n, rate: 2100, treatment: 'domestic', paidAt: '2026-11-29T23:30:00Z' },
  ],
);

export const domesticConsumer = build(
  {
    id: 'inv_dom_b2c',
    number: 'TG-2026-000102',
    currency: 'EUR',
    language: 'es',
    customer: party({
      name: 'María Núñez Peña',
      addressLines: ['Calle Mayor 7, 2º B'],
      city: 'Sevilla',
      postalCode: '41001',
      country: 'ES',
      email: 'maria@example.es',
    }),
  },
  [{ credits: 1_000n, net: 1000n, rate: 2100, treatment: 'domestic', paidAt: '2026-11-20T10:00:00Z' }],
);

export const euBusinessReverseCharge = build(
  {
    id: 'inv_eu_b2b',
    number: 'TG-2026-000103',
    currency: 'EUR',
    language: 'en',
    customer: party({
      name: 'Müller Logistik GmbH',
      addressLines: ['Friedrichstraße 123'],
      city: 'Berlin',
      postalCode: '10117',
      country: 'DE',
      vatId: 'DE136695976',
      email: 'rechnung@mueller.example',
    }),
  },
  [
    { credits: 100_000n, net: 75000n, rate: 0, treatment: 'reverse_charge', paidAt: '2026-11-05T08:00:00Z' },
    { credits: 20_000n, net: 16000n, rate: 0, treatment: 'reverse_charge', paidAt: '2026-11-25T12:00:00Z' },
  ],
);

export const euConsumer = build(
  {
    id: 'inv_eu_b2c',
    number: 'TG-2026-000104',
    currency: 'EUR',
    language: 'en',
    customer: party({
      name: 'Élodie Lefèvre',
      addressLines: ['12 rue de la Paix'],
      city: 'Paris',
      postalCode: '75002',
      country: 'FR',
      email: 'elodie@example.fr',
    }),
  },
  [{ credits: 3_000n, net: 2500n, rate: 2000, treatment: 'eu_consumer', paidAt: '2026-11-11T18:20:00Z' }],
);

export const outsideEu = build(
  {
    id: 'inv_non_eu',
    number: 'TG-2026-000105',
    currency: 'USD',
    language: 'en',
    customer: party({
      name: 'Bluebird Apps Inc.',
      addressLines: ['500 Market Street', 'Suite 200'],
      city: 'San Francisco',
      postalCode: '94105',
      country: 'US',
      vatId: null,
      email: 'billing@bluebird.example',
    }),
  },
  [
    { credits: 50_000n, net: 40000n, rate: 0, treatment: 'outside_scope', paidAt: '2026-11-02T15:00:00Z' },
    { credits: 50_000n, net: 40000n, rate: 0, treatment: 'outside_scope', paidAt: '2026-11-22T15:00:00Z' },
  ],
);

/** The refund of the domestic business customer's first purchase. */
export const creditNote = build(
  {
    id: 'cn_dom_b2b',
    kind: 'credit_note',
    number: 'TGC-2026-000007',
    issueDate: '2027-01-04',
    currency: 'EUR',
    language: 'es',
    customer: domesticBusiness.customer,
    corrects: {
      id: domesticBusiness.id,
      number: domesticBusiness.number,
      issueDate: domesticBusiness.issueDate,
    },
  },
  [{ credits: 10_000n, net: -8264n, rate: 2100, treatment: 'domestic', paidAt: '2026-11-03T09:15:00Z' }],
);

export const CASES: Record<string, InvoiceDocument> = {
  'domestic business': domesticBusiness,
  'domestic consumer': domesticConsumer,
  'EU business, reverse charge': euBusinessReverseCharge,
  'EU consumer at their rate': euConsumer,
  'outside the EU': outsideEu,
  'credit note': creditNote,
};
