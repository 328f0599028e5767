// Recipients of a campaign to E.164, with the same answers as pricing's parseRecipient. One
// parser per import (one default country).
import type { CountryCode } from '../../pricing/countries.js';
import { type ParsedRecipient, parseRecipient } from '../../pricing/phone.js';

export class RecipientParser {
  constructor(private readonly defaultCountry: CountryCode | undefined) {}

  parse(raw: string): ParsedRecipient {
    return parseRecipient(raw, this.defaultCountry);
  }
}
