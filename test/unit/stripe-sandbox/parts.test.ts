// The sandbox's own pieces that need no server: form decoding, test cards, money text,
// signatures, the SDK configuration helper and the refusal in production.
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import {
  luhnValid,
  paymentOutcome,
  readCardInput,
  setupOutcome,
  testCard,
} from '../../../tools/stripe-sandbox/cards.js';
import { canonical, FormError, parseForm } from '../../../tools/stripe-sandbox/form.js';
import {
  SandboxRefusedError,
  sandboxStripeConfig,
  signatureHeader,
  startStripeSandbox,
} from '../../../tools/stripe-sandbox/index.js';
import { formatAmount } from '../../../tools/stripe-sandbox/money.js';

describe('form decoding', () => {
  it('builds nested maps and arrays from bracketed keys', () => {
    expect(
      parseForm(
        'a=1&line_items[0][price_data][unit_amount]=5&line_items[1][quantity]=2&expand[]=x&expand[]=y&metadata[k]=v+w',
      ),
    ).toEqual({
      a: '1',
      line_items: [{ price_data: { unit_amount: '5' } }, { quantity: '2' }],
      expand: ['x', 'y'],
      metadata: { k: 'v w' },
    });
    expect(parseForm('expand[0]=a&expand[1]=b')).toEqual({ expand: ['a', 'b'] });
  });

  it('refuses a key that is both a value and a hash, and prototype keys', () => {
    expect(() => parseForm('a=1&a[b]=2')).toThrow(FormError);
    expect(() => parseForm('__proto__[polluted]=1')).toThrow(FormError);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('compares parameters whatever their order', () => {
    expect(canonical(parseForm('a=1&b[c]=2&b[d]=3'))).toBe(canonical(parseForm('b[d]=3&a=1&b[c]=2')));
    expect(canonical(parseForm('a=1'))).not.toBe(canonical(parseForm('a=2')));
  });
});

describe('test cards', () => {
  it('checks numbers with Luhn and tells the brand', () => {
    expect(luhnValid('4242424242424242')).toBe(true);
    expect(luhnValid('4242424242424241')).toBe(false);
    expect(testCard('5555555555554444', 1, 2030).brand).toBe('mastercard');
    expect(testCard('2223003122003222', 1, 2030).brand).toBe('mastercard');
    expect(testCard('4000056655665556', 1, 2030).brand).toBe('visa');
  });

  it('gives each test card its outcome, on and off session', () => {
    const outcome = (number: string, offSession: boolean) =>
      paymentOutcome(testCard(number, 1, 2030), offSession);
    expect(outcome('4242424242424242', true)).toEqual({ kind: 'succeed' });
    expect(outcome('4000000000000002', false)).toEqual({ kind: 'decline', declineCode: 'generic_decline' });
    expect(outcome('4000000000009995', true)).toEqual({ kind: 'decline', declineCode: 'insufficient_funds' });
    expect(outcome('4000002760003184', false)).toEqual({ kind: 'authenticate' });
    expect(outcome('4000002500003155', true)).toEqual({ kind: 'authenticate' });
    expect(outcome('6011111111111117', false)).toEqual({ kind: 'succeed' });
    expect(outcome('4000000000000341', true)).toEqual({ kind: 'decline', declineCode: 'generic_decline' });
    expect(outcome('4000008260003178', false)).toEqual({ kind: 'authenticate' });
    const saved = testCard('4000008260003178', 1, 2030);
    saved.setUpForOffSession = true;
    expect(paymentOutcome(saved, true)).toEqual({ kind: 'decline', declineCode: 'insufficient_funds' });
  });

  it('saving a card: the issuer declines 0002 and 9995, 0341 saves, 3D Secure cards authenticate', () => {
    const saving = (number: string) => setupOutcome(testCard(number, 1, 2030));
    expect(saving('4242424242424242')).toEqual({ kind: 'succeed' });
    expect(saving('4000000000000002')).toEqual({ kind: 'decline', declineCode: 'generic_decline' });
    expect(saving('4000000000009995')).toEqual({ kind: 'decline', declineCode: 'insufficient_funds' });
    expect(saving('4000000000000341')).toEqual({ kind: 'succeed' });
    expect(saving('4000002760003184')).toEqual({ kind: 'authenticate' });
    expect(saving('4000002500003155')).toEqual({ kind: 'authenticate' });
    expect(saving('4000008260003178')).toEqual({ kind: 'authenticate' });
  });

  it('reads the page form with Checkout error texts', () => {
    const now = new Date('2030-06-15T00:00:00Z');
    const read = (number: string, expiry = '12/34', cvc = '123') =>
      readCardInput({ number, expiry, cvc }, now);
    expect(read('')).toEqual({ error: 'Your card number is incomplete.' });
    expect(read('1234 5678')).toEqual({ error: 'Your card number is invalid.' });
    expect(read('4242424242424242', '13/34')).toEqual({ error: "Your card's expiration date is invalid." });
    expect(read('4242424242424242', '05/30')).toEqual({
      error: "Your card's expiration date is in the past.",
    });
    expect(read('4242424242424242', '06/2030')).toMatchObject({ expMonth: 6, expYear: 2030 });
    expect(read('4242424242424242', '12/34', '12')).toEqual({
      error: "Your card's security code is incomplete.",
    });
    expect(read('3782 822463 10005', '12/34', '1234')).toMatchObject({ brand: 'amex', last4: '0005' });
  });
});

describe('money text', () => {
  it('formats minor units exactly, with zero-decimal currencies', () => {
    expect(formatAmount(4500, 'eur')).toBe('€45.00');
    expect(formatAmount(123456789, 'usd')).toBe('$1,234,567.89');
    expect(formatAmount(5, 'gbp')).toBe('£0.05');
    expect(formatAmount(500, 'jpy')).toBe('¥500');
  });
});

describe('signatures and configuration', () => {
  it('signs the way constructEvent checks', () => {
    const payload = JSON.stringify({ id: 'evt_1', object: 'event' });
    const header = signatureHeader(payload, 'whsec_abc', Math.floor(Date.now() / 1000));
    expect(Stripe.webhooks.constructEvent(payload, header, 'whsec_abc').id).toBe('evt_1');
    const old = signatureHeader(payload, 'whsec_abc', Math.floor(Date.now() / 1000) - 3600);
    expect(() => Stripe.webhooks.constructEvent(payload, old, 'whsec_abc')).toThrow(/tolerance/);
  });

  it('turns the sandbox URL into the SDK host, port and protocol', () => {
    expect(sandboxStripeConfig('http://127.0.0.1:4321')).toEqual({
      host: '127.0.0.1',
      port: 4321,
      protocol: 'http',
    });
    expect(sandboxStripeConfig('https://sandbox.example')).toEqual({
      host: 'sandbox.example',
      port: 443,
      protocol: 'https',
    });
  });
});

describe('starting and stopping', () => {
  const nodeEnv = process.env.NODE_ENV;
  afterEach(() => {
    process.env.NODE_ENV = nodeEnv;
  });

  it('is refused with NODE_ENV=production', async () => {
    process.env.NODE_ENV = 'production';
    await expect(startStripeSandbox()).rejects.toBeInstanceOf(SandboxRefusedError);
  });

  it('takes test keys only', async () => {
    await expect(startStripeSandbox({ secretKey: 'sk_live_123' })).rejects.toBeInstanceOf(
      SandboxRefusedError,
    );
  });

  it('generates keys, answers on its port and frees it when stopped', async () => {
    const sandbox = await startStripeSandbox();
    expect(sandbox.secretKey).toMatch(/^sk_test_/);
    expect(sandbox.webhookSecret).toMatch(/^whsec_/);
    const home = await fetch(sandbox.url);
    expect(await home.json()).toMatchObject({ sandbox: true, livemode: false });
    await sandbox.stop();
    await expect(fetch(sandbox.url)).rejects.toThrow();
  });

  it('uses publicUrl for the hosted pages', async () => {
    const sandbox = await startStripeSandbox({ publicUrl: 'http://pay.localhost:8080/' });
    try {
      const stripe = new Stripe(sandbox.secretKey, sandboxStripeConfig(sandbox.url));
      const session = await stripe.checkout.sessions.create({
        mode: 'setup',
        success_url: 'https://shop.example/ok',
      });
      expect(session.url).toBe(`http://pay.localhost:8080/checkout/${session.id}`);
    } finally {
      await sandbox.stop();
    }
  });
});
