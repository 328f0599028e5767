// Stripe's test cards and what each does. Any other number that passes the Luhn check
// succeeds; a number that fails it is refused on the page, as Checkout refuses it.
import { createHash } from 'node:crypto';
import type { DeclineCode } from './errors.js';
import type { CardBrand } from './types.js';

export type CardBehaviour =
  | 'succeed'
  | 'decline_generic'
  | 'decline_insufficient_funds'
  /** 4000 0027 6000 3184: every payment needs authentication, on or off session. */
  | 'authenticate_always'
  /** 4000 0025 0000 3155: needs authentication unless it was set up for off-session use. */
  | 'authenticate_unless_set_up'
  /** 4000 0000 0000 0341: saving succeeds, every charge is declined. */
  | 'decline_after_attach'
  /**
   * 4000 0082 6000 3178: the first payment (or saving it) needs authentication; once saved,
   * every later payment is declined for insufficient funds.
   */
  | 'authenticate_then_insufficient_funds';

/** The test card numbers by what they do, for tests that drive the hosted page. */
export const TEST_CARDS = {
  succeeds: '4242424242424242',
  mastercard: '5555555555554444',
  declined: '4000000000000002',
  insufficientFunds: '4000000000009995',
  requiresAuthentication: '4000002760003184',
  authenticatesOnceForOffSession: '4000002500003155',
  declinesAfterSaving: '4000000000000341',
  insufficientFundsAfterSaving: '4000008260003178',
} as const;

const BEHAVIOURS: Record<string, CardBehaviour> = {
  '4000000000000002': 'decline_generic',
  '4000000000009995': 'decline_insufficient_funds',
  '4000002760003184': 'authenticate_always',
  '4000002500003155': 'authenticate_unless_set_up',
  '4000000000000341': 'decline_after_attach',
  '4000008260003178': 'authenticate_then_insufficient_funds',
};

/** Stripe's test PaymentMethod ids, usable wherever a pm_ id is (attach, payment_method). */
export const TEST_PAYMENT_METHODS: Record<string, string> = {
  pm_card_visa: '4242424242424242',
  pm_card_mastercard: '5555555555554444',
  pm_card_chargeDeclined: '4000000000000002',
  pm_card_chargeDeclinedInsufficientFunds: '4000000000009995',
  pm_card_authenticationRequired: '4000002760003184',
  pm_card_authenticationRequiredSetupForOffSession: '4000002500003155',
  pm_card_visa_chargeDeclined: '4000000000000341',
  pm_card_authenticationRequiredChargeDeclinedInsufficientFunds: '4000008260003178',
};

export interface TestCard {
  number: string;
  brand: CardBrand;
  last4: string;
  expMonth: number;
  expYear: number;
  behaviour: CardBehaviour;
  fingerprint: string;
  /** Set when the card was saved through a SetupIntent or setup_future_usage=off_session. */
  setUpForOffSession: boolean;
}

export type PaymentOutcome =
  | { kind: 'succeed' }
  | { kind: 'decline'; declineCode: DeclineCode }
  | { kind: 'authenticate' };

export function luhnValid(digits: string): boolean {
  if (!/^\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

export function cardBrand(digits: string): CardBrand {
  if (digits.startsWith('4')) return 'visa';
  const two = Number(digits.slice(0, 2));
  const four = Number(digits.slice(0, 4));
  if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) return 'mastercard';
  if (two === 34 || two === 37) return 'amex';
  if (digits.startsWith('6011') || digits.startsWith('65')) return 'discover';
  return 'unknown';
}

export function testCard(number: string, expMonth: number, expYear: number): TestCard {
  return {
    number,
    brand: cardBrand(number),
    last4: number.slice(-4),
    expMonth,
    expYear,
    behaviour: BEHAVIOURS[number] ?? 'succeed',
    fingerprint: createHash('sha256').update(number).digest('base64url').slice(0, 16),
    setUpForOffSession: false,
  };
}

/** The outcome of charging `card`; off-session charges cannot be authenticated by anyone. */
export function paymentOutcome(card: TestCard, offSession: boolean): PaymentOutcome {
  switch (card.behaviour) {
    case 'succeed':
      return { kind: 'succeed' };
    case 'decline_generic':
    case 'decline_after_attach':
      return { kind: 'decline', declineCode: 'generic_decline' };
    case 'decline_insufficient_funds':
      return { kind: 'decline', declineCode: 'insufficient_funds' };
    case 'authenticate_always':
      return { kind: 'authenticate' };
    case 'authenticate_unless_set_up':
      return offSession && card.setUpForOffSession ? { kind: 'succeed' } : { kind: 'authenticate' };
    case 'authenticate_then_insufficient_funds':
      return card.setUpForOffSession
        ? { kind: 'decline', declineCode: 'insufficient_funds' }
        : { kind: 'authenticate' };
  }
}

/**
 * The outcome of saving `card` (a SetupIntent, or attaching it to a customer), as Stripe's test
 * cards behave: the issuer is asked to verify the card, so a card it declines is not saved
 * (0002, 9995); 0341 saves and declines later; the authentication cards ask for authentication
 * first (attaching through the API skips that, as on Stripe).
 */
export function setupOutcome(card: TestCard): PaymentOutcome {
  switch (card.behaviour) {
    case 'decline_generic':
      return { kind: 'decline', declineCode: 'generic_decline' };
    case 'decline_insufficient_funds':
      return { kind: 'decline', declineCode: 'insufficient_funds' };
    case 'authenticate_always':
    case 'authenticate_unless_set_up':
    case 'authenticate_then_insufficient_funds':
      return { kind: 'authenticate' };
    case 'succeed':
    case 'decline_after_attach':
      return { kind: 'succeed' };
  }
}

export interface CardInput {
  number: string;
  expiry: string;
  cvc: string;
}

/** Reads the hosted page's card form; the error texts are Stripe Checkout's. */
export function readCardInput(input: CardInput, now: Date): TestCard | { error: string } {
  const number = input.number.replace(/[\s-]/g, '');
  if (number === '') return { error: 'Your card number is incomplete.' };
  if (!luhnValid(number)) return { error: 'Your card number is invalid.' };
  const expiry = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(input.expiry);
  if (!expiry) return { error: "Your card's expiration date is incomplete." };
  const month = Number(expiry[1]);
  const yearText = expiry[2] ?? '';
  const year = yearText.length === 2 ? 2000 + Number(yearText) : Number(yearText);
  if (month < 1 || month > 12) return { error: "Your card's expiration date is invalid." };
  const thisMonth = now.getUTCFullYear() * 12 + now.getUTCMonth();
  if (year * 12 + month - 1 < thisMonth) return { error: "Your card's expiration date is in the past." };
  const cvcLength = cardBrand(number) === 'amex' ? 4 : 3;
  if (!new RegExp(`^\\d{${cvcLength}}$`).test(input.cvc.trim()))
    return { error: "Your card's security code is incomplete." };
  return testCard(number, month, year);
}
