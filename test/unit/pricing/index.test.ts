import { describe, expect, it } from 'vitest';
import * as pricing from '../../../src/pricing/index.js';

describe('src/pricing/index.ts', () => {
  it.each([
    'measureSms',
    'splitSms',
    'findForbiddenCharacters',
    'isSendableText',
    'parseRecipient',
    'toCountryCode',
    'validateDestinationRows',
    'validateDestinationPrices',
    'DestinationIndex',
    'messageCostMicros',
    'parseDestinationCsv',
    'serializeDestinationCsv',
    'defaultDestinationRules',
    'validatePriceTable',
    'parseWholeCredits',
    'priceTableToJson',
    'defaultPriceTables',
    'decideTax',
    'taxAmount',
    'quote',
    'quoteToJson',
    'roundHalfUp',
    'formatMoney',
    'moneyToJson',
  ])('exports %s', (name) => {
    expect(typeof Reflect.get(pricing, name)).toBe('function');
  });
});
