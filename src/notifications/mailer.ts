// E-mail through an outbox. A domain writes the e-mail in the same transaction as the change
// that causes it (`enqueue`), and asks for it to be sent once that transaction has committed
// (`sendSoon`); a rolled-back transaction leaves nothing to send. Anything not sent at once
// is retried by the `notifications.send-outbox` job with exponential back-off.
//
// When the SMTP server itself is down (no connection, no greeting, a refused login), the
// e-mail is not at fault: such failures never use up its attempts, and as soon as the server
// answers again (a send succeeds, the readiness probe or the retry job's probe connects) every
// e-mail that waits because of it is due at once, so an outage delays e-mail but loses none.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Db, Queryable } from '../db/types.js';
import { metrics } from '../metrics.js';
import type { RenderedEmail } from './templates.js';

export interface OutgoingEmail extends RenderedEmail {
  /** Which template produced it (for the record; never the content). */
  template: string;
  to: string;
  /**
   * Files rendered when the e-mail is sent, not stored with it: each names a source registered
   * with `registerAttachmentSource` and what to render (an invoice's PDF: kind invoice_pdf, ref its id).
   */
  attachments?: AttachmentRef[];
}

export interface AttachmentRef {
  kind: string;
  ref: string;
}

export interface Attachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

/** Renders an attachment at send time; a throw makes the attempt fail (and be retried). */
export type AttachmentSource = (ref: string) => Promise<Attachment>;

/** Hands a finished e-mail to the world: an SMTP server, or a file in the data folder. */
export interface MailTransport {
  readonly kind: 'smtp' | 'file';
  send(mail: {
    messageId: string;
    from: string;
    to: string;
    subject: string;
    text: string;
    html: string;
    attachments?: Attachment[];
  }): Promise<void>;
  /** Throws when the transport cannot take e-mail now (SMTP: connect, greet, log in). */
  verify(): Promise<void>;
  close(): void;
}

const MAX_ATTEMPTS = 10;
const CLAIM_MS = 2 * 60_000;
const FIRST_RETRY_MS = 30_000;
const MAX_RETRY_MS = 6 * 3_600_000;
/** Marks `last_error` of a failure of the server, not of the e-mail (see isTransportFailure). */
const UNREACHABLE = 'unreachable: ';

/**
 * The SMTP server was not there to answer (or refused our login): nodemailer's connection,
 * socket, DNS, timeout and auth errors, a 421 (service not available), or any error without an
 * SMTP reply code (a disk that is full, for the file transport). Another reply code (450 mailbox
 * busy, 550 no such user) is about this e-mail and follows the usual back-off and attempt limit.
 */
export function isTransportFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return true;
  const { code, responseCode } = error as { code?: unknown; responseCode?: unknown };
  if (code === 'EAUTH' || code === 'ECONNECTION' || code === 'ETIMEDOUT' || code === 'ESOCKET') return true;
  // 421: the service is not available (shutting down, overloaded), whatever the e-mail.
  return typeof responseCode !== 'number' || responseCode === 421;
}

/** The wait after the n-th failed attempt: 30 s, 1 min, 2 min, … at most 6 hours. */
export function retryDelayMs(attempts: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(attempts - 1, 0), MAX_RETRY_MS);
}

function smtpTransport(smtpUrl: string): MailTransport {
  const url = new URL(smtpUrl);
  const secure = url.protocol === 'smtps:';
  const transporter = nodemailer.createTransport({
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    auth: url.username
      ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
      : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    kind: 'smtp',
    async send(mail) {
      await transporter.sendMail(mail);
    },
    async verify() {
      await transporter.verify();
    },
    close: () => transporter.close(),
  };
}

function fileTransport(dir: string): MailTransport {
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    kind: 'file',
    async send(mail) {
      const info = await composer.sendMail(mail);
      await mkdir(dir, { recursive: true });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const name = `${stamp}-${mail.messageId.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 40)}.eml`;
      const body = Buffer.isBuffer(info.message) ? info.message : Buffer.from('');
      await writeFile(path.join(dir, name), body);
      // The .eml is what a mail client opens; its text is quoted-printable, which breaks long
      // links for someone reading the file itself. A plain copy beside it reads as written.
      const readable = `To: ${mail.to}\nSubject: ${mail.subject}\n\n${mail.text}\n`;
      await writeFile(path.join(dir, name.replace(/\.eml$/, '.txt')), readable);
    },
    async verify() {
      await mkdir(dir, { recursive: true });
      await access(dir, constants.W_OK);
    },
    close: () => composer.close(),
  };
}

export function createMailTransport(config: Config): MailTransport {
  return config.mail.smtpUrl
    ? smtpTransport(config.mail.smtpUrl)
    : fileTransport(path.join(config.dataDir, 'mail'));
}

interface OutboxRow {
  id: string;
  to_address: string;
  subject: string;
  text_body: string | null;
  html_body: string | null;
  attachments: AttachmentRef[] | null;
  attempts: number;
  last_error: string | null;
}

export class Mailer {
  private readonly inFlight = new Set<Promise<void>>();
  /** This process met the server unreachable since its last successful send. */
  private sawUnreachable = false;
  private readonly host: string;
  private readonly attachmentSources = new Map<string, AttachmentSource>();

  constructor(
    private readonly db: Db,
    readonly transport: MailTransport,
    private readonly options: { from: string; publicUrl: string; logger: Logger; now: () => Date },
  ) {
    this.host = new URL(options.publicUrl).hostname || 'localhost';
  }

  /** Where attachments of a kind are rendered from (a domain registers its own at start-up). */
  registerAttachmentSource(kind: string, source: AttachmentSource): void {
    this.attachmentSources.set(kind, source);
  }

  /** Writes the e-mail to the outbox inside the caller's transaction; returns its id. */
  async enqueue(tx: Queryable, mail: OutgoingEmail): Promise<string> {
    const id = `eml_${randomBytes(12).toString('base64url')}`;
    const now = this.options.now();
    await tx.query(
      `insert into email_outbox (id, template, to_address, subject, text_body, html_body, attachments, created_at, next_attempt_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
      [
        id,
        mail.template,
        mail.to,
        mail.subject,
        mail.text,
        mail.html,
        mail.attachments?.length ? JSON.stringify(mail.attachments) : null,
        now,
      ],
    );
    return id;
  }

  /** Many e-mails in one statement (a batch of invoices); returns their ids in order. */
  async enqueueMany(tx: Queryable, mails: readonly OutgoingEmail[]): Promise<string[]> {
    if (mails.length === 0) return [];
    const ids = mails.map(() => `eml_${randomBytes(12).toString('base64url')}`);
    const rows = mails.map((mail, i) => ({
      id: ids[i],
      template: mail.template,
      to_address: mail.to,
      subject: mail.subject,
      text_body: mail.text,
      html_body: mail.html,
      attachments: mail.attachments?.length ? mail.attachments : null,
    }));
    await tx.query(
      `insert into email_outbox (id, template, to_address, subject, text_body, html_body, attachments, created_at, next_attempt_at)
       select r.id, r.template, r.to_address, r.subject, r.text_body, r.html_body, r.attachments, $2, $2
         from jsonb_to_recordset($1::jsonb) as r(id text, template text, to_address text, subject text,
              text_body text, html_body text, attachments jsonb)`,
      [JSON.stringify(rows), this.options.now()],
    );
    return ids;
  }

  /** Tries to send these outbox e-mails now, without making the caller wait. Call after commit. */
  sendSoon(ids: readonly string[]): void {
    for (const id of ids) {
      const attempt = this.attempt(id).then(
        () => undefined,
        (err: unknown) => this.options.logger.error({ err, outboxId: id }, 'e-mail attempt failed'),
      );
      this.inFlight.add(attempt);
      void attempt.finally(() => this.inFlight.delete(attempt));
    }
  }

  /**
   * Checks that the transport can take e-mail now (the readiness probe); when it can, e-mails
   * waiting because the server was unreachable are due at once.
   */
  async verify(): Promise<void> {
    await this.transport.verify();
    // The answer is about the transport: a database that cannot be written now is its own probe.
    await this.dueNowIfReachable(false).catch((err: unknown) =>
      this.options.logger.error({ err }, 'e-mails waiting for the mail server could not be made due'),
    );
  }

  /** Sends every e-mail whose next attempt is due (the retry job). */
  async sendDue(limit = 50): Promise<{ sent: number; failed: number }> {
    // E-mails waiting for an unreachable server: one probe tells whether it is back.
    await this.dueNowIfReachable(true).catch(() => undefined);
    const { rows } = await this.db.query<{ id: string }>(
      `select id from email_outbox
        where sent_at is null and failed_at is null and next_attempt_at <= $1
          and (claimed_until is null or claimed_until < $1)
        order by next_attempt_at limit $2`,
      [this.options.now(), limit],
    );
    let sent = 0;
    let failed = 0;
    for (const row of rows) {
      const outcome = await this.attempt(row.id);
      if (outcome === 'sent') sent++;
      else if (outcome === 'failed') failed++;
    }
    return { sent, failed };
  }

  /**
   * Makes the e-mails that wait only because the server was unreachable due now. With `probe`,
   * only when there are such e-mails and the transport answers (else it throws).
   */
  private async dueNowIfReachable(probe: boolean): Promise<number> {
    const now = this.options.now();
    if (probe) {
      const { rows } = await this.db.query(
        `select 1 from email_outbox
          where sent_at is null and failed_at is null and next_attempt_at > $1 and last_error like $2 limit 1`,
        [now, `${UNREACHABLE}%`],
      );
      if (rows.length === 0) return 0;
      await this.transport.verify();
    }
    const { rowCount } = await this.db.query(
      `update email_outbox set next_attempt_at = $1
        where sent_at is null and failed_at is null and next_attempt_at > $1 and last_error like $2`,
      [now, `${UNREACHABLE}%`],
    );
    if (rowCount > 0)
      this.options.logger.info({ emails: rowCount }, 'the mail server answers again: retrying now');
    return rowCount;
  }

  /** Waits for the attempts started by sendSoon (shutdown, tests). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  close(): void {
    this.transport.close();
  }

  private async renderAttachments(refs: AttachmentRef[] | null): Promise<Attachment[]> {
    const out: Attachment[] = [];
    for (const ref of refs ?? []) {
      const source = this.attachmentSources.get(ref.kind);
      // A reply code makes it a failure of this e-mail (retried, then given up), not of the server.
      if (!source)
        throw Object.assign(new Error(`no attachment source for ${ref.kind}`), { responseCode: 554 });
      try {
        out.push(await source(ref.ref));
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        throw Object.assign(new Error(`attachment ${ref.kind} ${ref.ref}: ${message}`), {
          responseCode: 554,
        });
      }
    }
    return out;
  }

  /**
   * One attempt at one e-mail. The claim (a short lease) keeps two processes from sending
   * the same e-mail at the same moment; a process that dies mid-send leaves the lease to run out.
   */
  private async attempt(id: string): Promise<'sent' | 'failed' | 'retry' | 'skipped'> {
    const now = this.options.now();
    const { rows } = await this.db.query<OutboxRow>(
      `update email_outbox set claimed_until = $2, attempts = attempts + 1
        where id = $1 and sent_at is null and failed_at is null
          and (claimed_until is null or claimed_until < $3)
        returning id, to_address, subject, text_body, html_body, attachments, attempts, last_error`,
      [id, new Date(now.getTime() + CLAIM_MS), now],
    );
    const row = rows[0];
    if (!row) return 'skipped';
    try {
      const attachments = await this.renderAttachments(row.attachments);
      await this.transport.send({
        messageId: `<${row.id}@${this.host}>`,
        from: this.options.from,
        to: row.to_address,
        subject: row.subject,
        text: row.text_body ?? '',
        html: row.html_body ?? '',
        ...(attachments.length ? { attachments } : {}),
      });
    } catch (err) {
      const unreachable = isTransportFailure(err);
      if (unreachable) this.sawUnreachable = true;
      const message = err instanceof Error ? err.message : 'unknown error';
      const reason = `${unreachable ? UNREACHABLE : ''}${message}`.slice(0, 500);
      const finished = this.options.now();
      if (row.attempts >= MAX_ATTEMPTS && !unreachable) {
        metrics.emails.inc({ outcome: 'failed' });
        await this.db.query(
          `update email_outbox set failed_at = $2, claimed_until = null, last_error = $3 where id = $1`,
          [id, finished, reason],
        );
        this.options.logger.error({ outboxId: id, attempts: row.attempts, reason }, 'e-mail given up');
        return 'failed';
      }
      metrics.emails.inc({ outcome: 'retry' });
      const next = new Date(finished.getTime() + retryDelayMs(row.attempts));
      await this.db.query(
        `update email_outbox set next_attempt_at = $2, claimed_until = null, last_error = $3 where id = $1`,
        [id, next, reason],
      );
      this.options.logger.warn(
        { outboxId: id, attempts: row.attempts, nextAttemptAt: next.toISOString(), reason },
        'e-mail not sent; will retry',
      );
      return 'retry';
    }
    // The body carries live links: keep only the fact that it was sent.
    await this.db.query(
      `update email_outbox set sent_at = $2, claimed_until = null, last_error = null,
              text_body = null, html_body = null
        where id = $1`,
      [id, this.options.now()],
    );
    metrics.emails.inc({ outcome: 'sent' });
    this.options.logger.info({ outboxId: id, transport: this.transport.kind }, 'e-mail sent');
    // The server answers: whatever waited because it did not is due now.
    if (this.sawUnreachable || row.last_error?.startsWith(UNREACHABLE)) {
      this.sawUnreachable = false;
      await this.dueNowIfReachable(false).catch((err: unknown) =>
        this.options.logger.error({ err }, 'e-mails waiting for the mail server could not be made due'),
      );
    }
    return 'sent';
  }
}
