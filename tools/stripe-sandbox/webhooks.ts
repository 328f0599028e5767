// Sends each event to every webhook endpoint, signed as Stripe signs it, and retries a
// delivery that fails (non-2xx or a network error) after each of `retryDelaysMs` in turn.
// Tests can ask for duplicates (each event sent N times at once) and for events to be held
// and released later, in reverse order.
import { newId } from './ids.js';
import { signatureHeader } from './signature.js';
import type { StripeEvent } from './types.js';

export interface WebhookEndpoint {
  id: string;
  url: string;
  /** Event types sent to this endpoint; `*` for all. */
  enabledEvents: string[];
}

export interface DeliveryRecord {
  eventId: string;
  type: string;
  url: string;
  /** 1 for the first attempt, 2 for the first retry, … */
  attempt: number;
  /** The endpoint's HTTP status, or null when it could not be reached. */
  status: number | null;
  ok: boolean;
  error: string | null;
  at: number;
}

export interface WebhookLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface WebhookOptions {
  secret: string;
  retryDelaysMs: readonly number[];
  timeoutMs: number;
  logger: WebhookLogger;
}

export class WebhookSender {
  private readonly endpoints: WebhookEndpoint[] = [];
  private readonly records: DeliveryRecord[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private held: StripeEvent[] | null = null;
  private copies = 1;

  constructor(private readonly options: WebhookOptions) {}

  addEndpoint(url: string, enabledEvents: string[] = ['*']): WebhookEndpoint {
    const endpoint = { id: newId('we'), url, enabledEvents };
    this.endpoints.push(endpoint);
    return endpoint;
  }

  listEndpoints(): WebhookEndpoint[] {
    return this.endpoints.map((endpoint) => ({ ...endpoint, enabledEvents: [...endpoint.enabledEvents] }));
  }

  endpointCount(type: string): number {
    return this.endpointsFor(type).length;
  }

  /** Sends a new event now, or keeps it while events are held. */
  dispatch(event: StripeEvent): void {
    if (this.held) {
      this.held.push(event);
      return;
    }
    this.track(this.send(event));
  }

  /** Every event is delivered `times` times to each endpoint, concurrently (1 = normally). */
  setCopies(times: number): void {
    if (!Number.isInteger(times) || times < 1) throw new RangeError('times must be a positive integer');
    this.copies = times;
  }

  hold(): void {
    this.held ??= [];
  }

  /**
   * Sends the held events one after another (each one's first attempt finished before the next
   * starts, so the order is certain) and stops holding. Resolves with how many were sent.
   */
  async release(order: 'reverse' | 'original' = 'reverse'): Promise<number> {
    const events = this.held ?? [];
    this.held = null;
    if (order === 'reverse') events.reverse();
    for (const event of events) {
      const first = new Set<Promise<void>>();
      this.track(this.send(event, first));
      await Promise.all(first);
    }
    return events.length;
  }

  /** Sends an event again (a new delivery, as the Dashboard's "Resend" does). */
  resend(event: StripeEvent): Promise<void> {
    const first = new Set<Promise<void>>();
    this.track(this.send(event, first));
    return Promise.all(first).then(() => undefined);
  }

  deliveries(): DeliveryRecord[] {
    return this.records.map((record) => ({ ...record }));
  }

  heldCount(): number {
    return this.held?.length ?? 0;
  }

  state(): { copies: number; holding: boolean; held: number } {
    return { copies: this.copies, holding: this.held !== null, held: this.heldCount() };
  }

  reset(): void {
    this.copies = 1;
    this.held = null;
  }

  /** Resolves once nothing is being sent and no retry is waiting. */
  async settle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }

  stop(): void {
    this.stopping.abort();
  }

  private endpointsFor(type: string): WebhookEndpoint[] {
    return this.endpoints.filter(
      (endpoint) => endpoint.enabledEvents.includes('*') || endpoint.enabledEvents.includes(type),
    );
  }

  private track(work: Promise<void>): void {
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }

  /** All copies to all endpoints; `firstAttempts` collects each chain's first attempt. */
  private async send(event: StripeEvent, firstAttempts?: Set<Promise<void>>): Promise<void> {
    const payload = JSON.stringify(event, null, 2);
    const chains: Promise<void>[] = [];
    for (const endpoint of this.endpointsFor(event.type)) {
      for (let copy = 0; copy < this.copies; copy++)
        chains.push(this.deliver(event, payload, endpoint, firstAttempts));
    }
    await Promise.all(chains);
  }

  private async deliver(
    event: StripeEvent,
    payload: string,
    endpoint: WebhookEndpoint,
    firstAttempts?: Set<Promise<void>>,
  ): Promise<void> {
    const delays = this.options.retryDelaysMs;
    for (let attempt = 1; attempt <= delays.length + 1; attempt++) {
      if (this.stopping.signal.aborted) return;
      const trying = this.attempt(event, payload, endpoint, attempt);
      if (attempt === 1) firstAttempts?.add(trying.then(() => undefined));
      if (await trying) return;
      const delay = delays[attempt - 1];
      if (delay === undefined) break;
      if (!(await this.wait(delay))) return;
    }
    this.options.logger.warn(`webhook ${event.id} (${event.type}) to ${endpoint.url}: gave up`);
  }

  private async attempt(
    event: StripeEvent,
    payload: string,
    endpoint: WebhookEndpoint,
    attempt: number,
  ): Promise<boolean> {
    const record: DeliveryRecord = {
      eventId: event.id,
      type: event.type,
      url: endpoint.url,
      attempt,
      status: null,
      ok: false,
      error: null,
      at: Date.now(),
    };
    try {
      const response = await fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          'stripe-signature': signatureHeader(payload, this.options.secret, Math.floor(Date.now() / 1000)),
        },
        body: payload,
        signal: AbortSignal.any([this.stopping.signal, AbortSignal.timeout(this.options.timeoutMs)]),
      });
      await response.arrayBuffer();
      record.status = response.status;
      record.ok = response.ok;
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
    }
    this.records.push(record);
    const outcome = record.ok ? 'delivered' : `failed (${record.status ?? record.error})`;
    this.options.logger.info(
      `webhook ${event.type} ${event.id} to ${endpoint.url}, attempt ${attempt}: ${outcome}`,
    );
    return record.ok;
  }

  /** Sleeps, unless the sandbox stops first; says whether to carry on. */
  private wait(ms: number): Promise<boolean> {
    const signal = this.stopping.signal;
    return new Promise((resolve) => {
      if (signal.aborted) return resolve(false);
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
