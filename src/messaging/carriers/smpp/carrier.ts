// The SMPP carrier: Carrier (../types.ts) over one transceiver session. submit() encodes the
// text (concatenated parts when long), sends the parts in order through the window, and
// answers with the last part's SMSC id once all are accepted; a refused part ends the
// message (parts already accepted cannot be recalled and are logged). Receipts reach
// onReceipt listeners through the tracker, one per message. See README.md.
import type { Logger } from 'pino';
import type { SmppConfig } from '../../../config.js';
import type { Carrier, OutgoingSms, Receipt, SubmitResult } from '../types.js';
import { encodeMessage } from './concatenate.js';
import { Pace, Window } from './flow.js';
import { NPI_ISDN, NPI_UNKNOWN, type PduFields, TON_ALPHANUMERIC, TON_INTERNATIONAL } from './lib.js';
import { isDeliveryReceipt, parseReceipt } from './receipts.js';
import { SmppSession } from './session.js';
import { type SubmitFlow, submitPart } from './submit.js';
import { ReceiptTracker } from './tracker.js';

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
  /** SMPP_THROUGHPUT, which the carrier enforces itself too; absent when unlimited. */
  readonly maxPerSecond?: number;
  private readonly listeners: ((r: Receipt) => void)[] = [];
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
    const random = options.random ?? Math.random;
    const responseTimeoutMs = options.responseTimeoutMs ?? 10_000;
    this.reference = Math.floor(random() * 256);
    this.waitMs = options.waitMs ?? 10_000;
    this.tracker = new ReceiptTracker({
      ttlMs: options.receiptTtlMs ?? 72 * 3600_000,
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
    const encoded = encodeMessage(m.text, this.reference);
    if (!encoded.ok) return { ok: false, permanent: true, reason: encoded.reason };
    const { parts, dataCoding, esmClass } = encoded.message;
    if (parts.length > 1) this.reference = (this.reference + 1) & 0xff;
    const fields: PduFields = {
      source_addr_ton: source.ton,
      source_addr_npi: source.npi,
      source_addr: source.addr,
      dest_addr_ton: TON_INTERNATIONAL,
      dest_addr_npi: NPI_ISDN,
      destination_addr: m.to.slice(1),
      esm_class: esmClass,
      registered_delivery: 1,
      data_coding: dataCoding,
    };
    const deadline = Date.now() + this.waitMs;
    const tracked = this.tracker.begin(m.id, parts.length);
    let carrierMessageId = '';
    for (const [i, part] of parts.entries()) {
      const result = await submitPart(this.flow, { ...fields, short_message: part }, deadline).catch(
        (error: unknown) => {
          this.tracker.abandon(tracked);
          throw error;
        },
      );
      if (!result.ok) {
        this.tracker.abandon(tracked);
        if (i > 0) {
          this.logger.warn(
            { messageId: m.id, accepted: i, parts: parts.length },
            'SMPP long message cut short: parts already accepted will arrive incomplete',
          );
        }
        const where = parts.length > 1 ? `part ${i + 1} of ${parts.length}: ` : '';
        return { ok: false, permanent: result.permanent, reason: `${where}${result.reason}` };
      }
      this.tracker.accepted(tracked, result.messageId);
      carrierMessageId = result.messageId;
    }
    this.tracker.complete(tracked, carrierMessageId);
    return { ok: true, carrierMessageId };
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
