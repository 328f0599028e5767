// Saved cards: listed, added through Stripe's setup page, removed; only ever the account's own.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey, readyCustomer, signUpVerified } from '../../helpers/accounts.js';
import {
  cardsOf,
  location,
  saveCardViaSetup,
  type StripeTest,
  startStripeTest,
  submitCheckout,
} from './helpers.js';

let s: StripeTest;

beforeAll(async () => {
  s = await startStripeTest();
});
afterAll(() => s.close());
afterEach(async () => {
  await s.sandbox.control.settle();
  s.sandbox.control.reset();
});

describe('GET /cards, POST /cards/setup, DELETE /cards/{id}', () => {
  it('an account with no cards lists none, and makes no Stripe customer for it', async () => {
    const alice = await signUpVerified(s.t);
    expect(await cardsOf(s, alice)).toEqual([]);
    const { rows } = await s.t.ctx.db.query('select * from stripe_customers where account_id = $1', [
      alice.accountId,
    ]);
    expect(rows).toEqual([]);
  });

  it('setup gives Stripe’s page; the card entered there is listed, newest first, one default', async () => {
    const bob = await readyCustomer(s.t);
    const visa = await saveCardViaSetup(s, bob, '4242424242424242');
    const mastercard = await saveCardViaSetup(s, bob, '5555555555554444');
    const cards = await cardsOf(s, bob);
    expect(cards).toEqual([
      { id: mastercard, brand: 'mastercard', last4: '4444', expMonth: 12, expYear: 2034, default: true },
      { id: visa, brand: 'visa', last4: '4242', expMonth: 12, expYear: 2034, default: false },
    ]);
    // One Stripe customer per account, however many cards.
    const { rows } = await s.t.ctx.db.query<{ customer_id: string }>(
      'select customer_id from stripe_customers where account_id = $1',
      [bob.accountId],
    );
    expect(rows).toHaveLength(1);
    const customer = await s.stripe.customers.retrieve(rows[0]?.customer_id ?? '');
    expect(customer).toMatchObject({ metadata: { account_id: bob.accountId } });
  });

  it.each([
    ['4000000000000002', 'generic_decline', 'Your card was declined.'],
    ['4000000000009995', 'insufficient_funds', 'Your card has insufficient funds.'],
  ])(
    'a card the issuer declines when saving (%s) is not saved; the page and the portal say why',
    async (number, reason, message) => {
      const gina = await readyCustomer(s.t);
      const res = await s.t.app.inject({ method: 'POST', url: '/api/v1/cards/setup', headers: gina.headers });
      expect(res.statusCode, res.body).toBe(201);
      const setupUrl: string = res.json().setupUrl;
      const attemptOf = async (attempt: string, who = gina) => {
        const answer = await s.t.app.inject({
          method: 'GET',
          url: `/api/v1/cards/setup/${attempt}`,
          headers: who.headers,
        });
        return answer;
      };
      // The attempt is named in the address the page sends the customer back to.
      const page = await (await fetch(setupUrl)).text();
      const cancel = /href="([^"]+)">Cancel</.exec(page)?.[1]?.replaceAll('&amp;', '&') ?? '';
      const attempt = new URL(cancel).searchParams.get('attempt') ?? '';
      expect(cancel).toBe(`http://portal.test/cards?attempt=${attempt}&setup=cancel`);
      expect((await attemptOf(attempt)).json()).toEqual({ status: 'open' });

      const declined = await submitCheckout(setupUrl, { number });
      expect(declined.status).toBe(402);
      expect(await declined.text()).toContain(message);
      await s.sandbox.control.settle();
      expect(await cardsOf(s, gina)).toEqual([]);
      const seen = await attemptOf(attempt);
      expect(seen.statusCode, seen.body).toBe(200);
      expect(seen.json()).toEqual({ status: 'declined', reason, message });
      // Only the account's own attempts; a malformed attempt id is refused.
      const mallory = await readyCustomer(s.t);
      await saveCardViaSetup(s, mallory, '4242424242424242');
      expect((await attemptOf(attempt, mallory)).statusCode).toBe(404);
      expect((await attemptOf('not-a-uuid')).statusCode).toBe(400);
      // The webhook of the failed setup is stored and processed like any other, changing nothing.
      const { rows } = await s.t.ctx.db.query<{ processed: boolean; last_error: string | null }>(
        `select processed_at is not null as processed, last_error from stripe_events
        where type = 'setup_intent.setup_failed'`,
      );
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((row) => row.processed && row.last_error === null)).toBe(true);
      // Another card on the same page saves and brings the customer back to the portal.
      const saved = await submitCheckout(setupUrl, { number: '4242424242424242' });
      expect(location(saved)).toBe(`http://portal.test/cards?attempt=${attempt}&setup=success`);
      expect((await cardsOf(s, gina)).map((card) => card.last4)).toEqual(['4242']);
      expect((await attemptOf(attempt)).json()).toEqual({
        status: 'saved',
        card: { brand: 'visa', last4: '4242' },
      });
    },
  );

  it('an API key works as well as the session', async () => {
    const carol = await readyCustomer(s.t);
    await saveCardViaSetup(s, carol, '4242424242424242');
    const key = await newApiKey(s.t, carol);
    const res = await s.t.app.inject({ method: 'GET', url: '/api/v1/cards', headers: key.headers });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toHaveLength(1);
  });

  it('a card is removed (detached at Stripe)', async () => {
    const dave = await readyCustomer(s.t);
    const card = await saveCardViaSetup(s, dave, '4242424242424242');
    const res = await s.t.app.inject({
      method: 'DELETE',
      url: `/api/v1/cards/${card}`,
      headers: dave.headers,
    });
    expect(res.statusCode, res.body).toBe(204);
    expect(await cardsOf(s, dave)).toEqual([]);
    expect((await s.stripe.paymentMethods.retrieve(card)).customer).toBeNull();
    const again = await s.t.app.inject({
      method: 'DELETE',
      url: `/api/v1/cards/${card}`,
      headers: dave.headers,
    });
    expect(again.statusCode).toBe(404);
  });

  it('another account’s card is 404 and stays where it is', async () => {
    const erin = await readyCustomer(s.t);
    const card = await saveCardViaSetup(s, erin, '4242424242424242');
    const mallory = await readyCustomer(s.t);
    await saveCardViaSetup(s, mallory, '4000000000000341');
    const res = await s.t.app.inject({
      method: 'DELETE',
      url: `/api/v1/cards/${card}`,
      headers: mallory.headers,
    });
    expect(res.statusCode, res.body).toBe(404);
    expect(res.json().error.code).toBe('not_found');
    // A stranger with no Stripe customer at all, and ids that are not cards, get the same.
    const stranger = await signUpVerified(s.t);
    for (const id of [card, 'pm_nothere', 'cus_123', '../../v1/customers']) {
      const other = await s.t.app.inject({
        method: 'DELETE',
        url: `/api/v1/cards/${encodeURIComponent(id)}`,
        headers: stranger.headers,
      });
      expect(other.statusCode, other.body).toBe(404);
    }
    expect((await cardsOf(s, erin)).map((c) => c.id)).toEqual([card]);
    expect(await cardsOf(s, mallory)).not.toContainEqual(expect.objectContaining({ id: card }));
  });

  it('no credentials: 401; a session write without the CSRF header: 403', async () => {
    const anonymous = await s.t.app.inject({ method: 'GET', url: '/api/v1/cards' });
    expect(anonymous.statusCode).toBe(401);
    const frank = await readyCustomer(s.t);
    const noCsrf = await s.t.app.inject({
      method: 'POST',
      url: '/api/v1/cards/setup',
      headers: { cookie: frank.cookie },
    });
    expect(noCsrf.statusCode).toBe(403);
  });
});
