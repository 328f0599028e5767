// The SMPP carrier: Carrier (../types.ts) over one transceiver session. submit() encodes the
// text (concatenated parts when long), sends the parts in order through the window and the
// pace, and answers with the last part's SMSC id once all are accepted. A part refused for
// good ends the message (parts already accepted cannot be recalled and are logged); a part
// refused for now (throttled past the retries, no bind in time) leaves the message cut short:
// the accepted parts stay tracked, and the next attempt sends only the missing ones, under the
// same reference, from what this process remembers or from the progress handed back with the
// failure (stored with the message, so another worker or a restarted one resumes too).
// Receipts reach onReceipt listeners through the tracker, one per message. See README.md.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { SmppConfig } from '../../../config.js';
import type { Carrier, OutgoingSms, Receipt, SubmitResult } from '../types.js';
import { type EncodedMessage, encodeMessage, shortMessage } from './concatenate.js';
import { Pace, Window } from './flow.js';
import { NPI_ISDN, NPI_UNKNOWN, type PduFields, TON_ALPHANUMERIC, TON_INTERNATIONAL } from './lib.js';
import { isDeliveryReceipt, parseReceipt } from './receipts.js';
import { SmppSession } from './session.js';
import { type SubmitFlow, submitPart } from './submit.js';
import { ReceiptTracker, type TrackedMessage } from './tracker.js';

/** The connection as configured (SMPP_*), and timings tests and tuning may change. */
export interface SmppCarrierOptions extends SmppConfig {
  /** How long one message may wait, all parts together, for a bound session and window slots. Default 10 s. */
  waitMs?: number;
  /** Longest wait for any response. Default 10 s. */
  responseTimeoutMs?: number;
  /** Sends of one part when throttled or unanswered. Default 5. */
  maxAttempts?: number;
  /** Reconnect back-off: first wait and cap. Default 1 s and 60 s. */
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  /** Pause after a throttling answer: first and cap. Default 250 ms and 10 s. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How long a message waits for all its receipts. Default 72 h. */
  receiptTtlMs?: number;
  /**
   * How long a receipt for an id this process does not track waits for its submit_sm_resp
   * before it is reported by the SMSC's id alone (a message sent before a restart). Default 60 s.
   */
  unclaimedReceiptMs?: number;
  /** [0, 1) for the jitter; tests fix it. */
  random?: () => number;
}

export interface SmppCarrierDeps {
  logger: Logger;
  now: () => Date;
}

const E164 = /^\+[1-9]\d{6,14}$/;

/** A long message some of whose parts the SMSC accepted, waiting for its next attempt. */
interface CutShort {
  /** The parts' bytes and data_coding, hashed: a resume must send the very same parts. */
  fingerprint: string;
  reference: number;
  /** SMSC ids of the parts accepted, in order (always the first ones: parts go one by one). */
  accepted: string[];
  tracked: TrackedMessage;
  at: number;
}

/** The progress handed back with a cut-short failure (SubmitResult.progress). */
interface Progress {
  v: 1;
  reference: number;
  fingerprint: string;
  accepted: string[];
}

function fingerprintOf(message: EncodedMessage): string {
  const hash = createHash('sha256').update(`${message.dataCoding}:${message.bodies.length}`);
  for (const body of message.bodies) hash.update(`:${body.length}:`).update(body);
  return hash.digest('hex').slice(0, 32);
}

function readProgress(raw: string | undefined): Progress | undefined {
  if (!raw) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null) return undefined;
    const { v, reference, fingerprint, accepted } = value as Record<string, unknown>;
    if (v !== 1 || typeof fingerprint !== 'string') return undefined;
    if (typeof reference !== 'number' || !Number.isInteger(reference) || reference < 0 || reference > 255)
      return undefined;
    if (!Array.isArray(accepted) || !accepted.every((id) => typeof id === 'string' && id !== ''))
      return undefined;
    return { v, reference, fingerprint, accepted };
  } catch {
    return undefined;
  }
}

type Address = { ton: number; npi: number; addr: string };

/** A number ("+447…", international; digits alone, the SMSC's reading) or up to 11 characters. */
function sourceAddress(from: string): Address | undefined {
  if (/^\+[1-9]\d{1,14}$/.test(from)) return { ton: TON_INTERNATIONAL, npi: NPI_ISDN, addr: from.slice(1) };
  if (/^\d{1,15}$/.test(from)) return { ton: 0, npi: NPI_ISDN, addr: from };
  if (/^[\x20-\x7e]{1,11}$/.test(from)) return { ton: TON_ALPHANUMERIC, npi: NPI_UNKNOWN, addr: from };
  return undefined;
}

export class SmppCarrier implements Carrier {
  readonly id = 'smpp';
  /** SMPP_THROUGHPUT in submit_sm a second, which the carrier enforces itself; absent when unlimited. */
  readonly maxPerSecond?: number;
  readonly throughputCounts = 'parts';
  readonly alphabet: 'GSM-7' | 'Latin-1';
  private readonly listeners: ((r: Receipt) => void)[] = [];
  /** Long messages cut short, by our message id, until their next attempt completes them. */
  private readonly cutShort = new Map<string, CutShort>();
  /** Messages being submitted now: a second submit of one waits for its next attempt. */
  private readonly inFlight = new Set<string>();
  private readonly cutShortTtlMs: number;
  private lastSweep = Date.now();
  private readonly session: SmppSession;
  private readonly tracker: ReceiptTracker;
  private readonly flow: SubmitFlow;
  private readonly waitMs: number;
  private readonly logger: Logger;
  /** The concatenation reference of the next long message (8 bits, wraps). */
  private reference: number;
  private closed = false;

  constructor(
    private readonly options: SmppCarrierOptions,
    deps: SmppCarrierDeps,
  ) {
    this.logger = deps.logger.child({ carrier: 'smpp' });
    if (options.throughput > 0) this.maxPerSecond = options.throughput;
    this.alphabet = options.alphabet;
    this.cutShortTtlMs = options.receiptTtlMs ?? 72 * 3600_000;
    const random = options.random ?? Math.random;
    const responseTimeoutMs = options.responseTimeoutMs ?? 10_000;
    this.reference = Math.floor(random() * 256) & 0xff;
    this.waitMs = options.waitMs ?? 10_000;
    this.tracker = new ReceiptTracker({
      ttlMs: this.cutShortTtlMs,
      ...(options.unclaimedReceiptMs ? { unclaimedAfterMs: options.unclaimedReceiptMs } : {}),
      now: deps.now,
      logger: this.logger,
      emit: (receipt) => this.emit(receipt),
    });
    this.session = new SmppSession({
      host: options.host,
      port: options.port,
      systemId: options.systemId,
      password: options.password,
      systemType: options.systemType,
      enquireLinkMs: options.enquireLinkMs,
      responseTimeoutMs,
      reconnect: {
        baseMs: options.reconnectBaseMs ?? 1000,
        maxMs: options.reconnectMaxMs ?? 60_000,
        random,
      },
      logger: this.logger,
      onDeliverSm: (deliverSm) => {
        const receipt = parseReceipt(deliverSm);
        if (receipt) this.tracker.receive(receipt);
        else if (isDeliveryReceipt(deliverSm)) this.logger.warn('SMPP delivery receipt without id or state');
        else this.logger.debug('SMPP inbound message ignored');
      },
    });
    this.flow = {
      session: this.session,
      window: new Window(options.window),
      pace: new Pace(options.throughput),
      maxAttempts: options.maxAttempts ?? 5,
      retry: { baseMs: options.retryBaseMs ?? 250, maxMs: options.retryMaxMs ?? 10_000, random },
      logger: this.logger,
    };
    this.session.start();
  }

  /** Bound or not (and why not), and submits awaiting their answer: for health checks. */
  state(): { bound: boolean; problem: string; outstanding: number; tracked: number } {
    return {
      bound: this.session.bound,
      problem: this.session.problem,
      outstanding: this.flow.window.outstanding,
      tracked: this.tracker.tracked,
    };
  }

  async submit(m: OutgoingSms): Promise<SubmitResult> {
    if (this.closed) return { ok: false, permanent: false, reason: 'the SMPP carrier is closed' };
    if (!E164.test(m.to)) return { ok: false, permanent: true, reason: 'not an E.164 number' };
    const from = m.from ?? this.options.defaultSource;
    const source = sourceAddress(from);
    if (!source) {
      return {
        ok: false,
        permanent: true,
        reason: `sender "${from}" is neither a number nor 1-11 characters`,
      };
    }
    const encoded = encodeMessage(m.text, this.options, m.encoding);
    if (!encoded.ok) return { ok: false, permanent: true, reason: encoded.reason };
    if (this.inFlight.has(m.id)) {
      return { ok: false, permanent: false, reason: 'the message is being submitted already' };
    }
    this.inFlight.add(m.id);
    try {
      return await this.send(m, source, encoded.message);
    } finally {
      this.inFlight.delete(m.id);
    }
  }

  private async send(m: OutgoingSms, source: Address, message: EncodedMessage): Promise<SubmitResult> {
    const total = message.bodies.length;
    const state = this.resumeOrBegin(m, message);
    const fields: PduFields = {
      source_addr_ton: source.ton,
      source_addr_npi: source.npi,
      source_addr: source.addr,
      dest_addr_ton: TON_INTERNATIONAL,
      dest_addr_npi: NPI_ISDN,
      destination_addr: m.to.slice(1),
      esm_class: message.esmClass,
      registered_delivery: 1,
      data_coding: message.dataCoding,
    };
    const deadline = Date.now() + this.waitMs;
    for (let i = state.accepted.length; i < total; i++) {
      const short_message = shortMessage(message, state.reference, i);
      const result = await submitPart(this.flow, { ...fields, short_message }, deadline).catch(
        (error: unknown) => {
          this.forget(m.id, state);
          throw error;
        },
      );
      if (!result.ok) return this.cutOff(m.id, state, total, i, result);
      state.accepted.push(result.messageId);
      this.tracker.accepted(state.tracked, result.messageId);
    }
    this.cutShort.delete(m.id);
    const carrierMessageId = state.accepted.at(-1) ?? '';
    this.tracker.complete(state.tracked, carrierMessageId);
    return { ok: true, carrierMessageId };
  }

  /** The parts accepted at an earlier attempt (remembered here, or from its progress), or a fresh start. */
  private resumeOrBegin(m: OutgoingSms, message: EncodedMessage): CutShort {
    this.sweepCutShort();
    const total = message.bodies.length;
    const fingerprint = fingerprintOf(message);
    const remembered = this.cutShort.get(m.id);
    if (remembered?.fingerprint === fingerprint) return remembered;
    const progress = readProgress(m.progress);
    if (!remembered && progress?.fingerprint === fingerprint && progress.accepted.length < total) {
      const tracked = this.tracker.begin(m.id, total);
      for (const id of progress.accepted) this.tracker.accepted(tracked, id);
      const state: CutShort = {
        fingerprint,
        reference: progress.reference,
        accepted: [...progress.accepted],
        tracked,
        at: Date.now(),
      };
      this.cutShort.set(m.id, state);
      return state;
    }
    if (remembered || m.progress) {
      this.logger.warn(
        { messageId: m.id, parts: total },
        'SMPP long message cut short cannot be resumed (its parts are not the same now): sent whole',
      );
      if (remembered) this.forget(m.id, remembered);
    }
    let reference = 0;
    if (total > 1) {
      reference = this.reference;
      this.reference = (this.reference + 1) & 0xff;
    }
    return { fingerprint, reference, accepted: [], tracked: this.tracker.begin(m.id, total), at: Date.now() };
  }

  /** A part was refused: the message fails, or (for now, with parts accepted) waits cut short. */
  private cutOff(
    messageId: string,
    state: CutShort,
    total: number,
    index: number,
    result: { permanent: boolean; reason: string },
  ): SubmitResult {
    const where = total > 1 ? `part ${index + 1} of ${total}: ` : '';
    const reason = `${where}${result.reason}`;
    if (result.permanent || state.accepted.length === 0) {
      this.forget(messageId, state);
      if (state.accepted.length > 0) {
        this.logger.warn(
          { messageId, accepted: state.accepted.length, parts: total },
          'SMPP long message cut short for good: parts already accepted will arrive incomplete',
        );
      }
      return { ok: false, permanent: result.permanent, reason };
    }
    state.at = Date.now();
    this.cutShort.set(messageId, state);
    const progress: Progress = {
      v: 1,
      reference: state.reference,
      fingerprint: state.fingerprint,
      accepted: state.accepted,
    };
    this.logger.info(
      { messageId, accepted: state.accepted.length, parts: total },
      'SMPP long message cut short: the missing parts follow at the next attempt',
    );
    return {
      ok: false,
      permanent: false,
      reason: `${reason} (parts 1-${state.accepted.length} accepted; the rest follow)`,
      progress: JSON.stringify(progress),
    };
  }

  private forget(messageId: string, state: CutShort): void {
    this.tracker.abandon(state.tracked);
    if (this.cutShort.get(messageId) === state) this.cutShort.delete(messageId);
  }

  /** Messages cut short and never tried again (they failed elsewhere) go with their receipts' wait. */
  private sweepCutShort(): void {
    const now = Date.now();
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [messageId, state] of this.cutShort) {
      if (now - state.at >= this.cutShortTtlMs) this.forget(messageId, state);
    }
  }

  onReceipt(cb: (r: Receipt) => void): void {
    this.listeners.push(cb);
  }

  /** Unbinds cleanly (after outstanding submits are answered, briefly) and stops reconnecting. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.tracker.close();
    await this.session.close();
  }

  private emit(receipt: Receipt): void {
    for (const listener of this.listeners) {
      try {
        listener(receipt);
      } catch (err) {
        this.logger.error({ err }, 'a receipt listener failed');
      }
    }
  }
}
