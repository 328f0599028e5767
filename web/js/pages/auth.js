// Signing up, in and out of the portal: sign-up, "check your e-mail", log in, forgot and
// reset password, and the e-mail verification link's landing page.
import { api } from '../api.js';
import { h } from '../dom.js';
import { field, onSubmit, showErrors, submitButton, summarySlot } from '../forms.js';
import { notify, notifyError } from '../notices.js';
import { navigate } from '../router.js';
import { isAdmin, setSession } from '../session.js';
import { keysRevokedNote, revokeKeysField } from './key-safety.js';
import { twoFactorStep } from './two-factor.js';

const PASSWORD_HINT = 'At least 10 characters. A passphrase of a few words works well.';

function header(title, lead) {
  return [h('h1', {}, title), lead ? h('p', { class: 'lead' }, lead) : null];
}

/** Only same-site paths are followed after login (no open redirect). */
function safeNext(value, fallback) {
  return value?.startsWith('/') && !value.startsWith('//') && !value.startsWith('/login') ? value : fallback;
}

/**
 * Takes a token out of the address bar so it is not shared or bookmarked by accident; it stays
 * in this tab's history state, so a reload still finds it.
 */
function takeToken(query) {
  const token = query.get('token') ?? history.state?.token ?? null;
  if (query.has('token')) history.replaceState({ token }, '', location.pathname);
  return token;
}

export function loginPage({ query }) {
  const form = h(
    'form',
    { class: 'form', 'aria-label': 'Log in' },
    summarySlot(),
    field({
      name: 'email',
      label: 'E-mail',
      type: 'email',
      required: true,
      autocomplete: 'username',
      attrs: { autofocus: true },
    }),
    field({
      name: 'password',
      label: 'Password',
      type: 'password',
      required: true,
      autocomplete: 'current-password',
    }),
    h('p', { class: 'form-aside' }, h('a', { href: '/forgot-password' }, 'Forgot your password?')),
    h('div', { class: 'form-actions' }, submitButton('Log in')),
  );
  const unverified = h('div', { class: 'callout callout-warning', hidden: true, role: 'alert' });
  form.prepend(unverified);
  onSubmit(form, async (values) => {
    unverified.hidden = true;
    let data;
    try {
      data = await api.post('/auth/login', values, { expect401: true });
    } catch (error) {
      if (error.details?.reason === 'email_not_verified') {
        unverified.replaceChildren(
          h(
            'p',
            {},
            'Your e-mail address is not confirmed yet. Open the link we sent to ',
            h('strong', {}, values.email),
            '.',
          ),
          resendButton(values.email),
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
    finish(data);
  });
  const finish = (data) => {
    setSession(data);
    navigate(safeNext(query.get('next'), isAdmin() ? '/admin/accounts' : '/'), { replace: true });
  };
  const page = h(
    'section',
    {},
    header('Log in', 'Use the e-mail address you signed up with.'),
    form,
    h('p', { class: 'auth-switch' }, 'New to Tollgate? ', h('a', { href: '/signup' }, 'Create an account')),
  );
  return page;
}

export function signupPage() {
  const form = h(
    'form',
    { class: 'form', 'aria-label': 'Create your account' },
    summarySlot(),
    field({
      name: 'name',
      label: 'Your name or company',
      required: true,
      autocomplete: 'organization',
      attrs: { autofocus: true, maxlength: 100 },
    }),
    field({ name: 'email', label: 'Work e-mail', type: 'email', required: true, autocomplete: 'email' }),
    field({
      name: 'password',
      label: 'Password',
      type: 'password',
      required: true,
      autocomplete: 'new-password',
      hint: PASSWORD_HINT,
    }),
    h('div', { class: 'form-actions' }, submitButton('Create account')),
    h(
      'p',
      { class: 'fineprint' },
      'We will e-mail you a link to confirm your address. We never send passwords by e-mail.',
    ),
  );
  onSubmit(form, async (values) => {
    await api.post('/auth/signup', values);
    navigate(`/signup/check-email?email=${encodeURIComponent(values.email)}`);
  });
  return h(
    'section',
    {},
    header('Create your account', 'Prepaid SMS credits for the portal and the API. Credits never expire.'),
    form,
    h('p', { class: 'auth-switch' }, 'Already have an account? ', h('a', { href: '/login' }, 'Log in')),
  );
}

/** Asks for a new verification link (the answer is the same whether the address exists or not). */
function resendButton(email) {
  const button = h(
    'button',
    { type: 'button', class: 'button button-secondary button-small' },
    'Send the link again',
  );
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await api.post('/auth/verify-email/resend', { email });
      notify(`A new link is on its way to ${email}`);
    } catch (error) {
      notifyError(error);
      button.disabled = false;
    }
  });
  return button;
}

export function checkEmailPage({ query }) {
  const email = query.get('email');
  return h(
    'section',
    { class: 'auth-message' },
    h('div', { class: 'auth-illustration', 'aria-hidden': 'true' }, '✉'),
    ...header('Check your e-mail'),
    h(
      'p',
      {},
      'We sent a link to ',
      email ? h('strong', {}, email) : 'your address',
      '. Open it to confirm your e-mail address, then log in.',
    ),
    h(
      'p',
      { class: 'muted' },
      'Nothing arrived after a few minutes? Check your spam folder, or ask for a new link.',
    ),
    h(
      'div',
      { class: 'form-actions form-actions-center' },
      email ? resendButton(email) : null,
      h('a', { href: '/login', class: 'button button-primary' }, 'Go to log in'),
    ),
  );
}

export function forgotPasswordPage() {
  const body = h('div');
  const form = h(
    'form',
    { class: 'form', 'aria-label': 'Forgot password' },
    summarySlot(),
    field({
      name: 'email',
      label: 'E-mail',
      type: 'email',
      required: true,
      autocomplete: 'username',
      attrs: { autofocus: true },
    }),
    h('div', { class: 'form-actions' }, submitButton('Send reset link')),
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
          'If an account exists for ',
          h('strong', {}, values.email),
          ', we have sent it a link to choose a new password.',
        ),
        h('p', { class: 'muted' }, 'The link works once and expires soon.'),
      ),
      h(
        'div',
        { class: 'form-actions' },
        h('a', { href: '/login', class: 'button button-secondary' }, 'Back to log in'),
      ),
    );
  });
  body.append(form, h('p', { class: 'auth-switch' }, h('a', { href: '/login' }, 'Back to log in')));
  return h(
    'section',
    {},
    header('Forgot your password?', 'We will e-mail you a link to choose a new one.'),
    body,
  );
}

export function resetPasswordPage({ query }) {
  const token = takeToken(query);
  if (!token) {
    return h(
      'section',
      {},
      ...header('Choose a new password'),
      h(
        'p',
        { class: 'callout callout-danger' },
        'This link has no token. Open the link from the e-mail again, or ask for a new one.',
      ),
      h(
        'div',
        { class: 'form-actions' },
        h('a', { href: '/forgot-password', class: 'button button-secondary' }, 'Ask for a new link'),
      ),
    );
  }
  const body = h('div');
  const form = h(
    'form',
    { class: 'form', 'aria-label': 'Choose a new password' },
    summarySlot(),
    field({
      name: 'password',
      label: 'New password',
      type: 'password',
      required: true,
      autocomplete: 'new-password',
      hint: PASSWORD_HINT,
      attrs: { autofocus: true },
    }),
    field({
      name: 'confirm',
      label: 'Repeat the new password',
      type: 'password',
      required: true,
      autocomplete: 'new-password',
    }),
    revokeKeysField(),
    h('div', { class: 'form-actions' }, submitButton('Save new password')),
  );
  onSubmit(form, async ({ password, confirm, revokeApiKeys }, f) => {
    if (password !== confirm) {
      showErrors(f, [{ path: 'confirm', message: 'does not match the new password' }]);
      return;
    }
    const done = await api.post('/auth/password-reset/confirm', {
      token,
      password,
      revokeApiKeys: Boolean(revokeApiKeys),
    });
    body.replaceChildren(
      h(
        'p',
        { class: 'callout callout-success', role: 'status' },
        'Your password has been changed. Log in with the new one.',
      ),
      keysRevokedNote(done?.apiKeysRevoked ?? 0),
      h(
        'div',
        { class: 'form-actions' },
        h('a', { href: '/login', class: 'button button-primary' }, 'Log in'),
      ),
    );
  });
  body.append(form);
  return h('section', {}, header('Choose a new password'), body);
}

export async function verifyEmailPage({ query, signal }) {
  const token = takeToken(query);
  const section = h('section', { class: 'auth-message' }, ...header('Verify your e-mail'));
  if (!token) {
    section.append(
      h(
        'p',
        { class: 'callout callout-danger' },
        'This link has no token. Open the link from the e-mail again.',
      ),
    );
    return section;
  }
  try {
    await api.post('/auth/verify-email', { token }, { signal, expect401: true });
    section.append(
      h(
        'p',
        { class: 'callout callout-success', role: 'status' },
        'Your e-mail address is confirmed. You can log in now.',
      ),
      h(
        'div',
        { class: 'form-actions' },
        h('a', { href: '/login', class: 'button button-primary' }, 'Log in'),
      ),
    );
    notify('E-mail address confirmed');
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    section.append(
      h(
        'div',
        { class: 'callout callout-danger', role: 'alert' },
        h('p', {}, error.message || 'This link cannot be used.'),
        h(
          'p',
          { class: 'muted' },
          'Links work once and expire. Log in if you already confirmed, or sign up again.',
        ),
        error.requestId
          ? h('p', { class: 'notice-meta' }, 'Request id ', h('code', {}, error.requestId))
          : null,
      ),
      h(
        'div',
        { class: 'form-actions' },
        h('a', { href: '/login', class: 'button button-secondary' }, 'Go to log in'),
      ),
    );
  }
  return section;
}
