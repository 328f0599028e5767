// The price list a new installation starts with: every country libphonenumber-js knows, in a
// few regional bands. A credit is an abstract unit worth about one cheap SMS, so a band's price
// is roughly its typical wholesale termination cost divided by that of the cheapest routes:
//
//   north_america            0.8  US and Canada (and PR, VI on the same networks): cheapest
//   eu_eea                   1    EU and EEA, with the EU's outermost regions (GF GP MQ RE YT MF)
//   europe_other             1.2  the rest of Europe: UK, Switzerland, Balkans, Eastern Europe,
//                                 Turkey, the Caucasus, microstates and crown dependencies
//   asia_pacific             1.5  East, South and South-East Asia, Australia, New Zealand
//   latin_america_caribbean  1.6  Central and South America and the Caribbean
//   middle_east_central_asia 2    the Gulf, the Levant, Iran, Iraq, Central Asia
//   africa                   2.5  all of Africa, with its island states
//   remote                   4    small islands and territories on satellite or single-operator
//                                 networks (Pacific islands, St Helena, Falklands, Greenland …)
//
// Operators replace any of it through the price list (CSV or admin API); prefixes are theirs to add.

import { type CountryCode, countryCodes as codes } from './countries.js';
import { type DestinationPrice, type DestinationRule, validateDestinationPrices } from './destinations.js';

export interface PriceBand {
  readonly id: string;
  readonly creditsPerSegment: string;
  readonly countries: readonly CountryCode[];
}

export const DEFAULT_PRICE_BANDS: readonly PriceBand[] = [
  {
    id: 'north_america',
    creditsPerSegment: '0.8',
    countries: codes('CA PR US VI'),
  },
  {
    id: 'eu_eea',
    creditsPerSegment: '1',
    countries: codes(
      'AT AX BE BG CY CZ DE DK EE ES FI FR GF GP GR HR HU IE IS IT LI ' +
        'LT LU LV MF MQ MT NL NO PL PT RE RO SE SI SK YT',
    ),
  },
  {
    id: 'europe_other',
    creditsPerSegment: '1.2',
    countries: codes('AD AL AM AZ BA BY CH FO GB GE GG GI IM JE MC MD ME MK RS RU SJ SM TR UA VA XK'),
  },
  {
    id: 'asia_pacific',
    creditsPerSegment: '1.5',
    countries: codes('AU BD BN BT CN HK ID IN JP KH KR LA LK MM MN MO MV MY NP NZ PH PK SG TH TL TW VN'),
  },
  {
    id: 'latin_america_caribbean',
    creditsPerSegment: '1.6',
    countries: codes(
      'AG AI AR AW BB BL BM BO BQ BR BS BZ CL CO CR CU CW DM DO EC GD ' +
        'GT GY HN HT JM KN KY LC MS MX NI PA PE PY SR SV SX TC TT UY VC ' +
        'VE VG',
    ),
  },
  {
    id: 'middle_east_central_asia',
    creditsPerSegment: '2',
    countries: codes('AE AF BH IL IQ IR JO KG KW KZ LB OM PS QA SA SY TJ TM UZ YE'),
  },
  {
    id: 'africa',
    creditsPerSegment: '2.5',
    countries: codes(
      'AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN ' +
        'GQ GW KE KM LR LS LY MA MG ML MR MU MW MZ NA NE NG RW SC SD SL ' +
        'SN SO SS ST SZ TD TG TN TZ UG ZA ZM ZW',
    ),
  },
  {
    id: 'remote',
    creditsPerSegment: '4',
    countries: codes(
      'AC AS CC CK CX FJ FK FM GL GU IO KI KP MH MP NC NF NR NU PF PG PM PW SB SH TA TK TO TV VU WF WS',
    ),
  },
];

/** The default price list: one country-wide price per country, from its band. */
export const DEFAULT_DESTINATION_PRICES: readonly DestinationPrice[] = DEFAULT_PRICE_BANDS.flatMap((band) =>
  band.countries.map((country) => ({ country, creditsPerSegment: band.creditsPerSegment })),
);

/** The default price list, checked, ready for a DestinationIndex. */
export function defaultDestinationRules(): readonly DestinationRule[] {
  const checked = validateDestinationPrices(DEFAULT_DESTINATION_PRICES);
  if (!checked.ok) throw new Error(`the default price list is invalid: ${checked.errors[0]?.message}`);
  return checked.rules;
}
