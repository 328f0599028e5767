// A webhook about a purchase this process is charging waits for that charge, whatever its end,
// and a webhook about any other purchase (or in another context) does not wait at all.
import { describe, expect, it } from 'vitest';
import type { AppContext } from '../../../src/context.js';
import { chargeFinished, whileCharging } from '../../../src/purchases/providers/stripe/charging.js';

const ctx = {} as AppContext;
const other = {} as AppContext;

function gate() {
  let open: () => void = () => {};
  let fail: (error: Error) => void = () => {};
  const shut = new Promise<string>((resolve, reject) => {
    open = () => resolve('charged');
    fail = reject;
  });
  return { shut, open, fail };
}

/** Whether the promise has settled once pending callbacks ran. */
async function settledYet(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('a charge under way', () => {
  it('is waited for by a webhook naming its purchase, until it ends', async () => {
    const { shut, open } = gate();
    const charge = whileCharging(ctx, 'pur_1', () => shut);
    const waiting = chargeFinished(ctx, 'pur_1');
    expect(await settledYet(waiting)).toBe(false);
    expect(await settledYet(chargeFinished(ctx, 'pur_2'))).toBe(true);
    expect(await settledYet(chargeFinished(other, 'pur_1'))).toBe(true);
    open();
    await expect(charge).resolves.toBe('charged');
    expect(await settledYet(waiting)).toBe(true);
    expect(await settledYet(chargeFinished(ctx, 'pur_1'))).toBe(true);
  });

  it('that fails releases the webhook, and its caller still gets the error', async () => {
    const { shut, fail } = gate();
    const charge = whileCharging(ctx, 'pur_3', () => shut);
    const waiting = chargeFinished(ctx, 'pur_3');
    fail(new Error('card_declined'));
    await expect(charge).rejects.toThrow('card_declined');
    expect(await settledYet(waiting)).toBe(true);
  });
});
