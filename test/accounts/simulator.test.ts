// The simulator carrier: deterministic outcomes, receipts, a shared record in the database,
// and its two windows over HTTP (the operator's, and the customer's sandbox phone).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Receipt } from '../../src/messaging/carriers/index.js';
import { listSimulatedMessages } from '../../src/messaging/carriers/simulator.js';
import { adminSession, BILLING, type Session, signUpVerified } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

describe('the simulator carrier', () => {
  let t: TestApp;
  const receipts: Receipt[] = [];
  beforeAll(async () => {
    t = await createTestApp();
    t.ctx.carrier.onReceipt((r) => receipts.push(r));
  });
  afterAll(() => t.close());

  it('is the default carrier', () => {
    expect(t.ctx.carrier.id).toBe('simulator');
  });

  it('accepts and delivers a message, with a receipt', async () => {
    const result = await t.ctx.carrier.submit({
      id: 'msg_1',
      to: '+34600111222',
      from: 'Shop',
      text: 'Hello',
    });
    expect(result).toEqual({ ok: true, carrierMessageId: expect.stringMatching(/^sim_/) });
    await expect
      .poll(() => receipts.find((r) => r.messageId === 'msg_1'))
      .toMatchObject({
        status: 'delivered',
        carrierMessageId: result.ok ? result.carrierMessageId : '',
      });
    const [stored] = await listSimulatedMessages(t.ctx.db, { to: '+34600111222', limit: 5 });
    expect(stored).toMatchObject({ to: '+34600111222', from: 'Shop', text: 'Hello', status: 'delivered' });
  });

  it('fails every message to a number ending in 0000', async () => {
    const result = await t.ctx.carrier.submit({ id: 'msg_2', to: '+34600110000', text: 'Lost' });
    expect(result.ok).toBe(true);
    await expect.poll(() => receipts.find((r) => r.messageId === 'msg_2')?.status).toBe('failed');
    const [stored] = await listSimulatedMessages(t.ctx.db, { to: '+34600110000', limit: 5 });
    expect(stored?.status).toBe('failed');
  });

  it('refuses a number that is not E.164', async () => {
    expect(await t.ctx.carrier.submit({ id: 'msg_3', to: '600111222', text: 'x' })).toEqual({
      ok: false,
      permanent: true,
      reason: expect.any(String),
    });
  });

  it('lets an operator read what it received, newest first, by number with or without +', async () => {
    const ops = await adminSession(t);
    await t.ctx.carrier.submit({ id: 'msg_4', to: '+34600111222', text: 'Second' });
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/admin/simulator/messages?to=34600111222',
      headers: ops.headers,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().map((m: { text: string }) => m.text)).toEqual(['Second', 'Hello']);
    const all = await t.app.inject({
      method: 'GET',
      url: '/api/v1/admin/simulator/messages?limit=1',
      headers: ops.headers,
    });
    expect(all.json()).toHaveLength(1);
  });

  it('shows a failed verification SMS on the sandbox phone of a number ending in 0000', async () => {
    const dana: Session & { accountId: string } = await signUpVerified(t);
    await t.app.inject({
      method: 'PUT',
      url: '/api/v1/account/billing',
      headers: dana.headers,
      payload: { ...BILLING, mobile: '+34612340000' },
    });
    const sent = await t.app.inject({
      method: 'POST',
      url: '/api/v1/account/mobile-verification',
      headers: dana.headers,
    });
    expect(sent.statusCode).toBe(202);
    const phone = await t.app.inject({
      method: 'GET',
      url: '/api/v1/simulator/messages',
      headers: dana.headers,
    });
    expect(phone.json()).toEqual([
      expect.objectContaining({ to: '+34612340000', status: 'failed', text: expect.stringMatching(/\d{6}/) }),
    ]);
  });

  it('answers an empty sandbox phone for an account without a mobile', async () => {
    const erin = await signUpVerified(t);
    const phone = await t.app.inject({
      method: 'GET',
      url: '/api/v1/simulator/messages',
      headers: erin.headers,
    });
    expect(phone.statusCode).toBe(200);
    expect(phone.json()).toEqual([]);
  });

  it('refuses a verification code for an account without a mobile, or one already verified', async () => {
    const fay = await signUpVerified(t);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/account/mobile-verification',
      headers: fay.headers,
    });
    expect(res.statusCode).toBe(409);
  });
});

describe('the simulator with a receipt delay', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { SIMULATOR_RECEIPT_DELAY_MS: '150' } });
  });
  afterAll(() => t.close());

  it('records the message as accepted, then delivered when its receipt comes', async () => {
    const receipts: Receipt[] = [];
    t.ctx.carrier.onReceipt((r) => receipts.push(r));
    await t.ctx.carrier.submit({ id: 'msg_d', to: '+34600999888', text: 'Later' });
    const [now] = await listSimulatedMessages(t.ctx.db, { to: '+34600999888', limit: 1 });
    expect(now?.status).toBe('accepted');
    expect(receipts).toEqual([]);
    await expect.poll(() => receipts.length).toBe(1);
    const [later] = await listSimulatedMessages(t.ctx.db, { to: '+34600999888', limit: 1 });
    expect(later?.status).toBe('delivered');
  });
});
