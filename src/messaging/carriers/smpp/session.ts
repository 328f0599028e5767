// One SMPP session kept bound as a transceiver: connect, bind_transceiver, enquire_link
// every enquireLinkMs (a missing enquire_link_resp counts as a dead link), answer the SMSC's
// own enquire_link / unbind / deliver_sm, and after a refused bind or a lost connection try
// again with capped, jittered exponential back-off until close(). Requests made while bound
// get their response, or ConnectionLost / ResponseTimeout.
import type { Logger } from 'pino';
import { metrics } from '../../../metrics.js';
import { type Backoff, backoffDelay, sleep } from './backoff.js';
import { connectSession, type PDU, pdu, SMPP_3_4, type Session, STATUS, statusName } from './lib.js';

export interface SessionOptions {
  host: string;
  port: number;
  systemId: string;
  password: string;
  systemType: string;
  enquireLinkMs: number;
  /** How long bind, submit_sm, enquire_link and unbind may wait for their response. */
  responseTimeoutMs: number;
  reconnect: Backoff;
  logger: Logger;
  /** A deliver_sm from the SMSC; it is acknowledged after this returns (or throws). */
  onDeliverSm: (deliverSm: PDU) => void;
}

export class ConnectionLost extends Error {
  override name = 'ConnectionLost';
}

export class ResponseTimeout extends Error {
  override name = 'ResponseTimeout';
}

interface Connection {
  session: Session;
  bound: boolean;
  /** Rejecters of the requests awaiting a response on this connection. */
  requests: Set<(error: Error) => void>;
}

export class SmppSession {
  private connection: Connection | undefined;
  private closed = false;
  /** Failed connects or binds in a row: the back-off exponent. */
  private failures = 0;
  private lastProblem = 'not connected yet';
  private reconnectTimer: NodeJS.Timeout | undefined;
  private enquireTimer: NodeJS.Timeout | undefined;
  private readonly boundWaiters = new Set<(bound: boolean) => void>();

  constructor(private readonly options: SessionOptions) {}

  start(): void {
    if (!this.connection && !this.reconnectTimer && !this.closed) this.connect();
  }

  get bound(): boolean {
    return this.connection?.bound === true;
  }

  /** Why the session is not bound (the last refusal or error). */
  get problem(): string {
    return this.lastProblem;
  }

  /** True once bound (at once if bound now); false after waitMs or at close(). */
  whenBound(waitMs: number): Promise<boolean> {
    if (this.bound) return Promise.resolve(true);
    if (this.closed || waitMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (bound: boolean) => {
        clearTimeout(timer);
        this.boundWaiters.delete(done);
        resolve(bound);
      };
      const timer = setTimeout(() => done(false), waitMs);
      this.boundWaiters.add(done);
    });
  }

  /** Sends a request on the bound session and resolves with its response, whatever its status. */
  request(request: PDU, timeoutMs = this.options.responseTimeoutMs): Promise<PDU> {
    const connection = this.connection;
    if (!connection?.bound) return Promise.reject(new ConnectionLost(`not bound: ${this.lastProblem}`));
    return this.send(connection, request, timeoutMs);
  }

  /** Stops reconnecting, lets outstanding requests finish (briefly), unbinds and disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.enquireTimer);
    for (const waiter of [...this.boundWaiters]) waiter(false);
    const connection = this.connection;
    if (!connection) return;
    if (connection.bound) {
      const until = Date.now() + Math.min(this.options.responseTimeoutMs, 2000);
      while (connection.requests.size > 0 && Date.now() < until) await sleep(10);
      try {
        await this.send(connection, pdu('unbind'), Math.min(this.options.responseTimeoutMs, 2000));
      } catch {
        // Unbinding is a courtesy; the socket is closed either way.
      }
    }
    await this.disconnect(connection);
  }

  private disconnect(connection: Connection): Promise<void> {
    if (connection.session.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const force = setTimeout(() => connection.session.destroy(), 1000);
      connection.session.close(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }

  private connect(): void {
    this.reconnectTimer = undefined;
    const { host, port, logger } = this.options;
    const session = connectSession(host, port);
    const connection: Connection = { session, bound: false, requests: new Set() };
    this.connection = connection;
    // Covers the TCP connect and the bind: a silent host must not hold us forever.
    const giveUp = setTimeout(() => {
      this.lastProblem = `no bind within ${this.options.responseTimeoutMs} ms`;
      session.destroy();
    }, this.options.responseTimeoutMs);
    session.on('connect', () => {
      this.bind(connection).finally(() => clearTimeout(giveUp));
    });
    session.on('error', (error) => {
      this.lastProblem = error.message;
      logger.debug({ err: error }, 'SMPP connection error');
    });
    session.on('close', () => {
      clearTimeout(giveUp);
      this.onClose(connection);
    });
    session.on('pdu', (received) => this.onPdu(connection, received));
  }

  private async bind(connection: Connection): Promise<void> {
    const { systemId, password, systemType, logger } = this.options;
    let response: PDU;
    try {
      response = await this.send(
        connection,
        pdu('bind_transceiver', {
          system_id: systemId,
          password,
          system_type: systemType,
          interface_version: SMPP_3_4,
        }),
        this.options.responseTimeoutMs,
      );
    } catch (error) {
      if (error instanceof ResponseTimeout) this.lastProblem = 'no bind_transceiver_resp';
      connection.session.destroy();
      return;
    }
    if (response.command_status !== STATUS.OK) {
      metrics.carrierBinds.inc({ carrier: 'smpp', event: 'refused' });
      this.lastProblem = `bind refused: ${statusName(response.command_status)}`;
      logger.warn({ status: response.command_status }, `SMPP ${this.lastProblem}`);
      connection.session.destroy();
      return;
    }
    if (this.closed || this.connection !== connection) return;
    connection.bound = true;
    metrics.carrierBinds.inc({ carrier: 'smpp', event: 'bound' });
    this.failures = 0;
    this.lastProblem = '';
    logger.info({ host: this.options.host, port: this.options.port }, 'SMPP bound as transceiver');
    this.enquireTimer = setInterval(() => this.enquireLink(connection), this.options.enquireLinkMs);
    this.enquireTimer.unref();
    for (const waiter of [...this.boundWaiters]) waiter(true);
  }

  private enquireLink(connection: Connection): void {
    const timeout = Math.min(this.options.responseTimeoutMs, this.options.enquireLinkMs);
    this.send(connection, pdu('enquire_link'), timeout).catch((error: unknown) => {
      if (!(error instanceof ResponseTimeout)) return;
      this.lastProblem = 'enquire_link unanswered';
      this.options.logger.warn('SMPP enquire_link unanswered; reconnecting');
      connection.session.destroy();
    });
  }

  private onClose(connection: Connection): void {
    if (this.connection !== connection) return;
    this.connection = undefined;
    clearInterval(this.enquireTimer);
    for (const reject of [...connection.requests]) reject(new ConnectionLost('the SMPP connection closed'));
    if (this.closed) return;
    if (connection.bound) {
      metrics.carrierBinds.inc({ carrier: 'smpp', event: 'lost' });
      this.lastProblem = 'connection lost';
      this.options.logger.warn('SMPP connection lost; reconnecting');
    }
    const delay = backoffDelay(this.failures++, this.options.reconnect);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
    this.reconnectTimer.unref();
  }

  private onPdu(connection: Connection, received: PDU): void {
    if (received.isResponse()) return; // matched to its request by the package
    const { session } = connection;
    switch (received.command) {
      case 'enquire_link':
        session.send(received.response());
        return;
      case 'deliver_sm':
        try {
          this.options.onDeliverSm(received);
        } catch (error) {
          this.options.logger.error({ err: error }, 'SMPP deliver_sm not handled');
        }
        // Acknowledged even when unreadable: a refused receipt would only come back again.
        session.send(received.response());
        return;
      case 'unbind':
        session.send(received.response());
        session.close();
        return;
      case 'alert_notification':
        return; // has no response
      default:
        session.send(received.response({ command_status: STATUS.INVCMDID }));
    }
  }

  private send(connection: Connection, request: PDU, timeoutMs: number): Promise<PDU> {
    return new Promise((resolve, reject) => {
      const fail = (error: Error) => {
        clearTimeout(timer);
        connection.requests.delete(fail);
        reject(error);
      };
      const timer = setTimeout(
        () => fail(new ResponseTimeout(`no ${request.command}_resp within ${timeoutMs} ms`)),
        timeoutMs,
      );
      connection.requests.add(fail);
      const sent = connection.session.send(request, (response) => {
        clearTimeout(timer);
        connection.requests.delete(fail);
        resolve(response);
      });
      if (!sent) fail(new ConnectionLost('the SMPP connection is not writable'));
    });
  }
}
