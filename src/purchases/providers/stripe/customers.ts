// One Stripe Customer per account: its saved cards hang on it. Created the first time an
// account pays by card or saves a card, with the idempotency key `customer:<account id>`, so
// two concurrent first payments (or two processes) get the same Customer; the row is then
// inserted once (on conflict do nothing) and read back.
import type { AppContext } from '../../../context.js';
import { stripeOf } from './client.js';
import { idempotencyKeys } from './keys.js';

/** The account's Customer id, or null when it has none yet. */
export async function customerIdOf(ctx: AppContext, accountId: string): Promise<string | null> {
  const { rows } = await ctx.db.query<{ customer_id: string }>(
    'select customer_id from stripe_customers where account_id = $1',
    [accountId],
  );
  return rows[0]?.customer_id ?? null;
}

/** The account's Customer id, created at Stripe if needed. */
export async function ensureCustomer(ctx: AppContext, accountId: string): Promise<string> {
  const known = await customerIdOf(ctx, accountId);
  if (known) return known;
  // Only what never changes goes in, so a retry within 24 hours sends the same parameters
  // and Stripe replays the first answer instead of refusing the key.
  const customer = await stripeOf(ctx).customers.create(
    { description: `Tollgate account ${accountId}`, metadata: { account_id: accountId } },
    { idempotencyKey: idempotencyKeys.customer(accountId) },
  );
  await ctx.db.query(
    `insert into stripe_customers (account_id, customer_id, created_at) values ($1, $2, $3)
       on conflict (account_id) do nothing`,
    [accountId, customer.id, ctx.now()],
  );
  const stored = await customerIdOf(ctx, accountId);
  if (!stored) throw new Error(`the Stripe customer of ${accountId} was not stored`);
  return stored;
}
