// What a correctly signed Stripe webhook body must be before it is stored or acted on. The
// signature proves who sent the bytes, not that they make an event: a body that is not JSON,
// not an object, lacks `data`, carries an id that is not a plain token (a NUL, an object), a
// `created` no date can hold, or text the database cannot store (NUL, a lone surrogate) is
// malformed — answered 400, kept for inspection, never processed. The signature's timestamp
// must also be recent in both directions: Stripe's SDK refuses old ones, not future ones.
import type Stripe from 'stripe';
import type { FieldProblem } from '../../../http/errors.js';

/** Stripe's ids: a prefix and letters, digits and underscores (evt_…, pi_…, cs_test_…). */
const ID = /^[A-Za-z0-9_]{1,255}$/;
const EVENT_TYPE = /^[a-z0-9_]+(\.[a-z0-9_]+)+$/;
/** The latest `created` taken: 2100-01-01, far past any event and well inside a timestamp. */
export const MAX_CREATED_SECONDS = 4_102_444_800;
const MAX_TYPE_LENGTH = 100;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function unstorable(text: string): boolean {
  return text.includes('\u0000') || LONE_SURROGATE.test(text);
}

/** The object id's prefix for the event types we act on (the object is re-read by that id). */
const OBJECT_PREFIXES: [test: (type: string) => boolean, prefix: string][] = [
  [(type) => type.startsWith('checkout.session.'), 'cs_'],
  [(type) => type.startsWith('payment_intent.'), 'pi_'],
  [(type) => type.startsWith('refund.') || type === 'charge.refund.updated', 're_'],
];

export type WebhookInput =
  | { kind: 'event'; event: Stripe.Event }
  | { kind: 'malformed'; problems: FieldProblem[] };

/**
 * The signature's timestamp (`t=`, the last one, as Stripe's SDK reads it) when it is more
 * than `toleranceSeconds` ahead of `nowMs`, or not a number; null when it is acceptable.
 */
export function futureTimestampProblem(
  header: string,
  nowMs: number,
  toleranceSeconds: number,
): string | null {
  let timestamp: number | undefined;
  for (const item of header.split(',')) {
    const [key, value] = item.split('=');
    if (key === 't') timestamp = Number.parseInt(value ?? '', 10);
  }
  if (timestamp === undefined || !Number.isFinite(timestamp)) return 'has no valid timestamp';
  if (timestamp - Math.floor(nowMs / 1000) > toleranceSeconds) return 'is timestamped in the future';
  return null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Where, if anywhere, the payload holds text PostgreSQL cannot store (NUL, lone surrogates). */
function unstorableText(root: unknown): string | null {
  const stack: [unknown, string][] = [[root, 'body']];
  while (stack.length > 0) {
    const [value, path] = stack.pop() as [unknown, string];
    if (typeof value === 'string') {
      if (unstorable(value)) return path.slice(0, 200);
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => {
        stack.push([item, `${path}[${index}]`]);
      });
    } else if (isRecord(value)) {
      for (const [key, item] of Object.entries(value)) {
        if (unstorable(key)) return path.slice(0, 200);
        stack.push([item, `${path}.${key}`]);
      }
    }
  }
  return null;
}

/** Reads a verified body as a Stripe event, or says what is wrong with it (field paths). */
export function readEvent(body: Buffer): WebhookInput {
  const malformed = (path: string, message: string): WebhookInput => ({
    kind: 'malformed',
    problems: [{ path, message }],
  });
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return malformed('body', 'is not UTF-8 text');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return malformed('body', 'is not JSON');
  }
  if (!isRecord(parsed)) return malformed('body', 'must be a JSON object (a Stripe event)');
  const problems: FieldProblem[] = [];
  const { id, type, created, livemode, data } = parsed;
  if (typeof id !== 'string' || !ID.test(id)) {
    problems.push({ path: 'body.id', message: 'must be an event id (letters, digits and _)' });
  }
  if (typeof type !== 'string' || type.length > MAX_TYPE_LENGTH || !EVENT_TYPE.test(type)) {
    problems.push({ path: 'body.type', message: 'must be an event type such as payment_intent.succeeded' });
  }
  if (
    typeof created !== 'number' ||
    !Number.isSafeInteger(created) ||
    created < 0 ||
    created > MAX_CREATED_SECONDS
  ) {
    problems.push({
      path: 'body.created',
      message: `must be whole seconds between 0 and ${MAX_CREATED_SECONDS}`,
    });
  }
  if (livemode !== undefined && typeof livemode !== 'boolean') {
    problems.push({ path: 'body.livemode', message: 'must be true or false' });
  }
  if (!isRecord(data)) {
    problems.push({ path: 'body.data', message: 'must be an object holding the event’s object' });
  } else if (!isRecord(data.object)) {
    problems.push({ path: 'body.data.object', message: 'must be an object' });
  } else {
    const objectId = data.object.id;
    if (objectId !== undefined && (typeof objectId !== 'string' || !ID.test(objectId))) {
      problems.push({ path: 'body.data.object.id', message: 'must be an object id (letters, digits and _)' });
    } else if (typeof type === 'string') {
      const prefix = OBJECT_PREFIXES.find(([matches]) => matches(type))?.[1];
      if (prefix !== undefined && !(typeof objectId === 'string' && objectId.startsWith(prefix))) {
        problems.push({
          path: 'body.data.object.id',
          message: `must be the id of a ${prefix}… object for ${type}`,
        });
      }
    }
  }
  const unstorable = unstorableText(parsed);
  if (unstorable !== null) {
    problems.push({ path: unstorable, message: 'holds a NUL character or a lone surrogate' });
  }
  if (problems.length > 0) return { kind: 'malformed', problems };
  return { kind: 'event', event: parsed as unknown as Stripe.Event };
}
