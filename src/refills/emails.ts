// The e-mails of automatic refills, in English and Spanish, laid out as every other e-mail
// (notifications/templates.ts): a refill succeeded (its purchase's receipt as well), a card
// declined (with the next try), a payment that needs the customer to authenticate (with the
// link), the 30-day maximum reached, and the rule paused (with why and how to resume it).
// Written to the mail outbox in the transaction of the event that causes them (outcomes.ts).
import { INVOICE_FOLLOWS, type ReceiptValues, receiptDetails } from '../notifications/templates-money.js';
import { FOOTER, greeting, type Language, type RenderedEmail, render } from '../notifications/templates.js';
import type { PausedReason } from './rule.js';

export interface RefillMailBase {
  name: string | null;
  /** The Refills page of the portal. */
  rulesUrl: string;
}

/** A card's decline code, in words a customer understands. */
export function reasonText(lang: Language, reason: string): string {
  const en: Record<string, string> = {
    generic_decline: 'the card was declined by the bank',
    insufficient_funds: 'the card has insufficient funds',
    lost_card: 'the card was reported lost',
    stolen_card: 'the card was reported stolen',
    expired_card: 'the card has expired',
    card_removed: 'the card is no longer saved in your account',
    do_not_honor: 'the bank refused the payment',
    authentication_required: 'your bank asks you to confirm the payment',
    authentication_not_completed: 'the payment was not confirmed in time',
  };
  const es: Record<string, string> = {
    generic_decline: 'el banco rechazó la tarjeta',
    insufficient_funds: 'la tarjeta no tiene fondos suficientes',
    lost_card: 'la tarjeta figura como perdida',
    stolen_card: 'la tarjeta figura como robada',
    expired_card: 'la tarjeta ha caducado',
    card_removed: 'la tarjeta ya no está guardada en su cuenta',
    do_not_honor: 'el banco rechazó el pago',
    authentication_required: 'su banco le pide que confirme el pago',
    authentication_not_completed: 'el pago no se confirmó a tiempo',
  };
  const words = lang === 'es' ? es[reason] : en[reason];
  if (words) return words;
  return lang === 'es' ? `el pago fue rechazado (${reason})` : `the payment was declined (${reason})`;
}

/**
 * A refill credited. It is the purchase's receipt as well (the purchase core writes none of its
 * own for it): the receipt's lines, from the same helper as the receipt, and the new balance.
 */
export function refillSucceeded(
  lang: Language,
  v: RefillMailBase & ReceiptValues & { balance: string },
): RenderedEmail {
  if (lang === 'es') {
    return render({
      subject: `Recarga automática: ${v.credits} créditos añadidos`,
      greeting: greeting('es', v.name),
      paragraphs: [
        `Su saldo llegó al límite que fijó, así que hemos recargado ${v.credits} créditos con su tarjeta guardada, por ${v.total} (impuestos incluidos). Este es su recibo.`,
        `Su saldo es ahora de ${v.balance} créditos. Los mensajes que esperaban crédito salen ya por sí solos.`,
      ],
      details: receiptDetails('es', v),
      after: [
        INVOICE_FOLLOWS.es,
        `Puede cambiar o desactivar las recargas automáticas en Recargas → Recargas automáticas: ${v.rulesUrl}`,
      ],
      action: { label: 'Ver la compra', url: v.url },
      footer: FOOTER.es,
    });
  }
  return render({
    subject: `Automatic refill: ${v.credits} credits added`,
    greeting: greeting('en', v.name),
    paragraphs: [
      `Your balance reached the limit you set, so we added ${v.credits} credits with your saved card, for ${v.total} (tax included). This is your receipt.`,
      `Your balance is now ${v.balance} credits. Messages that were waiting for credit go out by themselves.`,
    ],
    details: receiptDetails('en', v),
    after: [
      INVOICE_FOLLOWS.en,
      `You can change or switch off automatic refills under Refills → Automatic refills: ${v.rulesUrl}`,
    ],
    action: { label: 'View the purchase', url: v.url },
    footer: FOOTER.en,
  });
}

/** `retryAt`: when it is tried again, already in words of the account's language. */
export function refillDeclined(
  lang: Language,
  v: RefillMailBase & { credits: string; total: string; reason: string; retryAt: string },
): RenderedEmail {
  if (lang === 'es') {
    return render({
      subject: 'Recarga automática rechazada',
      greeting: greeting('es', v.name),
      paragraphs: [
        `No pudimos recargar ${v.credits} créditos (${v.total}): ${reasonText('es', v.reason)}.`,
        `Lo intentaremos de nuevo el ${v.retryAt}. Si quiere usar otra tarjeta, cámbiela en Recargas → Recargas automáticas.`,
      ],
      action: { label: 'Revisar las recargas automáticas', url: v.rulesUrl },
      footer: FOOTER.es,
    });
  }
  return render({
    subject: 'Automatic refill declined',
    greeting: greeting('en', v.name),
    paragraphs: [
      `We could not add ${v.credits} credits (${v.total}): ${reasonText('en', v.reason)}.`,
      `We will try again on ${v.retryAt}. To use another card, change it under Refills → Automatic refills.`,
    ],
    action: { label: 'Review automatic refills', url: v.rulesUrl },
    footer: FOOTER.en,
  });
}

export function refillNeedsAuthentication(
  lang: Language,
  v: RefillMailBase & { credits: string; total: string; link: string },
): RenderedEmail {
  if (lang === 'es') {
    return render({
      subject: 'Confirme el pago de su recarga automática',
      greeting: greeting('es', v.name),
      paragraphs: [
        `Su banco pide que confirme el pago de la recarga automática de ${v.credits} créditos (${v.total}). No lo intentaremos de nuevo sin usted.`,
        'Abra el enlace, confirme el pago con su banco y volverá a Tollgate con los créditos añadidos. Hasta entonces las recargas automáticas esperan.',
      ],
      action: { label: 'Confirmar el pago', url: v.link },
      footer: FOOTER.es,
    });
  }
  return render({
    subject: 'Confirm the payment of your automatic refill',
    greeting: greeting('en', v.name),
    paragraphs: [
      `Your bank asks you to confirm the payment of the automatic refill of ${v.credits} credits (${v.total}). We will not try it again without you.`,
      'Open the link, confirm the payment with your bank, and you return to Tollgate with the credits added. Until then automatic refills wait.',
    ],
    action: { label: 'Confirm the payment', url: v.link },
    footer: FOOTER.en,
  });
}

export function refillCapReached(
  lang: Language,
  v: RefillMailBase & { maximum: number; freesAt: string },
): RenderedEmail {
  if (lang === 'es') {
    return render({
      subject: 'Recargas automáticas: alcanzado el máximo de 30 días',
      greeting: greeting('es', v.name),
      paragraphs: [
        `Su saldo está en el límite, pero ya se hicieron las ${v.maximum} recargas automáticas que permitió en los últimos 30 días, así que no hemos cobrado nada.`,
        `La próxima será posible el ${v.freesAt}. Puede comprar créditos ahora o subir el máximo en Recargas → Recargas automáticas.`,
      ],
      action: { label: 'Revisar las recargas automáticas', url: v.rulesUrl },
      footer: FOOTER.es,
    });
  }
  return render({
    subject: 'Automatic refills: 30-day maximum reached',
    greeting: greeting('en', v.name),
    paragraphs: [
      `Your balance is at the limit, but the ${v.maximum} automatic refills you allowed in the last 30 days have been made, so nothing was charged.`,
      `The next one is possible on ${v.freesAt}. You can buy credits now or raise the maximum under Refills → Automatic refills.`,
    ],
    action: { label: 'Review automatic refills', url: v.rulesUrl },
    footer: FOOTER.en,
  });
}

export function refillPaused(
  lang: Language,
  v: RefillMailBase & { reason: PausedReason; detail: string | null },
): RenderedEmail {
  const why: Record<PausedReason, { en: string; es: string }> = {
    card_declined: {
      en: 'your card was declined',
      es: 'su tarjeta fue rechazada',
    },
    authentication_required: {
      en: 'your bank asks you to confirm a payment',
      es: 'su banco le pide que confirme un pago',
    },
    card_removed: {
      en: 'the card it uses is no longer saved in your account',
      es: 'la tarjeta que usa ya no está guardada en su cuenta',
    },
    card_expired: { en: 'the card it uses has expired', es: 'la tarjeta que usa ha caducado' },
  };
  if (lang === 'es') {
    return render({
      subject: 'Recargas automáticas en pausa',
      greeting: greeting('es', v.name),
      paragraphs: [
        `Hemos puesto en pausa sus recargas automáticas porque ${why[v.reason].es}${v.detail ? ` (${reasonText('es', v.detail)})` : ''}. No cobraremos nada más hasta que las revise.`,
        'Elija una tarjeta válida y guarde la regla de nuevo en Recargas → Recargas automáticas para reanudarlas.',
      ],
      action: { label: 'Reanudar las recargas automáticas', url: v.rulesUrl },
      footer: FOOTER.es,
    });
  }
  return render({
    subject: 'Automatic refills paused',
    greeting: greeting('en', v.name),
    paragraphs: [
      `We paused your automatic refills because ${why[v.reason].en}${v.detail ? ` (${reasonText('en', v.detail)})` : ''}. Nothing more will be charged until you review them.`,
      'Choose a valid card and save the rule again under Refills → Automatic refills to resume them.',
    ],
    action: { label: 'Resume automatic refills', url: v.rulesUrl },
    footer: FOOTER.en,
  });
}
