// The test switches, as an object for tests in the same process and as HTTP endpoints under
// /_sandbox/ (same secret key) for tests in another process.
import { expireDueSessions } from './checkout.js';
import type { Core } from './core.js';
import type { FailWhen, Faults } from './faults.js';
import type { ParamMap } from './form.js';
import { matchRoute, type PathParams, type Route } from './router.js';
import type { StripeEvent } from './types.js';
import type { DeliveryRecord, WebhookEndpoint, WebhookSender } from './webhooks.js';

export interface SandboxControl {
  /** Each event is delivered `times` times to every endpoint, concurrently (1 = normal). */
  duplicateDeliveries(times: number): void;
  /** Keeps new events instead of sending them, until releaseEvents. */
  holdEvents(): void;
  /** Sends the held events, by default newest first; resolves once each was tried once. */
  releaseEvents(order?: 'reverse' | 'original'): Promise<number>;
  /** The next `count` API requests answer `status` (500): `before` running, or `after` (result kept). */
  failNextRequests(count: number, options?: { when?: FailWhen; status?: number }): void;
  /** The next `count` API requests wait `ms` before running and answering. */
  hangNextRequests(count: number, ms: number): void;
  /** Stripe's API down: every API request answers `status` (503) and runs nothing, until apiUp(). */
  apiDown(options?: { status?: number }): void;
  /** The API answers again; returns how many requests the outage refused. */
  apiUp(): number;
  /** Every delivery attempt so far, oldest first. */
  deliveries(): DeliveryRecord[];
  /** Every event so far, oldest first. */
  events(): StripeEvent[];
  /** Sends an event again to every endpoint; resolves once each was tried once. */
  resendEvent(id: string): Promise<void>;
  /** Resolves when no delivery is in flight or waiting for a retry. */
  settle(): Promise<void>;
  webhookEndpoints(): WebhookEndpoint[];
  /** Moves the sandbox's clock forward, then expires the Checkout Sessions now past expires_at. */
  advanceClock(seconds: number): void;
  /** Turns every switch off (held events are dropped). */
  reset(): void;
}

export interface Clock {
  advance(seconds: number): void;
}

export function createControl(
  core: Core,
  faults: Faults,
  webhooks: WebhookSender,
  clock: Clock,
): SandboxControl {
  return {
    duplicateDeliveries: (times) => webhooks.setCopies(times),
    holdEvents: () => webhooks.hold(),
    releaseEvents: (order = 'reverse') => webhooks.release(order),
    failNextRequests: (count, options = {}) => faults.failNext(count, options.when, options.status),
    hangNextRequests: (count, ms) => faults.hangNext(count, ms),
    apiDown: (options = {}) => faults.down(options.status),
    apiUp: () => faults.up(),
    deliveries: () => webhooks.deliveries(),
    events: () => [...core.store.events.values()].map((event) => structuredClone(event)),
    resendEvent: (id) => webhooks.resend(core.store.event(id)),
    settle: () => webhooks.settle(),
    webhookEndpoints: () => webhooks.listEndpoints(),
    advanceClock: (seconds) => {
      if (!Number.isInteger(seconds) || seconds < 0)
        throw new RangeError('seconds must be a non-negative integer');
      clock.advance(seconds);
      expireDueSessions(core);
    },
    reset: () => {
      faults.reset();
      webhooks.reset();
    },
  };
}

export interface ControlDeps {
  control: SandboxControl;
  faults: Faults;
  webhooks: WebhookSender;
}

type ControlHandler = (deps: ControlDeps, form: ParamMap, path: PathParams) => Promise<unknown> | unknown;

export class ControlInputError extends Error {}

function text(form: ParamMap, name: string): string | undefined {
  const value = form[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ControlInputError(`${name} must be a single value`);
  return value;
}

function count(form: ParamMap, name: string, fallback?: number): number {
  const value = text(form, name);
  if (value === undefined) {
    if (fallback !== undefined) return fallback;
    throw new ControlInputError(`${name} is required`);
  }
  if (!/^\d+$/.test(value)) throw new ControlInputError(`${name} must be a non-negative integer`);
  return Number(value);
}

function state(deps: ControlDeps) {
  return {
    requests: deps.faults.state(),
    webhooks: deps.webhooks.state(),
    endpoints: deps.webhooks.listEndpoints(),
  };
}

const ROUTES: Route<ControlHandler>[] = [
  { method: 'GET', pattern: '/_sandbox', handler: (deps) => state(deps) },
  {
    method: 'POST',
    pattern: '/_sandbox/webhooks/duplicates',
    handler: (deps, form) => {
      deps.control.duplicateDeliveries(count(form, 'times'));
      return state(deps);
    },
  },
  {
    method: 'POST',
    pattern: '/_sandbox/webhooks/hold',
    handler: (deps) => {
      deps.control.holdEvents();
      return state(deps);
    },
  },
  {
    method: 'POST',
    pattern: '/_sandbox/webhooks/release',
    handler: async (deps, form) => {
      const order = text(form, 'order') ?? 'reverse';
      if (order !== 'reverse' && order !== 'original')
        throw new ControlInputError('order is reverse or original');
      return { released: await deps.control.releaseEvents(order) };
    },
  },
  {
    method: 'POST',
    pattern: '/_sandbox/webhooks/endpoints',
    handler: (deps, form) => {
      const url = text(form, 'url');
      if (url === undefined || !URL.canParse(url)) throw new ControlInputError('url must be an absolute URL');
      return deps.webhooks.addEndpoint(url);
    },
  },
  {
    method: 'GET',
    pattern: '/_sandbox/webhooks/deliveries',
    handler: (deps) => ({ data: deps.control.deliveries() }),
  },
  { method: 'GET', pattern: '/_sandbox/events', handler: (deps) => ({ data: deps.control.events() }) },
  {
    method: 'POST',
    pattern: '/_sandbox/events/:id/resend',
    handler: async (deps, _form, path) => {
      await deps.control.resendEvent(path.get('id'));
      return { resent: path.get('id') };
    },
  },
  {
    method: 'POST',
    pattern: '/_sandbox/requests/fail',
    handler: (deps, form) => {
      const when = text(form, 'when') ?? 'before';
      if (when !== 'before' && when !== 'after') throw new ControlInputError('when is before or after');
      deps.control.failNextRequests(count(form, 'count'), { when, status: count(form, 'status', 500) });
      return state(deps);
    },
  },
  {
    method: 'POST',
    pattern: '/_sandbox/requests/hang',
    handler: (deps, form) => {
      deps.control.hangNextRequests(count(form, 'count'), count(form, 'ms'));
      return state(deps);
    },
  },
  {
    method: 'POST',
    pattern: '/_sandbox/outage/start',
    handler: (deps, form) => {
      deps.control.apiDown({ status: count(form, 'status', 503) });
      return state(deps);
    },
  },
  {
    method: 'POST',
    pattern: '/_sandbox/outage/end',
    handler: (deps) => ({ refused: deps.control.apiUp(), ...state(deps) }),
  },
  {
    method: 'POST',
    pattern: '/_sandbox/clock/advance',
    handler: (deps, form) => {
      deps.control.advanceClock(count(form, 'seconds'));
      return state(deps);
    },
  },
  {
    method: 'POST',
    pattern: '/_sandbox/reset',
    handler: (deps) => {
      deps.control.reset();
      return state(deps);
    },
  },
];

/** Runs a /_sandbox request. Bad input throws ControlInputError (or RangeError from a switch). */
export async function handleControl(
  deps: ControlDeps,
  method: string,
  path: string,
  form: ParamMap,
): Promise<{ found: false } | { found: true; body: unknown }> {
  const match = matchRoute(ROUTES, method, path);
  if (!match) return { found: false };
  return { found: true, body: await match.handler(deps, form, match.params) };
}
