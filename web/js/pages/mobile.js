// My account · Mobile number: send a code by SMS, type it in. In the sandbox, the "virtual
// phone" shows what the simulator carrier received for this account's number.
import { api } from '../api.js';
import { h, icon } from '../dom.js';
import { dateTime } from '../format.js';
import { field, onSubmit, submitButton, summarySlot } from '../forms.js';
import { notify, notifyError } from '../notices.js';
import { refreshAccount } from '../session.js';

const PHONE_POLL_MS = 2500;

function list(data) {
  if (Array.isArray(data)) return data;
  if (Array.isArray(data?.data)) return data.data;
  if (Array.isArray(data?.messages)) return data.messages;
  return [];
}

/**
 * The sandbox phone: SMS the simulator carrier received for this account's mobile. Hidden
 * when the server has no simulator (404); refreshed while the page is open.
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
        h('h2', { id: 'phone-title' }, 'Virtual phone'),
        h('p', {}, 'Sandbox: SMS sent to your mobile land here.'),
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
                h('p', { class: 'bubble-from' }, m.from ?? 'Tollgate'),
                h('p', { class: 'bubble-text' }, m.text),
                h('p', { class: 'bubble-meta' }, dateTime(m.at), m.status ? ` · ${m.status}` : ''),
              ),
            )
          : [h('li', { class: 'phone-empty' }, 'No messages yet.')]),
      );
      const screen = messages.parentElement;
      if (screen) screen.scrollTop = screen.scrollHeight;
    } catch (error) {
      if (error?.name === 'AbortError') return;
      if (error.status === 404 || error.status === 403) {
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

export async function mobilePage({ signal }) {
  let account = await refreshAccount();
  const phone = virtualPhone(signal);
  phone.load();

  const status = h('div', { class: 'mobile-status' });
  const codeForm = h(
    'form',
    { class: 'form form-inline', 'aria-label': 'Confirm the code' },
    summarySlot(),
    field({
      name: 'code',
      label: 'Code from the SMS',
      required: true,
      autocomplete: 'one-time-code',
      attrs: { inputmode: 'numeric', maxlength: 6, pattern: '[0-9]{6}', spellcheck: 'false' },
      hint: 'Six digits.',
    }),
    h('div', { class: 'form-actions' }, submitButton('Confirm')),
  );
  const sendButton = h('button', { type: 'button', class: 'button button-primary' }, 'Send code');
  const sent = h('p', { class: 'muted small sent-info', role: 'status' });
  let resendTimer = null;
  signal.addEventListener('abort', () => clearInterval(resendTimer));

  /** A new code may be asked for only after `resendAfter`; count down to it on the button. */
  const holdResend = (resendAfter) => {
    clearInterval(resendTimer);
    const until = new Date(resendAfter).getTime();
    const tick = () => {
      const seconds = Math.ceil((until - Date.now()) / 1000);
      if (!(seconds > 0)) {
        clearInterval(resendTimer);
        sendButton.disabled = false;
        sendButton.textContent = 'Send a new code';
        return;
      }
      sendButton.disabled = true;
      sendButton.textContent = `Send a new code (${seconds} s)`;
    };
    tick();
    resendTimer = setInterval(tick, 1000);
  };
  const steps = h('div', { class: 'steps' });

  const render = () => {
    const mobile = account.mobile ?? account.billing?.mobile;
    status.replaceChildren(
      h('p', { class: 'mobile-number' }, mobile ?? 'No mobile number yet'),
      account.mobileVerified
        ? h('span', { class: 'pill pill-active', 'data-testid': 'mobile-status' }, 'Verified')
        : h(
            'span',
            { class: 'pill pill-pending_verification', 'data-testid': 'mobile-status' },
            'Not verified',
          ),
    );
    if (!mobile) {
      steps.replaceChildren(
        h(
          'p',
          {},
          'Add your mobile number to your ',
          h('a', { href: '/account/billing' }, 'billing data'),
          ' first.',
        ),
      );
    } else if (account.mobileVerified) {
      steps.replaceChildren(
        h(
          'p',
          { class: 'callout callout-success' },
          'Your mobile number is verified. If you change it in your billing data, you will verify the new one.',
        ),
      );
    } else {
      steps.replaceChildren(
        h(
          'ol',
          { class: 'step-list' },
          h(
            'li',
            {},
            h('h3', {}, 'Send a code'),
            h(
              'p',
              { class: 'muted' },
              'We send a short code by SMS to the number above. Codes expire after a few minutes.',
            ),
            h('div', { class: 'button-row' }, sendButton, sent),
          ),
          h('li', {}, h('h3', {}, 'Enter the code'), codeForm),
        ),
      );
    }
  };
  render();

  sendButton.addEventListener('click', async () => {
    sendButton.disabled = true;
    try {
      const answer = await api.post('/account/mobile-verification');
      const to = answer?.to ?? account.mobile ?? account.billing?.mobile;
      notify(`Code sent to ${to}`);
      sent.textContent = answer?.expiresAt
        ? `Sent to ${to}. The code works until ${dateTime(answer.expiresAt)}.`
        : `Sent to ${to}.`;
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
    notify('Mobile number verified');
    render();
  });

  return h(
    'section',
    { class: 'page' },
    h(
      'header',
      { class: 'page-header' },
      h('h1', {}, 'Mobile number'),
      h(
        'p',
        { class: 'lead' },
        'A verified mobile number lets our team verify your account, and is needed to buy credits.',
      ),
    ),
    h('div', { class: 'split' }, h('div', { class: 'card' }, status, steps), phone.panel),
  );
}
