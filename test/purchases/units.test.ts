// The pure parts of the purchases room: ISO 11649 references, the XML reader, amounts in
// statements, bank-transfer terms, multipart bodies, and the configuration they start from.
import { describe, expect, it } from 'vitest';
import { ConfigError, ibanIsValid, loadConfig } from '../../src/config.js';
import { parseMultipart } from '../../src/http/uploads.js';
import { readCamt053 } from '../../src/purchases/providers/bank-transfer/camt053.js';
import {
  creditorReference,
  creditorReferencesIn,
  formatCreditorReference,
  isValidCreditorReference,
  newCreditorReference,
} from '../../src/purchases/providers/bank-transfer/creditor-reference.js';
import { minorUnits } from '../../src/purchases/providers/bank-transfer/import-statement.js';
import { bankTransferTerms, dueDateOf } from '../../src/purchases/providers/bank-transfer/terms.js';
import { parseXml, XmlError } from '../../src/purchases/providers/bank-transfer/xml.js';
import { camt053, multipart } from './helpers.js';

describe('ISO 11649 creditor references', () => {
  it('accepts the standard’s example and refuses a changed digit', () => {
    expect(isValidCreditorReference('RF18539007547034')).toBe(true);
    expect(isValidCreditorReference('RF18 5390 0754 7034')).toBe(true);
    expect(isValidCreditorReference('rf18539007547034')).toBe(true);
    expect(isValidCreditorReference('RF18539007547035')).toBe(false);
    expect(isValidCreditorReference('RF19539007547034')).toBe(false);
    expect(isValidCreditorReference('RF18')).toBe(false);
    expect(isValidCreditorReference('RF185390075470341234567890')).toBe(false);
    expect(creditorReference('539007547034')).toBe('RF18539007547034');
    expect(formatCreditorReference('RF18539007547034')).toBe('RF18 5390 0754 7034');
  });

  it('draws 12 random digits with valid check digits', () => {
    for (let i = 0; i < 200; i++) {
      const ref = newCreditorReference();
      expect(ref).toMatch(/^RF\d{14}$/);
      expect(isValidCreditorReference(ref)).toBe(true);
    }
  });

  it('finds references in free text, grouped or not, among other words', () => {
    expect(creditorReferencesIn('Order RF18 5390 0754 7034, thanks')).toContain('RF18539007547034');
    expect(creditorReferencesIn('pago rf18539007547034')).toContain('RF18539007547034');
    expect(creditorReferencesIn('RF18539007547035 typo')).not.toContain('RF18539007547035');
    expect(creditorReferencesIn('nothing here, RFID tag')).toEqual([]);
    expect(creditorReferencesIn(`A ${creditorReference('ABC123')} B ${creditorReference('777')}`)).toEqual(
      expect.arrayContaining([creditorReference('ABC123'), creditorReference('777')]),
    );
  });
});

describe('the XML reader', () => {
  it('reads elements, attributes, text, CDATA and entities, dropping namespace prefixes', () => {
    const root = parseXml(
      `\uFEFF<?xml version="1.0"?><!-- c --><ns:Doc xmlns:ns="urn:x" a='1' b="x &amp; y"><ns:T>A &lt;b&gt; &#65;&#x42;</ns:T><E/><C><![CDATA[<raw> & ]]></C></ns:Doc>`,
    );
    expect(root.name).toBe('Doc');
    expect(root.attributes).toMatchObject({ a: '1', b: 'x & y' });
    expect(root.children.map((c) => c.name)).toEqual(['T', 'E', 'C']);
    expect(root.children[0]?.text).toBe('A <b> AB');
    expect(root.children[2]?.text).toBe('<raw> & ');
  });

  const malformed: [string, RegExp][] = [
    ['<a><b></a>', /does not close <b>/],
    ['<a>', /never closed/],
    ['<a></a><b></b>', /second root/],
    ['text', /outside the root/],
    ['<a>x</a>tail', /outside the root/],
    ['<a b=1></a>', /must be quoted/],
    ['<a b="1"c="2"></a>', /malformed attribute/],
    ['<a b="1" b="2"></a>', /given twice/],
    ['<a>&nbsp;</a>', /entity/],
    ['<a>&#0;</a>', /entity/],
    ['<!DOCTYPE a><a/>', /document type/],
    ['<a><!-- open</a>', /comment/],
    ['<a>< b</a>', /must start a tag/],
    ['', /no root/],
    [`${'<a>'.repeat(100)}${'</a>'.repeat(100)}`, /nested too deeply/],
  ];
  it.each(malformed)('refuses %j with a line and column', (xml, message) => {
    expect(() => parseXml(xml)).toThrow(message);
    try {
      parseXml(xml);
    } catch (error) {
      expect(error).toBeInstanceOf(XmlError);
      expect((error as XmlError).line).toBeGreaterThanOrEqual(1);
    }
  });

  it('reports the line of the problem', () => {
    expect(() => parseXml('<a>\n<b>\n</c>\n</a>')).toThrow(/^line 3, column 1: /);
  });
});

describe('camt.053', () => {
  it('reads statements into lines', () => {
    const [statement] = readCamt053(
      camt053({
        statementId: 'S-1',
        entries: [
          { amount: '12.10', ref: 'RF18539007547034', bankRef: 'B1', debtor: 'Ana & Co' },
          { amount: '3.00', currency: 'USD', direction: 'DBIT', status: 'PDNG', ustrd: 'fee', bankRef: null },
        ],
      }),
    );
    expect(statement).toMatchObject({ id: 'S-1', accountIban: 'GB93SAND00000012345678' });
    expect(statement?.lines).toEqual([
      {
        statementId: 'S-1',
        accountIban: 'GB93SAND00000012345678',
        position: 1,
        transaction: null,
        bankRef: 'B1',
        direction: 'CRDT',
        status: 'BOOK',
        amount: '12.10',
        currency: 'EUR',
        bookedAt: new Date('2026-11-20T00:00:00Z'),
        structuredRefs: ['RF18539007547034'],
        remittance: [],
        debtorName: 'Ana & Co',
      },
      expect.objectContaining({
        position: 2,
        bankRef: null,
        direction: 'DBIT',
        status: 'PDNG',
        remittance: ['fee'],
      }),
    ]);
  });

  it('turns amounts into minor units without floats, and refuses what is not one', () => {
    expect(minorUnits('121.00', 'EUR')).toBe(12_100n);
    expect(minorUnits('121', 'EUR')).toBe(12_100n);
    expect(minorUnits('121.5', 'EUR')).toBe(12_150n);
    expect(minorUnits('121.500', 'EUR')).toBe(12_150n);
    expect(minorUnits('0.07', 'CZK')).toBe(7n);
    expect(minorUnits('121.505', 'EUR')).toBeNull();
    expect(minorUnits('1,00', 'EUR')).toBeNull();
    expect(minorUnits('-1.00', 'EUR')).toBeNull();
    expect(minorUnits('99999999999999999', 'EUR')).toBeNull();
    expect(minorUnits(null, 'EUR')).toBeNull();
    expect(minorUnits('1.00', null)).toBeNull();
  });
});

describe('bank-transfer terms', () => {
  const bank = {
    iban: 'GB93SAND00000012345678',
    bic: 'SANDGB2LXXX',
    beneficiary: 'X',
    dueDays: 14,
    sandbox: true,
  };
  it('is due on the day BANK_TRANSFER_DAYS away and expires when that day ends (UTC)', () => {
    const terms = bankTransferTerms(bank, new Date('2026-11-21T23:30:00Z'), 'RF18539007547034');
    expect(dueDateOf(terms)).toBe('2026-12-05');
    expect(terms.dueAt).toEqual(new Date('2026-12-06T00:00:00Z'));
    expect(terms).toMatchObject({ reference: 'RF18539007547034', iban: bank.iban, bic: bank.bic });
  });
});

describe('multipart bodies', () => {
  it('reads the parts, names and files', () => {
    const { payload, headers } = multipart('a,b\r\n1,2\r\n', { filename: 'x.csv', type: 'text/csv' });
    const [part] = parseMultipart(payload, headers['content-type'] ?? '');
    expect(part).toMatchObject({ field: 'file', filename: 'x.csv', contentType: 'text/csv' });
    expect(part?.data.toString()).toBe('a,b\r\n1,2\r\n');
  });

  it('refuses a body that is not multipart', () => {
    expect(() => parseMultipart(Buffer.from('hello'), 'multipart/form-data; boundary=xyz')).toThrow(
      /multipart/,
    );
    expect(() => parseMultipart(Buffer.from('--xyz\r\nno end'), 'multipart/form-data; boundary=xyz')).toThrow(
      /multipart/,
    );
    expect(() => parseMultipart(Buffer.from('x'), 'multipart/form-data')).toThrow(/boundary/);
  });
});

describe('configuration', () => {
  it('starts with clearly fake but valid bank details and a Spanish issuer by default', () => {
    const config = loadConfig({});
    expect(config.bankTransfer).toEqual({
      iban: 'GB93SAND00000012345678',
      bic: 'SANDGB2LXXX',
      beneficiary: expect.stringContaining('Sandbox'),
      dueDays: 14,
      sandbox: true,
    });
    expect(config.issuer).toMatchObject({ country: 'ES', vatRateBasisPoints: 2100, vatId: undefined });
    expect(ibanIsValid('GB93SAND00000012345678')).toBe(true);
  });

  it('takes real bank details and refuses a wrong IBAN checksum at start-up', () => {
    const real = loadConfig({
      BANK_IBAN: 'de89 3704 0044 0532 0130 00',
      BANK_BIC: 'COBADEFFXXX',
      BANK_BENEFICIARY: 'Example GmbH',
      BANK_TRANSFER_DAYS: '7',
    });
    expect(real.bankTransfer).toMatchObject({ iban: 'DE89370400440532013000', sandbox: false, dueDays: 7 });
    const bad = (env: Record<string, string>) => () => loadConfig(env);
    expect(bad({ BANK_IBAN: 'DE88370400440532013000', BANK_BIC: 'COBADEFF', BANK_BENEFICIARY: 'X' })).toThrow(
      ConfigError,
    );
    expect(
      bad({ BANK_IBAN: 'DE89370400440532013000', BANK_BIC: 'COBADEFF', BANK_BENEFICIARY: 'X' }),
    ).not.toThrow();
    expect(bad({ BANK_IBAN: 'DE89370400440532013000' })).toThrow(/BANK_BIC/);
    expect(bad({ BANK_IBAN: 'DE89370400440532013000', BANK_BIC: 'nope', BANK_BENEFICIARY: 'X' })).toThrow(
      /BANK_BIC/,
    );
    expect(bad({ BANK_TRANSFER_DAYS: '0' })).toThrow(/BANK_TRANSFER_DAYS/);
  });

  it('offers no bank transfer in production without real details', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).bankTransfer).toBeUndefined();
  });

  it('validates the issuer', () => {
    expect(
      loadConfig({ ISSUER_COUNTRY: 'de', ISSUER_VAT_RATE: '19', ISSUER_VAT_ID: 'DE 136695976' }).issuer,
    ).toMatchObject({ country: 'DE', vatRateBasisPoints: 1900, vatId: 'DE136695976' });
    expect(loadConfig({ ISSUER_VAT_RATE: '5.5%' }).issuer.vatRateBasisPoints).toBe(550);
    expect(() => loadConfig({ ISSUER_COUNTRY: 'XX' })).toThrow(/ISSUER_COUNTRY/);
    expect(() => loadConfig({ ISSUER_VAT_RATE: '101' })).toThrow(/ISSUER_VAT_RATE/);
    expect(() => loadConfig({ ISSUER_VAT_RATE: '21,5' })).toThrow(/ISSUER_VAT_RATE/);
    expect(() => loadConfig({ ISSUER_COUNTRY: 'ES', ISSUER_VAT_ID: 'DE136695976' })).toThrow(/ISSUER_VAT_ID/);
  });
});
