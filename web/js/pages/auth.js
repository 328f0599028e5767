// @ts-check
// Signing up, in and out of the portal: sign-up, "check your e-mail", log in, forgot and
// reset password, and the e-mail verification link's landing page.
import { ApiError, api, isAbort } from '../api.js';
import { h, replace } from '../dom.js';
import { field, onSubmit, showErrors, submitButton, summarySlot } from '../forms.js';
import { language, setLanguage, t, tNodes } from '../i18n.js';
import { notify, notifyError } from '../notices.js';
import { navigate } from '../router.js';
import { isAdmin, loadHealth, session, setSession } from '../session.js';
import { keysRevokedNote, revokeKeysField } from './key-safety.js';
import { twoFactorStep } from './two-factor.js';

/** @typedef {{ query: URLSearchParams, signal: AbortSignal }} PageArgs */

/**
 * @param {string} title
 * @param {string} [lead]
 */
function header(title, lead) {
  return [h('h1', {}, title), lead ? h('p', { class: 'lead' }, lead) : null];
}

/** Only same-site paths are followed after login (no open redirect). */
function safeNext(/** @type {string | null} */ value, /** @type {string} */ fallback) {
  return value?.startsWith('/') && !value.startsWith('//') && !value.startsWith('/login') ? value : fallback;
}

/**
 * Takes a token out of the address bar so it is not shared or bookmarked by accident; it stays
 * in this tab's history state, so a reload still finds it.
 * @param {URLSearchParams} query
 * @returns {string | null}
 */
function takeToken(query) {
  const token = query.get('token') ?? history.state?.token ?? null;
  if (query.has('token')) history.replaceState({ token }, '', location.pathname);
  return token;
}

export function loginPage(/** @type {PageArgs} */ { query }) {
  const form = h(
    'form',
    { class: 'form', 'aria-label': t('auth.login.title') },
    summarySlot(),
    field({
      name: 'email',
      label: t('auth.email'),
      type: 'email',
      required: true,
      autocomplete: 'username',
      attrs: { autofocus: true },
    }),
    field({
      name: 'password',
      label: t('auth.password'),
      type: 'password',
      required: true,
      autocomplete: 'current-password',
    }),
    h('p', { class: 'form-aside' }, h('a', { href: '/forgot-password' }, t('auth.login.forgot'))),
    h('div', { class: 'form-actions' }, submitButton(t('auth.login.submit'))),
  );
  const unverified = h('div', { class: 'callout callout-warning', hidden: true, role: 'alert' });
  form.prepend(unverified);
  onSubmit(form, async (values) => {
    unverified.hidden = true;
    const email = String(values.email ?? '');
    let data;
    try {
      data = /** @type {import('../api-types.js').SessionAnswer} */ (
        await api.post('/auth/login', values, { expect401: true })
      );
    } catch (error) {
      if (error instanceof ApiError && error.details.reason === 'email_not_verified') {
        unverified.replaceChildren(
          h('p', {}, t('auth.login.unverified'), ' ', h('strong', {}, email), '.'),
          resendButton(email),
        );
        unverified.hidden = false;
      }
      throw error;
    }
    if (data.twoFactor) {
      page.replaceChildren(twoFactorStep(data.twoFactor, finish));
      page.querySelector('input')?.focus();
      return;
    }
    await finish(data);
  });
  const finish = async (/** @type {import('../api-types.js').SessionAnswer} */ data) => {
    setSession(data);
    // The account's language from now on (its preference), whatever this page was shown in.
    await setLanguage(data.account?.preferences?.language ?? language());
    navigate(safeNext(query.get('next'), isAdmin() ? '/admin/accounts' : '/'), { replace: true });
  };
  const page = h(
    'section',
    {},
    header(t('auth.login.title'), t('auth.login.lead')),
    form,
    h(
      'p',
      { class: 'auth-switch' },
      `${t('auth.login.new')} `,
      h('a', { href: '/signup' }, t('auth.login.create')),
    ),
  );
  return page;
}

export function signupPage() {
  const form = h(
    'form',
    { class: 'form', 'aria-label': t('auth.signup.title') },
    summarySlot(),
    field({
      name: 'name',
      label: t('auth.signup.name'),
      required: true,
      autocomplete: 'organization',
      attrs: { autofocus: true, maxlength: 100 },
    }),
    field({
      name: 'email',
      label: t('auth.signup.email'),
      type: 'email',
      required: true,
      autocomplete: 'email',
    }),
    field({
      name: 'password',
      label: t('auth.password'),
      type: 'password',
      required: true,
      autocomplete: 'new-password',
      hint: t('auth.passwordHint'),
    }),
    h('div', { class: 'form-actions' }, submitButton(t('auth.signup.submit'))),
    h('p', { class: 'fineprint' }, t('auth.signup.fineprint')),
  );
  onSubmit(form, async (values) => {
    await api.post('/auth/signup', values);
    navigate(`/signup/check-email?email=${encodeURIComponent(String(values.email ?? ''))}`);
  });
  return h(
    'section',
    {},
    header(t('auth.signup.title'), t('auth.signup.lead')),
    form,
    h(
      'p',
      { class: 'auth-switch' },
      `${t('auth.signup.already')} `,
      h('a', { href: '/login' }, t('auth.login.submit')),
    ),
  );
}

/** Asks for a new verification link (the answer is the same whether the address exists or not). */
function resendButton(/** @type {string} */ email) {
  const button = h(
    'button',
    { type: 'button', class: 'button button-secondary button-small' },
    t('auth.resend'),
  );
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await api.post('/auth/verify-email/resend', { email });
      notify(t('auth.resent', { email }));
    } catch (error) {
      notifyError(error);
      button.disabled = false;
    }
  });
  return button;
}

export function checkEmailPage(/** @type {PageArgs} */ { query }) {
  const email = query.get('email');
  return h(
    'section',
    { class: 'auth-message' },
    h('div', { class: 'auth-illustration', 'aria-hidden': 'true' }, '✉'),
    ...header(t('auth.checkEmail.title')),
    h(
      'p',
      {},
      email
        ? tNodes('auth.checkEmail.sent', { email: h('strong', {}, email) })
        : t('auth.checkEmail.sent', { email: t('auth.checkEmail.yourAddress') }),
    ),
    h('p', { class: 'muted' }, t('auth.checkEmail.nothing')),
    mailboxHint(),
    h(
      'div',
      { class: 'form-actions form-actions-center' },
      email ? resendButton(email) : null,
      h('a', { href: '/login', class: 'button button-primary' }, t('auth.goToLogin')),
    ),
  );
}

/** In the default mode (no mail server), where the e-mail is: the portal's mailbox. */
function mailboxHint() {
  const hint = h(
    'p',
    { class: 'callout callout-info', hidden: true, 'data-testid': 'mailbox-hint' },
    `${t('mailbox.checkEmail')} `,
    h('a', { href: '/mailbox', class: 'strong-link' }, t('mailbox.open')),
  );
  const show = () => {
    hint.hidden = !session.health?.mailbox;
  };
  if (session.health) show();
  else loadHealth().then(show);
  return hint;
}

export function forgotPasswordPage() {
  const body = h('div');
  const form = h(
    'form',
    { class: 'form', 'aria-label': t('auth.forgot.title') },
    summarySlot(),
    field({
      name: 'email',
      label: t('auth.email'),
      type: 'email',
      required: true,
      autocomplete: 'username',
      attrs: { autofocus: true },
    }),
    h('div', { class: 'form-actions' }, submitButton(t('auth.forgot.submit'))),
  );
  onSubmit(form, async (values) => {
    await api.post('/auth/password-reset', values);
    body.replaceChildren(
      h(
        'div',
        { class: 'callout callout-success', role: 'status' },
        h(
          'p',
          {},
          `${t('auth.forgot.ifExists')} `,
          h('strong', {}, String(values.email ?? '')),
          t('auth.forgot.sent'),
        ),
        h('p', { class: 'muted' }, t('auth.forgot.once')),
      ),
      h(
        'div',
        { class: 'form-actions' },
        h('a', { href: '/login', class: 'button button-secondary' }, t('auth.backToLogin')),
      ),
    );
  });
  body.append(form, h('p', { class: 'auth-switch' }, h('a', { href: '/login' }, t('auth.backToLogin'))));
  return h('section', {}, header(t('auth.forgot.heading'), t('auth.forgot.lead')), body);
}

export function resetPasswordPage(/** @type {PageArgs} */ { query }) {
  const token = takeToken(query);
  if (!token) {
    return h(
      'section',
      {},
      ...header(t('auth.reset.title')),
      h('p', { class: 'callout callout-danger' }, t('auth.reset.noToken')),
      h(
        'div',
        { class: 'form-actions' },
        h('a', { href: '/forgot-password', class: 'button button-secondary' }, t('auth.reset.askNew')),
      ),
    );
  }
  const body = h('div');
  const form = h(
    'form',
    { class: 'form', 'aria-label': t('auth.reset.title') },
    summarySlot(),
    field({
      name: 'password',
      label: t('auth.reset.password'),
      type: 'password',
      required: true,
      autocomplete: 'new-password',
      hint: t('auth.passwordHint'),
      attrs: { autofocus: true },
    }),
    field({
      name: 'confirm',
      label: t('auth.reset.repeat'),
      type: 'password',
      required: true,
      autocomplete: 'new-password',
    }),
    revokeKeysField(),
    h('div', { class: 'form-actions' }, submitButton(t('auth.reset.submit'))),
  );
  onSubmit(form, async ({ password, confirm, revokeApiKeys }, f) => {
    if (password !== confirm) {
      showErrors(f, [{ path: 'confirm', message: t('auth.reset.mismatch') }]);
      return;
    }
    const done = /** @type {{ apiKeysRevoked?: number }} */ (
      await api.post('/auth/password-reset/confirm', {
        token,
        password,
        revokeApiKeys: Boolean(revokeApiKeys),
      })
    );
    replace(
      body,
      h('p', { class: 'callout callout-success', role: 'status' }, t('auth.reset.done')),
      keysRevokedNote(done?.apiKeysRevoked ?? 0),
      h(
        'div',
        { class: 'form-actions' },
        h('a', { href: '/login', class: 'button button-primary' }, t('auth.login.submit')),
      ),
    );
  });
  body.append(form);
  return h('section', {}, header(t('auth.reset.title')), body);
}

export async function verifyEmailPage(/** @type {PageArgs} */ { query, signal }) {
  const token = takeToken(query);
  const section = h('section', { class: 'auth-message' }, ...header(t('auth.verify.title')));
  if (!token) {
    section.append(h('p', { class: 'callout callout-danger' }, t('auth.verify.noToken')));
    return section;
  }
  try {
    await api.post('/auth/verify-email', { token }, { signal, expect401: true });
    section.append(
      h('p', { class: 'callout callout-success', role: 'status' }, t('auth.verify.done')),
      h(
        'div',
        { class: 'form-actions' },
        h('a', { href: '/login', class: 'button button-primary' }, t('auth.login.submit')),
      ),
    );
    notify(t('auth.verify.confirmed'));
  } catch (error) {
    if (isAbort(error)) throw error;
    section.append(
      h(
        'div',
        { class: 'callout callout-danger', role: 'alert' },
        h('p', {}, (error instanceof Error && error.message) || t('auth.verify.unusable')),
        h('p', { class: 'muted' }, t('auth.verify.expired')),
        error instanceof ApiError && error.requestId
          ? h('p', { class: 'notice-meta' }, t('shell.requestId'), ' ', h('code', {}, error.requestId))
          : null,
      ),
      h(
        'div',
        { class: 'form-actions' },
        h('a', { href: '/login', class: 'button button-secondary' }, t('auth.goToLogin')),
      ),
    );
  }
  return section;
}
