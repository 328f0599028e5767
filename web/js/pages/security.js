// My account · Security: two-factor authentication — set it up with a QR code and a first code,
// keep the recovery codes, make new ones, or turn it off (not for operator staff where it is
// required). For customers and operator staff alike.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { dateTime } from '../format.js';
import { field, onSubmit, submitButton, summarySlot } from '../forms.js';
import { t } from '../i18n.js';
import { notify } from '../notices.js';
import { enrolmentBlock, recoveryCodesPanel } from './two-factor.js';

const passwordField = () =>
  field({
    name: 'password',
    label: t('security.fields.password'),
    type: 'password',
    required: true,
    autocomplete: 'current-password',
  });

const codeField = ({ recoveryToo = false } = {}) =>
  field({
    name: 'code',
    label: t(recoveryToo ? 'security.fields.codeOrRecovery' : 'security.fields.code'),
    required: true,
    autocomplete: 'one-time-code',
    hint: recoveryToo ? t('security.fields.recoveryHint') : t('security.fields.codeHint'),
    attrs: recoveryToo ? { maxlength: 40, spellcheck: 'false' } : { inputmode: 'numeric', maxlength: 6 },
  });

function statusPill(status) {
  return status.enabled
    ? h('span', { class: 'pill pill-active', 'data-testid': 'two-factor-status' }, t('security.twoFactor.on'))
    : h('span', { class: 'pill', 'data-testid': 'two-factor-status' }, t('security.twoFactor.off'));
}

export async function securityPage({ signal }) {
  const body = h('div');
  const reveal = h('div');

  const showCodes = (codes) => {
    const panel = recoveryCodesPanel(codes, async () => {
      reveal.replaceChildren();
      await load();
    });
    reveal.replaceChildren(panel);
    panel.focus();
  };

  /** Turned off: a button, then the password, then the QR code and the first code. */
  const offCard = () => {
    const steps = h('div');
    const start = h(
      'button',
      { type: 'button', class: 'button button-primary' },
      t('security.twoFactor.setUp'),
    );
    const passwordForm = onSubmit(
      h(
        'form',
        { class: 'form', 'aria-label': t('security.twoFactor.setUp') },
        summarySlot(),
        h('p', {}, t('security.twoFactor.confirmPassword')),
        passwordField(),
        h('div', { class: 'form-actions' }, submitButton(t('security.twoFactor.continue'))),
      ),
      async ({ password }) => {
        const enrolment = await api.post('/auth/two-factor/setup', { password });
        const codeForm = onSubmit(
          h(
            'form',
            { class: 'form', 'aria-label': t('security.twoFactor.turnOn') },
            summarySlot(),
            h('p', {}, t('security.twoFactor.enterCode')),
            codeField(),
            h('div', { class: 'form-actions' }, submitButton(t('security.twoFactor.turnOn'))),
          ),
          async ({ code }) => {
            const { recoveryCodes } = await api.post('/auth/two-factor/enable', { code });
            notify(t('security.twoFactor.turnedOn'));
            showCodes(recoveryCodes);
          },
        );
        steps.replaceChildren(enrolmentBlock(enrolment), codeForm);
        codeForm.querySelector('input')?.focus();
      },
    );
    start.addEventListener('click', () => {
      steps.replaceChildren(passwordForm);
      passwordForm.querySelector('input')?.focus();
    });
    steps.append(start);
    return [h('p', {}, t('security.twoFactor.explainOff')), steps];
  };

  /** Turned on: recovery codes left, new ones, and turning it off where that is allowed. */
  const onCard = (status) => {
    const renew = onSubmit(
      h(
        'form',
        { class: 'form security-section', 'aria-label': t('security.twoFactor.newCodes') },
        summarySlot(),
        h('h3', {}, t('security.twoFactor.newCodes')),
        h('p', { class: 'muted' }, t('security.twoFactor.newCodesHint')),
        h('div', { class: 'form-grid' }, passwordField(), codeField({ recoveryToo: true })),
        h('div', { class: 'form-actions' }, submitButton(t('security.twoFactor.makeCodes'), 'secondary')),
      ),
      async (values, form) => {
        const { recoveryCodes } = await api.post('/auth/two-factor/recovery-codes', values);
        form.reset();
        showCodes(recoveryCodes);
      },
    );
    const off = status.required
      ? h('p', { class: 'callout callout-info' }, t('security.twoFactor.required'))
      : onSubmit(
          h(
            'form',
            { class: 'form security-section', 'aria-label': t('security.twoFactor.turnOff') },
            summarySlot(),
            h('h3', {}, t('security.twoFactor.turnOff')),
            h('p', { class: 'muted' }, t('security.twoFactor.turnOffHint')),
            h('div', { class: 'form-grid' }, passwordField(), codeField({ recoveryToo: true })),
            h('div', { class: 'form-actions' }, submitButton(t('security.twoFactor.confirmOff'), 'danger')),
          ),
          async (values) => {
            await api.post('/auth/two-factor/disable', values);
            notify(t('security.twoFactor.turnedOff'));
            await load();
          },
        );
    return [
      h(
        'p',
        {},
        t('security.twoFactor.explainOn'),
        ' ',
        t('security.twoFactor.codesLeft', { count: status.recoveryCodesLeft }),
      ),
      renew,
      off,
    ];
  };

  const load = async () => {
    const status = await api.get('/auth/two-factor', { signal });
    replace(
      body,
      h(
        'div',
        { class: 'card-title-row' },
        h('h2', { class: 'card-title' }, t('security.twoFactor.title')),
        statusPill(status),
      ),
      status.enabledAt
        ? h('p', { class: 'muted' }, t('security.twoFactor.onSince', { date: dateTime(status.enabledAt) }))
        : null,
      ...(status.enabled ? onCard(status) : offCard()),
    );
  };

  await load();
  return h(
    'section',
    { class: 'page' },
    h(
      'header',
      { class: 'page-header' },
      h('h1', {}, t('security.title')),
      h('p', { class: 'lead' }, t('security.lead')),
    ),
    reveal,
    h('div', { class: 'card' }, body),
  );
}
