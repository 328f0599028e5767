// Account events reach the customer's webhook deliveries only when the account has a webhook,
// and only when the transaction that caused them commits.
import { afterEach, describe, expect, it } from 'vitest';
import { enqueueAccountEvent } from '../../src/messaging/webhooks/index.js';
import { listDeliveries } from '../../src/messaging/webhooks/list-deliveries.js';
import { putWebhook } from '../../src/messaging/webhooks/settings.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { signUpVerified } from '../helpers/accounts.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('account events for the customer webhook', () => {
  it('are enqueued with their type and data, committed or not at all, and only for an account with a webhook', async () => {
    t = await createTestApp({ env: { WEBHOOK_PRIVATE_ADDRESSES: 'allow' } });
    const withHook = await signUpVerified(t);
    const without = await signUpVerified(t);
    await putWebhook(t.ctx.db, withHook.accountId, 'http://127.0.0.1:9/hook', new Date(), 'allow');
    const at = new Date('2026-12-01T10:00:00Z');

    await t.ctx.db.transaction(async (tx) => {
      await enqueueAccountEvent(tx, withHook.accountId, 'balance.low', { availableCredits: '9' }, at);
      await enqueueAccountEvent(tx, without.accountId, 'balance.low', { availableCredits: '9' }, at);
    });
    await t.ctx.db
      .transaction(async (tx) => {
        await enqueueAccountEvent(tx, withHook.accountId, 'purchase.credited', { id: 'pur_x' }, at);
        throw new Error('rolled back');
      })
      .catch(() => undefined);

    const page = await listDeliveries(t.ctx.db, withHook.accountId, { limit: 10 });
    expect(page.data).toHaveLength(1);
    expect(page.data[0]).toMatchObject({
      messageId: null,
      type: 'balance.low',
      status: 'pending',
      event: { type: 'balance.low', at: '2026-12-01T10:00:00.000Z', data: { availableCredits: '9' } },
    });
    const [delivery] = page.data;
    expect((delivery?.event as { id?: string } | undefined)?.id).toBe(delivery?.id);
    expect((await listDeliveries(t.ctx.db, without.accountId, { limit: 10 })).data).toHaveLength(0);
  });
});
