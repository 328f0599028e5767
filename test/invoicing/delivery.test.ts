// The delivery e-mail's PDF: the outbox keeps a reference only, the mailer renders the file when
// it sends, and a file that cannot be rendered makes the attempt fail and wait for a retry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Attachment, Mailer, type MailTransport } from '../../src/notifications/mailer.js';
import { invoiceIssued } from '../../src/notifications/templates-invoices.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

describe('e-mail attachments rendered at send time', () => {
  let t: TestApp;
  const sent: { to: string; subject: string; attachments?: Attachment[] }[] = [];
  let mailer: Mailer;

  beforeAll(async () => {
    t = await createTestApp();
    const transport: MailTransport = {
      kind: 'file',
      async send(mail) {
        sent.push(mail);
      },
      async verify() {},
      close() {},
    };
    mailer = new Mailer(t.ctx.db, transport, {
      from: 'Tollgate <no-reply@example.com>',
      publicUrl: 'http://localhost',
      logger: t.ctx.logger,
      now: () => t.ctx.now(),
    });
    let renders = 0;
    mailer.registerAttachmentSource('invoice_pdf', async (ref) => {
      renders++;
      if (ref === 'inv_broken') throw new Error('cannot render');
      return {
        filename: `${ref}.pdf`,
        contentType: 'application/pdf',
        content: Buffer.from(`%PDF ${renders}`),
      };
    });
  });
  afterAll(() => t.close());

  const mail = (ref: string) => ({
    ...invoiceIssued('es', {
      name: 'Ejemplo S.L.',
      kind: 'invoice',
      number: 'TG-2026-000001',
      issueDate: '2026-11-02',
      period: 'octubre de 2026',
      total: '12,10 €',
      url: 'http://localhost/invoices/x',
      attached: true,
    }),
    template: 'invoice_issued',
    to: 'billing@example.com',
    attachments: [{ kind: 'invoice_pdf', ref }],
  });

  it('sends the rendered file with the e-mail, and stores none of it', async () => {
    const [id] = await t.ctx.db.transaction((tx) => mailer.enqueueMany(tx, [mail('inv_good')]));
    const stored = await t.ctx.db.query<{ attachments: unknown }>(
      'select attachments from email_outbox where id = $1',
      [id],
    );
    expect(stored.rows[0]?.attachments).toEqual([{ kind: 'invoice_pdf', ref: 'inv_good' }]);
    mailer.sendSoon([id as string]);
    await mailer.drain();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.subject).toBe('Su factura TG-2026-000001 de octubre de 2026');
    expect(sent[0]?.attachments?.[0]).toMatchObject({
      filename: 'inv_good.pdf',
      contentType: 'application/pdf',
    });
    expect(sent[0]?.attachments?.[0]?.content.toString()).toMatch(/^%PDF/);
  });

  it('retries an e-mail whose file cannot be rendered, without sending it bare', async () => {
    const id = await t.ctx.db.transaction((tx) => mailer.enqueue(tx, mail('inv_broken')));
    mailer.sendSoon([id]);
    await mailer.drain();
    expect(sent).toHaveLength(1);
    const { rows } = await t.ctx.db.query<{ sent_at: Date | null; last_error: string; attempts: number }>(
      'select sent_at, last_error, attempts from email_outbox where id = $1',
      [id],
    );
    expect(rows[0]).toMatchObject({ sent_at: null, attempts: 1 });
    expect(rows[0]?.last_error).toContain('cannot render');
    expect(rows[0]?.last_error).not.toMatch(/^unreachable/);
  });
});
