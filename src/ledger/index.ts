// The credit ledger: accounts with four running totals, immutable transfers, holds, and the
// batched writer for the hot path. Imports only db/. Every credit movement goes through here.
export * from './accounts.js';
export * from './amounts.js';
export * from './audit.js';
export * from './available-signal.js';
export * from './batched-writer.js';
export * from './expiry.js';
export * from './ledger.js';
export * from './types.js';
