// Two-factor authentication pieces shared by the login page and the Security page: the login
// step that asks for the code (or a recovery code) after the password, the QR code and key of
// an enrolment, and the recovery codes shown once.
import { api } from '../api.js';
import { append, h, icon } from '../dom.js';
import { field, onSubmit, submitButton, summarySlot } from '../forms.js';
import { t } from '../i18n.js';
import { notify } from '../notices.js';

/** The QR code (made by the server as an SVG data URI) and the same key for typing by hand. */
export function enrolmentBlock(enrolment) {
  const grouped = enrolment.secret.match(/.{1,4}/g)?.join(' ') ?? enrolment.secret;
  return h(
    'div',
    { class: 'two-factor-enrolment' },
    h('p', {}, t('security.twoFactor.scan')),
    h('img', {
      class: 'two-factor-qr',
      src: enrolment.qrCode,
      alt: t('security.twoFactor.qrAlt'),
      width: 200,
      height: 200,
    }),
    h('p', { class: 'muted' }, t('security.twoFactor.manual')),
    h('p', {}, h('code', { class: 'two-factor-secret', 'data-testid': 'two-factor-secret' }, grouped)),
  );
}

function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
  const link = h('a', { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The recovery codes, shown once, to copy or download; `onDone` when the user has saved them. */
export function recoveryCodesPanel(codes, onDone) {
  const list = h(
    'ol',
    { class: 'recovery-codes', 'data-testid': 'recovery-codes' },
    codes.map((c) => h('li', {}, h('code', {}, c))),
  );
  const text = `${codes.join('\n')}\n`;
  const copy = h(
    'button',
    { type: 'button', class: 'button button-secondary button-small' },
    icon('copy'),
    t('security.recovery.copy'),
  );
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      notify(t('security.recovery.copied'));
    } catch {
      getSelection()?.selectAllChildren(list);
      notify(t('security.recovery.copyFallback'), { kind: 'info' });
    }
  });
  const save = h(
    'button',
    { type: 'button', class: 'button button-secondary button-small' },
    t('security.recovery.download'),
  );
  save.addEventListener('click', () => download('tollgate-recovery-codes.txt', text));
  const done = h('button', { type: 'button', class: 'button button-primary' }, t('security.recovery.done'));
  done.addEventListener('click', () => onDone());
  return h(
    'div',
    { class: 'key-reveal', role: 'region', 'aria-label': t('security.recovery.title'), tabindex: '-1' },
    h('h2', {}, t('security.recovery.title')),
    h(
      'p',
      { class: 'callout callout-warning' },
      icon('alert'),
      h('span', {}, t('security.recovery.warning')),
    ),
    list,
    h('div', { class: 'form-actions' }, copy, save, done),
  );
}

/**
 * The login's second step. `challenge` is the answer of POST /auth/login (202); `onDone` gets
 * the session once a code is accepted (after the recovery codes, when this login enrolled).
 */
export function twoFactorStep({ challenge, enrolment }, onDone) {
  const section = h('section', {});
  let recovery = false;
  const codeHost = h('div');
  const codeField = () =>
    recovery
      ? field({
          name: 'code',
          label: t('security.fields.recoveryCode'),
          required: true,
          autocomplete: 'off',
          hint: t('security.fields.recoveryHint'),
          attrs: { autofocus: true, maxlength: 40, spellcheck: 'false' },
        })
      : field({
          name: 'code',
          label: t('security.fields.code'),
          required: true,
          autocomplete: 'one-time-code',
          hint: t('security.fields.codeHint'),
          attrs: { autofocus: true, inputmode: 'numeric', maxlength: 6, pattern: '[0-9]{6}' },
        });
  const toggle = h(
    'button',
    { type: 'button', class: 'button button-ghost button-small' },
    t('security.login.useRecovery'),
  );
  toggle.addEventListener('click', () => {
    recovery = !recovery;
    toggle.textContent = t(recovery ? 'security.login.useApp' : 'security.login.useRecovery');
    codeHost.replaceChildren(codeField());
    codeHost.querySelector('input')?.focus();
  });
  codeHost.append(codeField());
  const form = h(
    'form',
    { class: 'form', 'aria-label': t('security.login.title') },
    summarySlot(),
    codeHost,
    enrolment ? null : h('p', { class: 'form-aside' }, toggle),
    h('div', { class: 'form-actions' }, submitButton(t('security.login.verify'))),
  );
  onSubmit(form, async ({ code }) => {
    let data;
    try {
      data = await api.post('/auth/login/two-factor', { challenge, code }, { expect401: true });
    } catch (error) {
      if (error.fields?.some((f) => f.path === 'challenge')) {
        section.replaceChildren(
          h('h1', {}, t('security.login.title')),
          h('p', { class: 'callout callout-danger', role: 'alert' }, t('security.login.expired')),
          h(
            'div',
            { class: 'form-actions' },
            h('a', { href: '/login', class: 'button button-primary' }, t('security.login.backToLogin')),
          ),
        );
        return;
      }
      throw error;
    }
    if (data.recoveryCodes) {
      const panel = recoveryCodesPanel(data.recoveryCodes, () => onDone(data));
      section.replaceChildren(panel);
      panel.focus();
      return;
    }
    onDone(data);
  });
  append(section, [
    h('h1', {}, t(enrolment ? 'security.login.enrolTitle' : 'security.login.title')),
    h('p', { class: 'lead' }, t(enrolment ? 'security.login.enrolLead' : 'security.login.lead')),
    enrolment ? enrolmentBlock(enrolment) : null,
    enrolment ? h('p', {}, t('security.twoFactor.enterCode')) : null,
    form,
  ]);
  return section;
}
