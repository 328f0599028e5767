// E-mails about invoices: an invoice or a credit note issued. Same layout and languages as
// templates.ts.
import { FOOTER, greeting, type Language, type RenderedEmail, render } from './templates.js';

export interface InvoiceMailValues {
  name: string | null;
  kind: 'invoice' | 'credit_note';
  number: string;
  issueDate: string;
  /** The period invoiced, e.g. "November 2026" already in the account's language. */
  period: string;
  /** The total, formatted in the account's language. */
  total: string;
  url: string;
  /** The PDF is attached (else only the link). */
  attached: boolean;
}

export function invoiceIssued(lang: Language, v: InvoiceMailValues): RenderedEmail {
  const credit = v.kind === 'credit_note';
  if (lang === 'es') {
    const what = credit ? 'factura rectificativa' : 'factura';
    return render({
      subject: credit ? `Factura rectificativa ${v.number}` : `Su factura ${v.number} de ${v.period}`,
      greeting: greeting('es', v.name),
      paragraphs: [
        credit
          ? `Hemos emitido la factura rectificativa ${v.number} con fecha ${v.issueDate}, por un total de ${v.total}.`
          : `Hemos emitido la factura ${v.number} con fecha ${v.issueDate} por sus compras de ${v.period}, por un total de ${v.total}. Ya está pagada: no tiene que hacer nada.`,
        v.attached
          ? `Adjuntamos la ${what} en PDF. También puede descargarla, con su versión electrónica (UBL o Factur-X), en Mi cuenta → Facturas.`
          : `Puede descargar la ${what} en PDF y en formato electrónico (UBL o Factur-X) en Mi cuenta → Facturas.`,
      ],
      action: { label: credit ? 'Ver la factura rectificativa' : 'Ver la factura', url: v.url },
      footer: FOOTER.es,
    });
  }
  const what = credit ? 'credit note' : 'invoice';
  return render({
    subject: credit ? `Credit note ${v.number}` : `Your invoice ${v.number} for ${v.period}`,
    greeting: greeting('en', v.name),
    paragraphs: [
      credit
        ? `We have issued credit note ${v.number}, dated ${v.issueDate}, for a total of ${v.total}.`
        : `We have issued invoice ${v.number}, dated ${v.issueDate}, for your purchases in ${v.period}, for a total of ${v.total}. It is paid already: there is nothing to do.`,
      v.attached
        ? `The ${what} is attached as a PDF. You can also download it, with its e-invoice (UBL or Factur-X), from My Account → Invoices.`
        : `You can download the ${what} as a PDF and as an e-invoice (UBL or Factur-X) from My Account → Invoices.`,
    ],
    action: { label: credit ? 'View the credit note' : 'View the invoice', url: v.url },
    footer: FOOTER.en,
  });
}
