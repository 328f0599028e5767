// The e-mails the system sends, in each language an account may choose. Every template gives
// a subject, a plain-text body and an HTML body carrying the same words.

export const LANGUAGES = ['en', 'es'] as const;
export type Language = (typeof LANGUAGES)[number];

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export interface Parts {
  subject: string;
  greeting: string;
  paragraphs: string[];
  /** Label and value lines after the paragraphs (a receipt, bank details): a table in HTML. */
  details?: { label: string; value: string }[];
  /** Paragraphs after the details. */
  after?: string[];
  action?: { label: string; url: string };
  footer: string;
}

function detailsTable(details: Parts['details']): string {
  if (!details?.length) return '';
  const rows = details
    .map(
      (d) =>
        `<tr><th scope="row" style="text-align:left;padding:4px 16px 4px 0;font-weight:normal;color:#555">${escapeHtml(d.label)}</th><td style="padding:4px 0">${escapeHtml(d.value)}</td></tr>`,
    )
    .join('\n');
  return `<table style="border-collapse:collapse;margin:0 0 16px">\n${rows}\n</table>\n`;
}

export function render(parts: Parts): RenderedEmail {
  const text = [
    parts.greeting,
    '',
    ...parts.paragraphs.flatMap((p) => [p, '']),
    ...(parts.details?.length ? [...parts.details.map((d) => `${d.label}: ${d.value}`), ''] : []),
    ...(parts.after ?? []).flatMap((p) => [p, '']),
    ...(parts.action ? [`${parts.action.label}: ${parts.action.url}`, ''] : []),
    '-- ',
    parts.footer,
    '',
  ].join('\n');
  const button = parts.action
    ? `<p><a href="${escapeHtml(parts.action.url)}" style="display:inline-block;padding:10px 18px;background:#1f6feb;color:#fff;text-decoration:none;border-radius:6px">${escapeHtml(parts.action.label)}</a></p>
<p style="font-size:12px;color:#555">${escapeHtml(parts.action.url)}</p>`
    : '';
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(parts.subject)}</title></head>
<body style="font-family:system-ui,sans-serif;line-height:1.5;color:#111;max-width:560px">
<p>${escapeHtml(parts.greeting)}</p>
${parts.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}
${detailsTable(parts.details)}${(parts.after ?? []).map((p) => `<p>${escapeHtml(p)}</p>\n`).join('')}${button}
<hr><p style="font-size:12px;color:#555">${escapeHtml(parts.footer)}</p>
</body></html>
`;
  return { subject: parts.subject, text, html };
}

export const FOOTER: Record<Language, string> = {
  en: 'Tollgate. You receive this e-mail because of your account with us.',
  es: 'Tollgate. Recibe este correo por su cuenta con nosotros.',
};

/** "Hello Ana," / "Hola, Ana:", or without a name when there is none to use. */
export function greeting(lang: Language, name: string | null): string {
  if (lang === 'es') return name ? `Hola, ${name}:` : 'Hola:';
  return name ? `Hello ${name},` : 'Hello,';
}

/** `name` null: the address is not verified and the name not safe to repeat (accounts/names.ts). */
export function verifyEmail(
  lang: Language,
  v: { name: string | null; link: string; hours: number },
): RenderedEmail {
  if (lang === 'es') {
    return render({
      subject: 'Confirme su dirección de correo',
      greeting: greeting('es', v.name),
      paragraphs: [
        'Gracias por registrarse. Confirme su dirección de correo para poder iniciar sesión.',
        `El enlace caduca en ${v.hours} horas y solo sirve una vez. Si no creó esta cuenta, ignore este correo.`,
      ],
      action: { label: 'Confirmar mi correo', url: v.link },
      footer: FOOTER.es,
    });
  }
  return render({
    subject: 'Confirm your e-mail address',
    greeting: greeting('en', v.name),
    paragraphs: [
      'Thank you for signing up. Please confirm your e-mail address so that you can log in.',
      `The link expires in ${v.hours} hours and works once. If you did not create this account, ignore this e-mail.`,
    ],
    action: { label: 'Confirm my e-mail', url: v.link },
    footer: FOOTER.en,
  });
}

export function resetPassword(
  lang: Language,
  v: { name: string | null; link: string; minutes: number },
): RenderedEmail {
  if (lang === 'es') {
    return render({
      subject: 'Restablezca su contraseña',
      greeting: greeting('es', v.name),
      paragraphs: [
        'Alguien pidió restablecer la contraseña de su cuenta. Si fue usted, elija una nueva con este enlace.',
        `El enlace caduca en ${v.minutes} minutos y solo sirve una vez. Si no lo pidió, ignore este correo: su contraseña no cambia.`,
      ],
      action: { label: 'Elegir una contraseña nueva', url: v.link },
      footer: FOOTER.es,
    });
  }
  return render({
    subject: 'Reset your password',
    greeting: greeting('en', v.name),
    paragraphs: [
      'Someone asked to reset the password of your account. If it was you, choose a new one with this link.',
      `The link expires in ${v.minutes} minutes and works once. If you did not ask for it, ignore this e-mail: your password stays as it is.`,
    ],
    action: { label: 'Choose a new password', url: v.link },
    footer: FOOTER.en,
  });
}

export function passwordChanged(lang: Language, v: { name: string; portalUrl: string }): RenderedEmail {
  if (lang === 'es') {
    return render({
      subject: 'Su contraseña ha cambiado',
      greeting: `Hola, ${v.name}:`,
      paragraphs: [
        'La contraseña de su cuenta acaba de cambiar y se han cerrado todas las sesiones abiertas.',
        `Si no fue usted, restablézcala ahora desde ${v.portalUrl} ("He olvidado mi contraseña") y avísenos.`,
      ],
      footer: FOOTER.es,
    });
  }
  return render({
    subject: 'Your password was changed',
    greeting: `Hello ${v.name},`,
    paragraphs: [
      'The password of your account was just changed, and every open session was ended.',
      `If this was not you, reset it now from ${v.portalUrl} ("Forgot your password?") and let us know.`,
    ],
    footer: FOOTER.en,
  });
}

export function accountVerified(lang: Language, v: { name: string; portalUrl: string }): RenderedEmail {
  if (lang === 'es') {
    return render({
      subject: 'Su cuenta está verificada',
      greeting: `Hola, ${v.name}:`,
      paragraphs: ['Su cuenta está verificada y activa: ya puede comprar créditos y enviar mensajes.'],
      action: { label: 'Ir al portal', url: v.portalUrl },
      footer: FOOTER.es,
    });
  }
  return render({
    subject: 'Your account is verified',
    greeting: `Hello ${v.name},`,
    paragraphs: ['Your account is verified and active: you can now buy credits and send messages.'],
    action: { label: 'Open the portal', url: v.portalUrl },
    footer: FOOTER.en,
  });
}

/** The text of the SMS carrying a mobile verification code. */
export function mobileCodeSms(lang: Language, v: { code: string; minutes: number }): string {
  return lang === 'es'
    ? `Su código de verificación de Tollgate es ${v.code}. Caduca en ${v.minutes} minutos.`
    : `Your Tollgate verification code is ${v.code}. It expires in ${v.minutes} minutes.`;
}
