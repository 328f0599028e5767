// E-mails about money: a purchase credited (the receipt), the instructions of a bank-transfer
// order, a bank transfer received, a refund issued, and the low-balance alert. Same layout and
// languages as templates.ts. Every amount arrives formatted in the account's language: the
// templates know words, not currencies or credits.
import { FOOTER, greeting, type Language, type RenderedEmail, render } from './templates.js';

/** A purchase as a receipt shows it, every value formatted already. */
export interface ReceiptValues {
  name: string | null;
  /** The purchase id, as the customer sees it in the portal. */
  purchaseId: string;
  credits: string;
  /** Before tax. */
  subtotal: string;
  /** "21 %" or a treatment's words ("reverse charge"). */
  taxRate: string;
  tax: string;
  total: string;
  paymentMethod: 'card' | 'bank_transfer';
  /** When it was paid, a date in the account's language. */
  paidOn: string;
  /** The balance after the credit. */
  available: string;
  url: string;
}

export interface BankInstructionsValues {
  name: string | null;
  purchaseId: string;
  credits: string;
  total: string;
  iban: string;
  bic: string;
  beneficiary: string;
  /** The creditor reference in groups of four. */
  reference: string;
  dueDate: string;
  url: string;
}

export interface RefundValues {
  name: string | null;
  purchaseId: string;
  credits: string;
  total: string;
  /** card: back to the card by the payment service; bank_transfer: the operator pays it back. */
  paymentMethod: 'card' | 'bank_transfer';
  url: string;
}

export interface LowBalanceValues {
  name: string | null;
  available: string;
  limit: string;
  /** The limit follows the default rule (10% of the last purchase), not a number the customer set. */
  defaultRule: boolean;
  buyUrl: string;
  preferencesUrl: string;
}

/** How the money e-mails write numbers, amounts and dates in each language. */
export const LOCALES: Record<Language, string> = { en: 'en-GB', es: 'es-ES' };

/** Whole numbers grouped per language (an Intl formatter is costly to make: one each, kept). */
const GROUPED: Record<Language, Intl.NumberFormat> = {
  en: new Intl.NumberFormat(LOCALES.en, { useGrouping: true }),
  es: new Intl.NumberFormat(LOCALES.es, { useGrouping: true }),
};

/** Micro-credits for people: "1,000" / "1.000", "0.045" / "0,045", "12,500.5" / "12.500,5". */
export function creditsText(micros: bigint, lang: Language): string {
  const sign = micros < 0n ? '-' : '';
  const abs = micros < 0n ? -micros : micros;
  const whole = GROUPED[lang].format(abs / 1_000_000n);
  const fraction = (abs % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
  return `${sign}${whole}${fraction ? `${lang === 'es' ? ',' : '.'}${fraction}` : ''}`;
}

const METHOD: Record<Language, Record<ReceiptValues['paymentMethod'], string>> = {
  en: { card: 'Card', bank_transfer: 'Bank transfer' },
  es: { card: 'Tarjeta', bank_transfer: 'Transferencia bancaria' },
};

/**
 * The lines of a receipt: every e-mail that is a purchase's receipt shows these (the refills'
 * "succeeded" e-mail too, which stands in for the receipt of an automatic purchase).
 */
export function receiptDetails(lang: Language, v: ReceiptValues): { label: string; value: string }[] {
  if (lang === 'es') {
    return [
      { label: 'Créditos', value: v.credits },
      { label: 'Importe', value: v.subtotal },
      { label: `Impuestos (${v.taxRate})`, value: v.tax },
      { label: 'Total', value: v.total },
      { label: 'Forma de pago', value: METHOD.es[v.paymentMethod] },
      { label: 'Fecha de pago', value: v.paidOn },
      { label: 'Compra', value: v.purchaseId },
    ];
  }
  return [
    { label: 'Credits', value: v.credits },
    { label: 'Amount', value: v.subtotal },
    { label: `Tax (${v.taxRate})`, value: v.tax },
    { label: 'Total', value: v.total },
    { label: 'Payment method', value: METHOD.en[v.paymentMethod] },
    { label: 'Paid on', value: v.paidOn },
    { label: 'Purchase', value: v.purchaseId },
  ];
}

/** What a receipt says of the invoice: a purchase is invoiced with the month's others. */
export const INVOICE_FOLLOWS: Record<Language, string> = {
  en: "The month's invoice follows on the first business day of next month.",
  es: 'La factura del mes le llegará el primer día hábil del mes siguiente.',
};

/** The receipt of a purchase paid by card (and of any purchase not paid by bank transfer). */
export function purchaseCredited(lang: Language, v: ReceiptValues): RenderedEmail {
  if (lang === 'es') {
    return render({
      subject: `Recibo: ${v.credits} créditos añadidos a su cuenta`,
      greeting: greeting('es', v.name),
      paragraphs: [`Gracias por su compra. Hemos añadido ${v.credits} créditos a su cuenta.`],
      details: receiptDetails('es', v),
      after: [`Crédito disponible ahora: ${v.available}. ${INVOICE_FOLLOWS.es}`],
      action: { label: 'Ver la compra', url: v.url },
      footer: FOOTER.es,
    });
  }
  return render({
    subject: `Receipt: ${v.credits} credits added to your account`,
    greeting: greeting('en', v.name),
    paragraphs: [`Thank you for your purchase. We have added ${v.credits} credits to your account.`],
    details: receiptDetails('en', v),
    after: [`Available credit now: ${v.available}. ${INVOICE_FOLLOWS.en}`],
    action: { label: 'View the purchase', url: v.url },
    footer: FOOTER.en,
  });
}

/** A bank-transfer order was paid: the money arrived and the credits with it. */
export function bankTransferReceived(lang: Language, v: ReceiptValues): RenderedEmail {
  if (lang === 'es') {
    return render({
      subject: `Hemos recibido su transferencia: ${v.credits} créditos añadidos`,
      greeting: greeting('es', v.name),
      paragraphs: [
        `Hemos recibido su transferencia de ${v.total} y hemos añadido ${v.credits} créditos a su cuenta. Este es su recibo.`,
      ],
      details: receiptDetails('es', v),
      after: [`Crédito disponible ahora: ${v.available}.`],
      action: { label: 'Ver la compra', url: v.url },
      footer: FOOTER.es,
    });
  }
  return render({
    subject: `We received your bank transfer: ${v.credits} credits added`,
    greeting: greeting('en', v.name),
    paragraphs: [
      `We received your bank transfer of ${v.total} and added ${v.credits} credits to your account. This is your receipt.`,
    ],
    details: receiptDetails('en', v),
    after: [`Available credit now: ${v.available}.`],
    action: { label: 'View the purchase', url: v.url },
    footer: FOOTER.en,
  });
}

/** What to transfer, to whom and with which reference, as soon as the order exists. */
export function bankTransferInstructions(lang: Language, v: BankInstructionsValues): RenderedEmail {
  if (lang === 'es') {
    return render({
      subject: `Datos para su transferencia de ${v.total}`,
      greeting: greeting('es', v.name),
      paragraphs: [
        `Ha pedido ${v.credits} créditos con pago por transferencia bancaria. Transfiera ${v.total} a esta cuenta, con la referencia tal como aparece: así reconocemos su pago.`,
      ],
      details: [
        { label: 'IBAN', value: v.iban },
        { label: 'BIC', value: v.bic },
        { label: 'Beneficiario', value: v.beneficiary },
        { label: 'Importe', value: v.total },
        { label: 'Referencia', value: v.reference },
        { label: 'Fecha límite', value: v.dueDate },
      ],
      after: [
        'Añadiremos los créditos en cuanto llegue el dinero y se lo confirmaremos por correo. Si el pago no llega a tiempo, el pedido caduca; un pago que llegue después se abona igualmente.',
      ],
      action: { label: 'Ver el pedido', url: v.url },
      footer: FOOTER.es,
    });
  }
  return render({
    subject: `Details for your bank transfer of ${v.total}`,
    greeting: greeting('en', v.name),
    paragraphs: [
      `You ordered ${v.credits} credits, to be paid by bank transfer. Please transfer ${v.total} to this account, with the reference exactly as shown: it is how we recognise your payment.`,
    ],
    details: [
      { label: 'IBAN', value: v.iban },
      { label: 'BIC', value: v.bic },
      { label: 'Beneficiary', value: v.beneficiary },
      { label: 'Amount', value: v.total },
      { label: 'Reference', value: v.reference },
      { label: 'Due date', value: v.dueDate },
    ],
    after: [
      'We add the credits as soon as the money arrives, and confirm it by e-mail. If the payment is late the order expires; money that arrives afterwards is credited all the same.',
    ],
    action: { label: 'View the order', url: v.url },
    footer: FOOTER.en,
  });
}

export function refundIssued(lang: Language, v: RefundValues): RenderedEmail {
  if (lang === 'es') {
    return render({
      subject: `Reembolso de ${v.credits} créditos`,
      greeting: greeting('es', v.name),
      paragraphs: [
        `Hemos retirado ${v.credits} créditos no usados de su cuenta y le devolvemos ${v.total}.`,
        v.paymentMethod === 'card'
          ? 'El dinero vuelve a la tarjeta con la que pagó; según su banco, puede tardar de 5 a 10 días en verse.'
          : 'Le devolveremos el dinero por transferencia bancaria a la cuenta desde la que pagó.',
        'Recibirá la factura rectificativa con la factura del mes.',
      ],
      details: [
        { label: 'Créditos', value: v.credits },
        { label: 'Importe devuelto', value: v.total },
        { label: 'Compra', value: v.purchaseId },
      ],
      action: { label: 'Ver la compra', url: v.url },
      footer: FOOTER.es,
    });
  }
  return render({
    subject: `Refund of ${v.credits} credits`,
    greeting: greeting('en', v.name),
    paragraphs: [
      `We took ${v.credits} unused credits from your account and are paying you back ${v.total}.`,
      v.paymentMethod === 'card'
        ? 'The money goes back to the card you paid with; depending on your bank it may take 5 to 10 days to show.'
        : 'We will pay the money back by bank transfer to the account you paid from.',
      'The credit note follows with the month’s invoice.',
    ],
    details: [
      { label: 'Credits', value: v.credits },
      { label: 'Amount refunded', value: v.total },
      { label: 'Purchase', value: v.purchaseId },
    ],
    action: { label: 'View the purchase', url: v.url },
    footer: FOOTER.en,
  });
}

export function lowBalance(lang: Language, v: LowBalanceValues): RenderedEmail {
  if (lang === 'es') {
    return render({
      subject: `Saldo bajo: quedan ${v.available} créditos`,
      greeting: greeting('es', v.name),
      paragraphs: [
        `Su crédito disponible ha bajado a ${v.available}, por debajo de su límite de aviso de ${v.limit}${v.defaultRule ? ' (el 10 % de su última compra)' : ''}. Cuando se acabe, los mensajes esperarán o se rechazarán.`,
        'Compre créditos para seguir enviando sin interrupción. No volveremos a avisarle hasta que el saldo supere el límite y vuelva a bajar.',
        `Puede cambiar el límite o desactivar este aviso en Mi cuenta → Preferencias: ${v.preferencesUrl}`,
      ],
      action: { label: 'Comprar créditos', url: v.buyUrl },
      footer: FOOTER.es,
    });
  }
  return render({
    subject: `Low balance: ${v.available} credits left`,
    greeting: greeting('en', v.name),
    paragraphs: [
      `Your available credit is down to ${v.available}, at or below your alert limit of ${v.limit}${v.defaultRule ? ' (10% of your last purchase)' : ''}. When it runs out, messages wait or are refused.`,
      'Buy credits to keep sending without a break. We will not tell you again until the balance has risen above the limit and fallen again.',
      `You can change the limit or turn this alert off under My account → Preferences: ${v.preferencesUrl}`,
    ],
    action: { label: 'Buy credits', url: v.buyUrl },
    footer: FOOTER.en,
  });
}
