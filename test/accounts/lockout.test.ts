// Login guessing is kept out without handing attackers a way to lock the owner out: limits per
// client address and per (e-mail address, client address) refuse; across client addresses an
// e-mail address is only slowed, and never for an address its user has logged in from before.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LOGIN_BURST, LOGIN_INTERVAL_MS, networkOf } from '../../src/accounts/login-throttle.js';
import { randomIp, type Session, signUpVerified, uniqueEmail } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

describe('login lockout and brute force', () => {
  let t: TestApp;
  let clock: number;
  let real: () => Date;

  beforeAll(async () => {
    t = await createTestApp();
    real = t.ctx.now;
  });
  afterAll(async () => {
    t.ctx.now = real;
    await t.close();
  });
  beforeEach(() => {
    // A clock the test moves by hand, set at the start of a fixed rate-limit window.
    const hour = 3_600_000;
    clock = Math.ceil(Date.now() / hour) * hour + 60_000 + Math.floor(Math.random() * 100) * hour;
    t.ctx.now = () => new Date(clock);
  });

  const login = (email: string, password: string, ip = randomIp()) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password },
      remoteAddress: ip,
    });

  /** An owner who has logged in once from `home`. */
  const owner = async (home: string): Promise<Session> => {
    const s = await signUpVerified(t);
    expect((await login(s.email, s.password, home)).statusCode).toBe(200);
    return s;
  };

  it('ten wrong passwords from ten addresses do not lock the owner out, from a new address either', async () => {
    const home = randomIp();
    const alice = await owner(home);
    for (let i = 0; i < 10; i++) {
      expect((await login(alice.email, `wrong guess ${i}`)).statusCode).toBe(401);
    }
    expect((await login(alice.email, alice.password)).statusCode).toBe(200);
    expect((await login(alice.email, alice.password, home)).statusCode).toBe(200);
  });

  it('slows a guessing attack from many addresses to one guess per interval, and lets the owner in from a known address at once', async () => {
    const home = randomIp();
    const bob = await owner(home);
    const answers: number[] = [];
    for (let i = 0; i < LOGIN_BURST + 20; i++) {
      const res = await login(bob.email, `guess number ${i}`);
      answers.push(res.statusCode);
      if (res.statusCode === 429) {
        expect(res.json().error.code).toBe('rate_limited');
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(LOGIN_INTERVAL_MS / 1000);
      }
    }
    expect(answers.filter((c) => c === 401)).toHaveLength(LOGIN_BURST);
    expect(answers.filter((c) => c === 429)).toHaveLength(20);

    // The owner, from where they logged in before: in at once, however the attack goes on.
    expect((await login(bob.email, bob.password, home)).statusCode).toBe(200);
    // From a new address the owner is slowed, not locked out: one interval later it works.
    const away = randomIp();
    const slowed = await login(bob.email, bob.password, away);
    expect(slowed.statusCode).toBe(429);
    clock += Number(slowed.headers['retry-after']) * 1000;
    expect((await login(bob.email, bob.password, away)).statusCode).toBe(200);
    // ...and that address is known from now on: with the attack still on, in at once.
    let guess = await login(bob.email, 'yet another guess');
    while (guess.statusCode !== 429) guess = await login(bob.email, 'and another');
    expect((await login(bob.email, bob.password, away)).statusCode).toBe(200);
  });

  it('holds guesses from any number of addresses to one per interval over time', async () => {
    const carol = await owner(randomIp());
    const minutes = 10;
    let checked = 0;
    for (let second = 0; second < minutes * 60; second += 5) {
      clock += 5_000;
      const res = await login(carol.email, `guess at ${second}`);
      expect([401, 429]).toContain(res.statusCode);
      if (res.statusCode === 401) checked++;
    }
    // The burst, then one every interval: at most 20 + 20 in ten minutes, not 120.
    expect(checked).toBeLessThanOrEqual(LOGIN_BURST + (minutes * 60_000) / LOGIN_INTERVAL_MS);
    expect(checked).toBeGreaterThan(LOGIN_BURST);
  });

  it('keeps brute force from one address out, the right password included', async () => {
    const dave = await owner(randomIp());
    const attacker = randomIp();
    for (let i = 0; i < 10; i++) {
      expect((await login(dave.email, `brute ${i}`, attacker)).statusCode).toBe(401);
    }
    const blocked = await login(dave.email, dave.password, attacker);
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(15 * 60);
    // Only that pair is blocked: the owner elsewhere is not.
    expect((await login(dave.email, dave.password)).statusCode).toBe(200);
  });

  it('counts IPv6 clients by their /64, so one network cannot rotate through its addresses', async () => {
    const erin = await owner(randomIp());
    const prefix = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:1`;
    for (let i = 0; i < 10; i++) {
      expect(
        (await login(erin.email, `v6 guess ${i}`, `${prefix}::${(i + 1).toString(16)}`)).statusCode,
      ).toBe(401);
    }
    expect((await login(erin.email, erin.password, `${prefix}::ffff`)).statusCode).toBe(429);
    expect(networkOf('2001:db8:a:1::5')).toBe(networkOf('2001:0db8:000a:0001:ffff::1'));
    expect(networkOf('::ffff:10.1.2.3')).toBe('10.1.2.3');
  });

  it('answers alike for an address that has no account', async () => {
    const nobody = uniqueEmail('nobody');
    const answers: number[] = [];
    for (let i = 0; i < LOGIN_BURST + 3; i++) answers.push((await login(nobody, `guess ${i}`)).statusCode);
    expect(answers.filter((c) => c === 401)).toHaveLength(LOGIN_BURST);
    expect(answers.filter((c) => c === 429)).toHaveLength(3);
  });
});
