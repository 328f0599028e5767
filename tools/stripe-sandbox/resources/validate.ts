// Checks several resources share: currencies, Stripe's bounds on amounts, card-only methods.
import { invalidParam, invalidRequest } from '../errors.js';
import { formatAmount, MAX_AMOUNT, minimumAmount } from '../money.js';
import type { Params } from '../params.js';

export function readCurrency(p: Params, key = 'currency'): string {
  const currency = p.requireString(key).toLowerCase();
  if (!/^[a-z]{3}$/.test(currency)) throw invalidParam(p.name(key), `Invalid currency: ${currency}.`);
  return currency;
}

/** Stripe's bounds on a charge amount (minimum per currency, at most 8 digits). */
export function checkAmount(amount: number, currency: string, param: string): void {
  const minimum = minimumAmount(currency);
  if (amount < minimum) {
    throw invalidRequest(`Amount must be at least ${formatAmount(minimum, currency)} ${currency}`, {
      param,
      code: 'amount_too_small',
      validation: true,
    });
  }
  if (amount > MAX_AMOUNT) {
    throw invalidRequest(`Amount must be no more than ${formatAmount(MAX_AMOUNT, currency)}`, {
      param,
      code: 'amount_too_large',
      validation: true,
    });
  }
}

/** The sandbox takes cards only. */
export function checkCardOnly(p: Params): void {
  for (const type of p.strings('payment_method_types')) {
    if (type !== 'card')
      throw invalidParam('payment_method_types', `The sandbox only takes cards, not ${type}.`);
  }
}
