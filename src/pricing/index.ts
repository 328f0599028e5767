// Pricing: what a message costs (segments × the destination's price per segment, in credits)
// and what credits cost (packs, volume tiers, VAT, quotes, money). Pure functions and data: no
// database, no HTTP, no clock, no configuration reads — callers pass tables, issuer and rates in.
// May import only src/ledger/amounts.ts and libraries (libphonenumber-js, jsvat); the rooms
// that store price lists, sell credits and send messages import from here.
export * from './alphabets.js';
export * from './countries.js';
export * from './default-destinations.js';
export * from './default-packs.js';
export * from './destinations.js';
export * from './destinations-csv.js';
export * from './eu-vat-rates.js';
export * from './forbidden-characters.js';
export * from './money.js';
export * from './phone.js';
export * from './quote.js';
export * from './segments.js';
export * from './tax.js';
export * from './tiers.js';
