// A small SMSC for the SMPP carrier's tests, on the `smpp` package's own server: binds
// (refusing a wrong password), answers submit_sm with ids (after a delay, throttled for the
// first N, or with a status chosen per message), sends delivery receipts, answers (or
// ignores) enquire_link, and drops connections on demand. It decodes what arrives with the
// package's decoder, independently of the carrier's encoder.
import type { AddressInfo } from 'node:net';
import {
  createSmppServer,
  type PDU,
  type PduFields,
  pdu,
  type Server,
  type Session,
} from '../../../src/messaging/carriers/smpp/lib.js';

export interface ReceivedSubmit {
  at: number;
  source: string;
  sourceTon: number;
  destination: string;
  destinationTon: number;
  dataCoding: number;
  esmClass: number;
  registeredDelivery: number;
  /** The concatenation UDH (IEI 0x00), when there is one. */
  udh?: { reference: number; total: number; sequence: number };
  /** As the package's decoder reads it (GSM 03.38 for data_coding 0, UTF-16BE for 8). */
  text: string;
  /** The id the SMSC answered with, when it accepted the submit. */
  messageId?: string;
}

export interface FakeSmscOptions {
  systemId: string;
  password: string;
  responseDelayMs: number;
  /** Holds answers until this many submits are unanswered, then 40 ms more (or 300 ms in all); 0: off. */
  holdUntil: number;
  /** The first N submit_sm are answered ESME_RTHROTTLED. */
  throttleFirst: number;
  /** A non-zero command_status for a submit, or 0 to accept it. */
  statusFor: (submit: ReceivedSubmit) => number;
  answerEnquireLink: boolean;
  /** Runs when a submit is accepted, before its response is sent (to send a receipt first). */
  beforeResponse: (submit: ReceivedSubmit) => void;
}

const THROTTLED = 0x58;
const INVPASWD = 0x0e;

function decoded(sm: PDU['short_message']): { udh: Buffer[]; text: string } {
  if (sm === undefined) return { udh: [], text: '' };
  if (typeof sm === 'string') return { udh: [], text: sm };
  if (Buffer.isBuffer(sm)) return { udh: [], text: sm.toString('latin1') };
  const text = typeof sm.message === 'string' ? sm.message : sm.message.toString('latin1');
  return { udh: sm.udh ?? [], text };
}

export class FakeSmsc {
  readonly options: FakeSmscOptions;
  readonly submits: ReceivedSubmit[] = [];
  readonly binds: { at: number; password: string; ok: boolean }[] = [];
  enquireLinks = 0;
  unbinds = 0;
  outstanding = 0;
  maxOutstanding = 0;
  private throttled = 0;
  private nextId = 1;
  private readonly bound = new Set<Session>();
  private held: (() => void)[] = [];
  private holdTimer: NodeJS.Timeout | undefined;
  private readonly server: Server;

  constructor(options: Partial<FakeSmscOptions> = {}) {
    this.options = {
      systemId: 'tollgate',
      password: 'secret',
      responseDelayMs: 0,
      holdUntil: 0,
      throttleFirst: 0,
      statusFor: () => 0,
      answerEnquireLink: true,
      beforeResponse: () => {},
      ...options,
    };
    this.server = createSmppServer((session) => this.serve(session));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  get sessions(): number {
    return this.bound.size;
  }

  /** Destroys every connection, as a network failure would. */
  drop(): void {
    for (const session of this.server.sessions) session.destroy();
  }

  /** A deliver_sm receipt to every bound session; resolves when each answered. */
  async sendReceipt(
    messageId: string,
    stat: string,
    how: { tlvs?: { state: number }; err?: string } = {},
  ): Promise<void> {
    const text = `id:${messageId} sub:001 dlvrd:${stat === 'DELIVRD' ? '001' : '000'} submit date:2501011200 done date:2501011201 stat:${stat} err:${how.err ?? '000'} text:hello`;
    const fields = {
      source_addr: '447700900123',
      destination_addr: 'Tollgate',
      esm_class: 0x04,
      data_coding: 0,
      short_message: Buffer.from(text, 'ascii'),
      ...(how.tlvs ? { receipted_message_id: messageId, message_state: how.tlvs.state } : {}),
    };
    await Promise.all(
      [...this.bound].map(
        (session) =>
          new Promise<PDU>((resolve) => {
            session.send(pdu('deliver_sm', fields), resolve);
          }),
      ),
    );
  }

  /** Sends a PDU to every bound session and resolves with their answers. */
  request(command: string, fields: PduFields = {}): Promise<PDU[]> {
    return Promise.all(
      [...this.bound].map(
        (session) =>
          new Promise<PDU>((resolve) => {
            session.send(pdu(command, fields), resolve);
          }),
      ),
    );
  }

  async close(): Promise<void> {
    this.drop();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(session: Session): void {
    session.on('error', () => {});
    session.on('close', () => this.bound.delete(session));
    session.on('pdu', (received) => {
      switch (received.command) {
        case 'bind_transceiver': {
          const ok =
            received.system_id === this.options.systemId && received.password === this.options.password;
          this.binds.push({ at: Date.now(), password: received.password ?? '', ok });
          if (ok) this.bound.add(session);
          session.send(received.response(ok ? { system_id: 'fake-smsc' } : { command_status: INVPASWD }));
          return;
        }
        case 'submit_sm':
          this.submit(session, received);
          return;
        case 'enquire_link':
          this.enquireLinks++;
          if (this.options.answerEnquireLink) session.send(received.response());
          return;
        case 'unbind':
          this.unbinds++;
          this.bound.delete(session);
          session.send(received.response());
          return;
      }
    });
  }

  private submit(session: Session, received: PDU): void {
    const { udh, text } = decoded(received.short_message);
    const concat = udh.find((ie) => ie[0] === 0x00);
    const submit: ReceivedSubmit = {
      at: Date.now(),
      source: received.source_addr ?? '',
      sourceTon: received.source_addr_ton ?? -1,
      destination: received.destination_addr ?? '',
      destinationTon: received.dest_addr_ton ?? -1,
      dataCoding: received.data_coding ?? -1,
      esmClass: received.esm_class ?? -1,
      registeredDelivery: received.registered_delivery ?? -1,
      text,
      ...(concat
        ? { udh: { reference: concat[2] ?? -1, total: concat[3] ?? -1, sequence: concat[4] ?? -1 } }
        : {}),
    };
    this.submits.push(submit);
    this.outstanding++;
    this.maxOutstanding = Math.max(this.maxOutstanding, this.outstanding);
    let status = this.options.statusFor(submit);
    if (status === 0 && this.throttled < this.options.throttleFirst) {
      this.throttled++;
      status = THROTTLED;
    }
    const respond = () => {
      this.outstanding--;
      if (status !== 0) {
        session.send(received.response({ command_status: status }));
        return;
      }
      submit.messageId = `m${this.nextId++}`;
      this.options.beforeResponse(submit);
      session.send(received.response({ message_id: submit.messageId }));
    };
    if (this.options.holdUntil > 0) this.hold(respond);
    else if (this.options.responseDelayMs > 0) setTimeout(respond, this.options.responseDelayMs);
    else respond();
  }

  private hold(respond: () => void): void {
    this.held.push(respond);
    const release = () => {
      clearTimeout(this.holdTimer);
      this.holdTimer = undefined;
      for (const answer of this.held.splice(0)) answer();
    };
    // Once enough are waiting, a little longer: anything sent beyond them would be counted.
    if (this.held.length >= this.options.holdUntil) {
      clearTimeout(this.holdTimer);
      this.holdTimer = setTimeout(release, 40);
    } else {
      this.holdTimer ??= setTimeout(release, 300);
    }
  }
}

/** Polls until the condition holds (or fails the test after timeoutMs). */
export async function until(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
