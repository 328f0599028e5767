// Money e-mails: each written by the transaction of its event (a rolled-back credit leaves
// nothing), in the account's language, text and HTML with the portal's link, sent once after
// commit even with two senders; and the purchase.credited webhook event beside it. An automatic
// refill's credit sends one e-mail, the refill's, which carries the receipt.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailTransport, Mailer } from '../../src/notifications/mailer.js';
import { getPurchase, settlePaid } from '../../src/purchases/index.js';
import { lockPurchase } from '../../src/purchases/purchase.js';
import { creditLockedPurchases } from '../../src/purchases/settle.js';
import { adminSession, type Customer, readyCustomer, type Session } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import { buyByTransfer, installFakeCardProvider, post } from './helpers.js';

/** When the money arrived, as the operator types it: now, to the second (never before the order). */
const PAID_AT = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();

interface OutboxRow {
  id: string;
  template: string;
  subject: string;
  text_body: string | null;
  html_body: string | null;
  sent_at: Date | null;
}

describe('money notifications', () => {
  let t: TestApp;
  let smtp: TestSmtp;
  let ops: Session;
  let alice: Customer;
  let ana: Customer;

  beforeAll(async () => {
    smtp = await startTestSmtp();
    t = await createTestApp({
      env: { SMTP_URL: smtp.url, PUBLIC_URL: 'https://portal.example', WEBHOOK_PRIVATE_ADDRESSES: 'allow' },
    });
    installFakeCardProvider(t.ctx);
    [ops, alice, ana] = await Promise.all([adminSession(t), readyCustomer(t), readyCustomer(t)]);
    const es = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/account/language',
      headers: ana.headers,
      payload: { language: 'es' },
    });
    expect(es.statusCode, es.body).toBe(200);
    const hook = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/webhooks/messages',
      headers: alice.headers,
      payload: { url: 'http://127.0.0.1:9/hooks' },
    });
    expect(hook.statusCode, hook.body).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  const mails = async (to: string, template?: string) =>
    (
      await t.ctx.db.query<OutboxRow>(
        `select id, template, subject, text_body, html_body, sent_at from email_outbox
          where to_address = $1 and ($2::text is null or template = $2) order by created_at, id`,
        [to, template ?? null],
      )
    ).rows;
  /**
   * What an outbox e-mail says, from the copy the SMTP server received (by its Message-ID): the
   * outbox forgets the body once it is sent, which happens right after the commit.
   */
  const content = async (row: OutboxRow | undefined) => {
    if (!row) throw new Error('no such e-mail');
    const copy = await smtp.waitFor((m) => m.raw.includes(`<${row.id}@`));
    return { text: copy.text, html: copy.html, subject: copy.subject };
  };
  const events = async (accountId: string, type: string) =>
    (
      await t.ctx.db.query<{ payload: string }>(
        'select payload from webhook_deliveries where account_id = $1 and event_type = $2',
        [accountId, type],
      )
    ).rows.map((row) => JSON.parse(row.payload));

  it('e-mails the bank details when a bank-transfer order is made, in the account’s language', async () => {
    const order = await buyByTransfer(t, ana, { credits: '1000' });
    const [mail, ...more] = await mails(ana.email, 'bank_transfer_instructions');
    expect(more).toEqual([]);
    expect(mail?.subject).toMatch(/^Datos para su transferencia de /);
    const reference = order.bankTransfer.referenceFormatted as string;
    const sent = await content(mail);
    for (const body of [sent.text, sent.html]) {
      expect(body).toContain(order.bankTransfer.iban);
      expect(body).toContain(order.bankTransfer.bic);
      expect(body).toContain(order.bankTransfer.beneficiary);
      expect(body).toContain(reference);
      expect(body).toContain(`https://portal.example/purchases/${order.id}`);
      expect(body).toContain('Fecha límite');
    }
    expect(sent.subject.normalize('NFKC').replace(/\s+/g, ' ')).toBe(
      mail?.subject.normalize('NFKC').replace(/\s+/g, ' '),
    );
    expect(sent.text).toContain(reference);
    expect(sent.html).toContain('<table');
  });

  it('sends a receipt for a card purchase with credits, amount, tax, total and method, and purchase.credited', async () => {
    const res = await post(t, '/api/v1/purchases', alice, { credits: '2000', paymentMethod: 'card' });
    expect(res.statusCode, res.body).toBe(201);
    const order = res.json();
    expect(await mails(alice.email, 'bank_transfer_instructions')).toEqual([]);
    const settled = await settlePaid(t.ctx, order.id, {
      paidAt: t.ctx.now(),
      method: 'card',
      providerRef: `pi_${order.id}`,
    });
    expect(settled.outcome).toBe('credited');
    const [receipt, ...more] = await mails(alice.email, 'purchase_credited');
    expect(more).toEqual([]);
    expect(receipt?.subject).toBe('Receipt: 2,000 credits added to your account');
    const { text, html } = await content(receipt);
    expect(text).toContain('Credits: 2,000');
    expect(text).toMatch(/Amount: €[\d,.]+/);
    expect(text).toMatch(/Tax \(\d+(\.\d+)? %\): €[\d,.]+/);
    expect(text).toMatch(/Total: €[\d,.]+/);
    expect(text).toContain('Payment method: Card');
    expect(text).toContain(`https://portal.example/purchases/${order.id}`);
    expect(html).toContain('Payment method');
    const [event, ...others] = await events(alice.accountId, 'purchase.credited');
    expect(others).toEqual([]);
    expect(event).toMatchObject({
      type: 'purchase.credited',
      data: { id: order.id, status: 'credited', credits: '2000', paymentMethod: 'card' },
    });
  });

  /**
   * A card purchase as the refills record it: an ordinary purchase with source auto_refill (how
   * it was started and charged is the refills' tests' business, not its e-mails').
   */
  const automaticPurchase = async (who: Customer, credits: string) => {
    const res = await post(t, '/api/v1/purchases', who, { credits, paymentMethod: 'card' });
    expect(res.statusCode, res.body).toBe(201);
    const order = res.json();
    await t.ctx.db.query(`update purchases set source = 'auto_refill' where id = $1`, [order.id]);
    return order;
  };
  const payByCard = (purchaseId: string) =>
    settlePaid(t.ctx, purchaseId, { paidAt: t.ctx.now(), method: 'card', providerRef: `pi_${purchaseId}` });

  it('an automatic refill e-mails once: no receipt, the refill’s e-mail carries it, in English and Spanish', async () => {
    for (const [who, lang] of [
      [alice, 'en'],
      [ana, 'es'],
    ] as const) {
      const order = await automaticPurchase(who, '1000');
      const before = (await mails(who.email)).length;
      expect((await payByCard(order.id)).outcome).toBe('credited');
      const written = (await mails(who.email)).slice(before);
      expect(written.map((m) => m.template)).toEqual(['auto_refill_succeeded']);
      // Amounts in Spanish keep the euro sign with a no-break space: compared as spaces.
      const sent = await content(written[0]);
      const [text, html] = [sent.text, sent.html].map((body) => body.replace(/[\u00a0\u202f]/g, ' '));
      const money = (minor: number) => {
        const figure = (minor / 100).toFixed(2);
        return lang === 'es' ? `${figure.replace('.', ',')} €` : `€${figure}`;
      };
      const rate = `${order.tax.rate} %`;
      const lines =
        lang === 'es'
          ? [
              'Créditos: 1.000',
              `Importe: ${money(order.subtotal.amount)}`,
              `Impuestos (${rate}): ${money(order.tax.amount.amount)}`,
              `Total: ${money(order.total.amount)}`,
              'Forma de pago: Tarjeta',
              `Compra: ${order.id}`,
            ]
          : [
              'Credits: 1,000',
              `Amount: ${money(order.subtotal.amount)}`,
              `Tax (${rate}): ${money(order.tax.amount.amount)}`,
              `Total: ${money(order.total.amount)}`,
              'Payment method: Card',
              `Purchase: ${order.id}`,
            ];
      for (const line of lines) {
        expect(text).toContain(line);
        const [label = '', value = ''] = line.split(': ');
        expect(html).toContain(`${label}</th><td style="padding:4px 0">${value}</td>`);
      }
      for (const body of [text, html]) {
        expect(body).toContain(`https://portal.example/purchases/${order.id}`);
        expect(body).toContain('https://portal.example/refills');
      }
    }
    // Integrators still hear both events: the purchase credited, and the refill succeeded.
    const credited = await events(alice.accountId, 'purchase.credited');
    const succeeded = await events(alice.accountId, 'auto_refill.succeeded');
    expect(credited.filter((e) => e.data.source === 'auto_refill')).toHaveLength(1);
    expect(succeeded).toHaveLength(1);
    expect(succeeded[0].data.purchaseId).toBe(credited.find((e) => e.data.source === 'auto_refill')?.data.id);
  });

  it('tells a bank transfer received when the operator marks it paid, once', async () => {
    const order = await buyByTransfer(t, ana, { credits: '500' });
    const before = (await mails(ana.email, 'bank_transfer_received')).length;
    const marked = await post(t, `/api/v1/admin/purchases/${order.id}/mark-paid`, ops, {
      paidAt: PAID_AT,
      bankReference: 'TRANSFER-1',
    });
    expect(marked.statusCode, marked.body).toBe(200);
    const again = await post(t, `/api/v1/admin/purchases/${order.id}/mark-paid`, ops, {
      paidAt: PAID_AT,
      bankReference: 'TRANSFER-1',
    });
    expect(again.statusCode).toBe(409);
    const received = (await mails(ana.email, 'bank_transfer_received')).slice(before);
    expect(received).toHaveLength(1);
    expect(received[0]?.subject).toBe('Hemos recibido su transferencia: 500 créditos añadidos');
    const { text } = await content(received[0]);
    expect(text).toContain(order.id);
    expect(text).toContain('Forma de pago: Transferencia bancaria');
    expect(text).toContain('Créditos: 500');
    // Ana has no webhook: no event row for her.
    expect(await events(ana.accountId, 'purchase.credited')).toEqual([]);
  });

  it('writes nothing when the crediting transaction rolls back', async () => {
    const order = await buyByTransfer(t, alice, { credits: '300' });
    await smtp.waitFor((m) => m.to.includes(alice.email) && m.text.includes(order.id));
    const before = (await mails(alice.email)).length;
    const eventsBefore = (await events(alice.accountId, 'purchase.credited')).length;
    await expect(
      t.ctx.db.transaction(async (tx) => {
        const purchase = await lockPurchase(tx, order.id);
        if (!purchase) throw new Error('no purchase');
        await creditLockedPurchases(t.ctx, tx, [
          { purchase, paid: { paidAt: t.ctx.now(), method: 'operator', providerRef: 'x' } },
        ]);
        throw new Error('the booking failed after the credit');
      }),
    ).rejects.toThrow('the booking failed');
    await t.ctx.mailer.drain();
    expect((await mails(alice.email)).length).toBe(before);
    expect((await events(alice.accountId, 'purchase.credited')).length).toBe(eventsBefore);
    expect((await getPurchase(t.ctx.db, order.id))?.status).toBe('awaiting_payment');
    expect(smtp.messages.filter((m) => m.to.includes(alice.email) && m.text.includes(order.id))).toHaveLength(
      1, // the bank details of the order, and nothing of the credit
    );
  });

  it('writes neither the refill’s e-mail nor a receipt when an automatic refill’s credit rolls back, and one when it commits', async () => {
    const bob = await readyCustomer(t);
    const order = await automaticPurchase(bob, '300');
    const before = (await mails(bob.email)).length;
    await expect(
      t.ctx.db.transaction(async (tx) => {
        const purchase = await lockPurchase(tx, order.id);
        if (!purchase) throw new Error('no purchase');
        await creditLockedPurchases(t.ctx, tx, [
          { purchase, paid: { paidAt: t.ctx.now(), method: 'card', providerRef: 'pi_x' } },
        ]);
        throw new Error('the booking failed after the credit');
      }),
    ).rejects.toThrow('the booking failed');
    await t.ctx.mailer.drain();
    expect((await mails(bob.email)).length).toBe(before);
    expect((await getPurchase(t.ctx.db, order.id))?.status).toBe('awaiting_payment');
    expect((await payByCard(order.id)).outcome).toBe('credited');
    expect((await payByCard(order.id)).outcome).toBe('already_credited');
    expect((await mails(bob.email)).slice(before).map((m) => m.template)).toEqual(['auto_refill_succeeded']);
    await t.ctx.mailer.drain();
    expect(smtp.messages.filter((m) => m.to.includes(bob.email) && m.text.includes(order.id))).toHaveLength(
      1,
    );
  });

  it('e-mails a refund issued, with the amount and where the money goes', async () => {
    const res = await post(t, '/api/v1/purchases', alice, { credits: '1000', paymentMethod: 'card' });
    const order = res.json();
    await settlePaid(t.ctx, order.id, { paidAt: t.ctx.now(), method: 'card', providerRef: 'pi_r' });
    const before = (await mails(alice.email, 'refund_issued')).length;
    const refund = await post(t, `/api/v1/admin/purchases/${order.id}/refund`, ops, { credits: '250' });
    expect(refund.statusCode, refund.body).toBe(201);
    const [mail, ...more] = (await mails(alice.email, 'refund_issued')).slice(before);
    expect(more).toEqual([]);
    expect(mail?.subject).toBe('Refund of 250 credits');
    const { text } = await content(mail);
    expect(text).toContain(order.id);
    expect(text).toContain('goes back to the card');
    expect(text).toMatch(/Amount refunded: €[\d,.]+/);
  });

  it('sends each e-mail once with two senders retrying at the same moment', async () => {
    smtp.failing = true;
    let order: { id: string };
    try {
      order = await buyByTransfer(t, alice, { credits: '700' });
      await t.ctx.mailer.drain();
    } finally {
      smtp.failing = false;
    }
    const [mail] = (await mails(alice.email, 'bank_transfer_instructions')).filter((m) =>
      m.text_body?.includes(order.id),
    );
    expect(mail?.sent_at).toBeNull();
    // A second process's sender on the same database (its own pool on PostgreSQL).
    const otherDb = t.testDb.url ? await t.testDb.openAnother(4) : t.ctx.db;
    const later = () => new Date(Date.now() + 10 * 60_000);
    const other = new Mailer(otherDb, createMailTransport(t.ctx.config), {
      from: t.ctx.config.mail.from,
      publicUrl: t.ctx.config.publicUrl,
      logger: t.ctx.logger,
      now: later,
    });
    const real = t.ctx.now;
    t.ctx.now = later;
    const copies = () => smtp.messages.filter((m) => m.to.includes(alice.email) && m.text.includes(order.id));
    try {
      expect(copies()).toEqual([]);
      await Promise.all([t.ctx.mailer.sendDue(), other.sendDue(), t.ctx.mailer.sendDue(), other.sendDue()]);
      expect(copies()).toHaveLength(1);
      const [row] = (await mails(alice.email, 'bank_transfer_instructions')).filter((m) => m.id === mail?.id);
      expect(row?.sent_at).toBeInstanceOf(Date);
    } finally {
      t.ctx.now = real;
      other.close();
      if (otherDb !== t.ctx.db) await otherDb.close();
    }
  });
});
