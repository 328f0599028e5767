// Credits at the edges are decimal strings ("1000", "0.045"); inside they are micro-credits
// in bigint. No floating point ever touches them.

export const MICROS_PER_CREDIT = 1_000_000n;
/** The largest amount one transfer may move: one billion credits. */
export const MAX_TRANSFER_MICROS = 1_000_000_000n * MICROS_PER_CREDIT;
/**
 * The largest balance a customer account may reach: ten billion credits (10^16 micro-credits),
 * ten of the largest transfers. Far beyond any real prepaid account, and far below what the
 * `bigint` columns hold, so no sum of balances and amounts near it can overflow.
 */
export const MAX_BALANCE_MICROS = 10_000_000_000n * MICROS_PER_CREDIT;
/**
 * What a `bigint` column holds (2^63 - 1). An account's running totals only grow (credits and
 * debits are summed separately), so even with the balance bounded they could, after very many
 * transfers, reach it: the engine refuses a transfer that would take a total past it.
 */
export const MAX_TOTAL_MICROS = 2n ** 63n - 1n;

const DECIMAL = /^(\d{1,13})(?:\.(\d{1,6}))?$/;

export class AmountError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AmountError';
  }
}

/** Parses a non-negative decimal credit string into micro-credits; throws AmountError. */
export function parseCredits(value: unknown): bigint {
  if (typeof value !== 'string') throw new AmountError('must be a decimal string such as "1000" or "0.045"');
  const match = DECIMAL.exec(value);
  if (!match) {
    if (/^\d+\.\d{7,}$/.test(value)) throw new AmountError('has more than 6 fraction digits');
    throw new AmountError('must be a decimal string such as "1000" or "0.045"');
  }
  const whole = BigInt(match[1] ?? '0');
  const fraction = BigInt((match[2] ?? '').padEnd(6, '0'));
  return whole * MICROS_PER_CREDIT + fraction;
}

/** Like parseCredits, but also accepts a leading minus sign. */
export function parseSignedCredits(value: unknown): bigint {
  if (typeof value === 'string' && value.startsWith('-')) return -parseCredits(value.slice(1));
  return parseCredits(value);
}

/** Micro-credits to the shortest decimal string: 1500000n -> "1.5", -45000n -> "-0.045". */
export function formatCredits(micros: bigint): string {
  const sign = micros < 0n ? '-' : '';
  const abs = micros < 0n ? -micros : micros;
  const whole = abs / MICROS_PER_CREDIT;
  const fraction = (abs % MICROS_PER_CREDIT).toString().padStart(6, '0').replace(/0+$/, '');
  return `${sign}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** A transfer amount: positive and at most MAX_TRANSFER_MICROS. */
export function assertTransferAmount(micros: bigint, { allowZero = false } = {}): void {
  if (micros < 0n || (micros === 0n && !allowZero)) throw new AmountError('must be greater than zero');
  if (micros > MAX_TRANSFER_MICROS) throw new AmountError('must be at most 1000000000 credits');
}
