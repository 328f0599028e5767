// @ts-check
// My account · Mobile number: send a code by SMS, type it in. In the sandbox, the "virtual
// phone" shows what the simulator carrier received for this account's number.
import { api, isAbort, statusOf } from '../api.js';
import { h, icon, replace } from '../dom.js';
import { dateTime } from '../format.js';
import { field, onSubmit, submitButton, summarySlot } from '../forms.js';
import { t, tNodes } from '../i18n.js';
import { notify, notifyError } from '../notices.js';
import { refreshAccount, verificationPolicy } from '../session.js';

/** @typedef {import('../api-types.js').Account} Account */
/** @typedef {{ to: string, from: string | null, text: string, at: string, status: string }} PhoneMessage */

const PHONE_POLL_MS = 2500;
const PHONE_STATUSES = ['accepted', 'delivered', 'failed'];

/** @returns {PhoneMessage[]} */
function list(/** @type {any} */ data) {
  if (Array.isArray(data)) return data;
  if (Array.isArray(data?.data)) return data.data;
  if (Array.isArray(data?.messages)) return data.messages;
  return [];
}

/** What the simulator did with an SMS, in words ("delivered"). */
function phoneStatus(/** @type {string} */ status) {
  return PHONE_STATUSES.includes(status) ? t(`mobile.phone.status.${status}`) : status.replaceAll('_', ' ');
}

/**
 * The sandbox phone: SMS the simulator carrier received for this account's mobile. Hidden
 * when the server has no simulator (404); refreshed while the page is open.
 * @param {AbortSignal} signal
 */
export function virtualPhone(signal) {
  const messages = h('ol', {
    class: 'phone-messages',
    'aria-live': 'polite',
    'data-testid': 'virtual-phone-messages',
  });
  const panel = h(
    'aside',
    { class: 'phone', hidden: true, 'aria-labelledby': 'phone-title', 'data-testid': 'virtual-phone' },
    h(
      'div',
      { class: 'phone-head' },
      icon('message'),
      h(
        'div',
        {},
        h('h2', { id: 'phone-title' }, t('mobile.phone.title')),
        h('p', {}, t('mobile.phone.lead')),
      ),
    ),
    h('div', { class: 'phone-screen' }, messages),
  );
  let lastKey = '';
  const load = async () => {
    if (signal.aborted || document.visibilityState === 'hidden') return;
    try {
      const received = list(await api.get('/simulator/messages', { signal }));
      panel.hidden = false;
      // The server lists newest first; a phone shows the newest at the bottom.
      const sorted = [...received].reverse();
      const key = sorted.map((m) => `${m.at}|${m.text}|${m.status}`).join('\n');
      if (key === lastKey) return;
      lastKey = key;
      messages.replaceChildren(
        ...(sorted.length
          ? sorted.map((m) =>
              h(
                'li',
                { class: 'bubble' },
                h('p', { class: 'bubble-from' }, m.from ?? t('common.brand')),
                h('p', { class: 'bubble-text' }, m.text),
                h(
                  'p',
                  { class: 'bubble-meta' },
                  dateTime(m.at),
                  m.status ? ` · ${phoneStatus(m.status)}` : '',
                ),
              ),
            )
          : [h('li', { class: 'phone-empty' }, t('mobile.phone.empty'))]),
      );
      const screen = messages.parentElement;
      if (screen) screen.scrollTop = screen.scrollHeight;
    } catch (error) {
      if (isAbort(error)) return;
      const status = statusOf(error);
      if (status === 404 || status === 403) {
        // No simulator carrier on this server: there is no virtual phone to show.
        panel.hidden = true;
        clearInterval(timer);
      }
    }
  };
  const timer = setInterval(load, PHONE_POLL_MS);
  signal.addEventListener('abort', () => clearInterval(timer));
  return { panel, load };
}

export async function mobilePage(/** @type {{ signal: AbortSignal }} */ { signal }) {
  /** @type {Account} */
  let account = await refreshAccount();
  const phone = virtualPhone(signal);
  phone.load();

  const status = h('div', { class: 'mobile-status' });
  const codeForm = h(
    'form',
    { class: 'form form-inline', 'aria-label': t('mobile.confirm.form') },
    summarySlot(),
    field({
      name: 'code',
      label: t('mobile.confirm.code'),
      required: true,
      autocomplete: 'one-time-code',
      attrs: { inputmode: 'numeric', maxlength: 6, pattern: '[0-9]{6}', spellcheck: 'false' },
      hint: t('mobile.confirm.hint'),
    }),
    h('div', { class: 'form-actions' }, submitButton(t('mobile.confirm.button'))),
  );
  const sendButton = h('button', { type: 'button', class: 'button button-primary' }, t('mobile.send.button'));
  const sent = h('p', { class: 'muted small sent-info', role: 'status' });
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let resendTimer;
  signal.addEventListener('abort', () => clearInterval(resendTimer));

  /** A new code may be asked for only after `resendAfter`; count down to it on the button. */
  const holdResend = (/** @type {string} */ resendAfter) => {
    clearInterval(resendTimer);
    const until = new Date(resendAfter).getTime();
    const tick = () => {
      const seconds = Math.ceil((until - Date.now()) / 1000);
      if (!(seconds > 0)) {
        clearInterval(resendTimer);
        sendButton.disabled = false;
        sendButton.textContent = t('mobile.send.again');
        return;
      }
      sendButton.disabled = true;
      sendButton.textContent = t('mobile.send.againIn', { seconds });
    };
    tick();
    resendTimer = setInterval(tick, 1000);
  };
  const steps = h('div', { class: 'steps' });

  const render = () => {
    const mobile = account.mobile ?? account.billing?.mobile;
    replace(
      status,
      h('p', { class: 'mobile-number' }, mobile ?? t('mobile.none')),
      account.mobileVerified
        ? h('span', { class: 'pill pill-active', 'data-testid': 'mobile-status' }, t('mobile.verified'))
        : h(
            'span',
            { class: 'pill pill-pending_verification', 'data-testid': 'mobile-status' },
            t('mobile.notVerified'),
          ),
    );
    if (!mobile) {
      replace(
        steps,
        h(
          'p',
          {},
          tNodes('mobile.addFirst', {
            link: h('a', { href: '/account/billing' }, t('mobile.billingLink')),
          }),
        ),
      );
    } else if (account.mobileVerified) {
      replace(steps, h('p', { class: 'callout callout-success' }, t('mobile.done')));
    } else {
      replace(
        steps,
        h(
          'ol',
          { class: 'step-list' },
          h(
            'li',
            {},
            h('h3', {}, t('mobile.send.title')),
            h('p', { class: 'muted' }, t('mobile.send.text')),
            h('div', { class: 'button-row' }, sendButton, sent),
          ),
          h('li', {}, h('h3', {}, t('mobile.confirm.title')), codeForm),
        ),
      );
    }
  };
  render();

  sendButton.addEventListener('click', async () => {
    sendButton.disabled = true;
    try {
      const answer = /** @type {{ to?: string, expiresAt?: string, resendAfter?: string } | null} */ (
        await api.post('/account/mobile-verification')
      );
      const to = answer?.to ?? account.mobile ?? account.billing?.mobile ?? '';
      notify(t('mobile.send.sent', { to }));
      sent.textContent = answer?.expiresAt
        ? t('mobile.send.sentUntil', { to, until: dateTime(answer.expiresAt) })
        : t('mobile.send.sentTo', { to });
      if (answer?.resendAfter) holdResend(answer.resendAfter);
      else sendButton.disabled = false;
      codeForm.querySelector('input')?.focus();
      phone.load();
    } catch (error) {
      notifyError(error);
      sendButton.disabled = false;
    }
  });
  onSubmit(codeForm, async (values) => {
    await api.post('/account/mobile-verification/confirm', { code: values.code });
    account = await refreshAccount();
    notify(t('mobile.confirm.done'));
    render();
  });

  return h(
    'section',
    { class: 'page' },
    h(
      'header',
      { class: 'page-header' },
      h('h1', {}, t('mobile.title')),
      h('p', { class: 'lead' }, t(`mobile.lead.${verificationPolicy(account)}`)),
    ),
    h('div', { class: 'split' }, h('div', { class: 'card' }, status, steps), phone.panel),
  );
}
