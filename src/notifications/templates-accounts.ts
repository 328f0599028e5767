// E-mails about the safety of an account: a sign-up tried with an address that has an account,
// and two-factor authentication turned on or off. Same layout and languages as templates.ts.
import { FOOTER, greeting, type Language, type RenderedEmail, render } from './templates.js';

/**
 * To the owner of an address someone tried to sign up with. It repeats nothing the person who
 * tried typed (not even the name): the address may never have been proved, and sign-up must not
 * relay a stranger's words to it.
 */
export function signupAttempted(lang: Language, v: { loginUrl: string; resetUrl: string }): RenderedEmail {
  if (lang === 'es') {
    return render({
      subject: 'Alguien intentó registrarse con su dirección',
      greeting: greeting('es', null),
      paragraphs: [
        'Alguien (quizá usted) intentó crear una cuenta de Tollgate con esta dirección de correo, que ya tiene una.',
        `Si fue usted, inicie sesión en ${v.loginUrl}. Si no recuerda la contraseña, elija una nueva desde el enlace de abajo: el correo que le enviaremos entonces también confirma su dirección.`,
        'Si no fue usted, ignore este correo: no ha cambiado nada en su cuenta.',
      ],
      action: { label: 'Elegir una contraseña nueva', url: v.resetUrl },
      footer: FOOTER.es,
    });
  }
  return render({
    subject: 'Someone tried to sign up with your address',
    greeting: greeting('en', null),
    paragraphs: [
      'Someone (perhaps you) tried to create a Tollgate account with this e-mail address, which already has one.',
      `If it was you, log in at ${v.loginUrl}. If you do not remember the password, choose a new one from the link below: the e-mail we then send also confirms your address.`,
      'If it was not you, ignore this e-mail: nothing has changed in your account.',
    ],
    action: { label: 'Choose a new password', url: v.resetUrl },
    footer: FOOTER.en,
  });
}

export function twoFactorChanged(
  lang: Language,
  v: { name: string; enabled: boolean; securityUrl: string },
): RenderedEmail {
  if (lang === 'es') {
    return render({
      subject: v.enabled ? 'Verificación en dos pasos activada' : 'Verificación en dos pasos desactivada',
      greeting: greeting('es', v.name),
      paragraphs: [
        v.enabled
          ? 'Desde ahora, al iniciar sesión le pediremos también un código de su aplicación de autenticación.'
          : 'Ya no le pediremos un código al iniciar sesión: basta con la contraseña.',
        'Si no fue usted, cambie su contraseña enseguida y revise la página Seguridad de su cuenta.',
      ],
      action: { label: 'Abrir Seguridad', url: v.securityUrl },
      footer: FOOTER.es,
    });
  }
  return render({
    subject: v.enabled ? 'Two-factor authentication is on' : 'Two-factor authentication is off',
    greeting: greeting('en', v.name),
    paragraphs: [
      v.enabled
        ? 'From now on, logging in also asks for a code from your authenticator app.'
        : 'Logging in no longer asks for a code: the password alone is enough.',
      'If this was not you, change your password at once and check the Security page of your account.',
    ],
    action: { label: 'Open Security', url: v.securityUrl },
    footer: FOOTER.en,
  });
}
