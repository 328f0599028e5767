// @ts-check
// Mailbox (default mode only): the e-mails this server wrote to its data folder, read in the
// page, so a newcomer opens the verification link without opening files. Who sees what is the
// server's decision (GET /mailbox answers with a scope): operator staff every e-mail, a logged-in
// user those to their own address, a browser that is not logged in the verification e-mail of
// the sign-up it made. The list refreshes itself while the page is open.
import { api } from '../api.js';
import { h, icon } from '../dom.js';
import { dateTime } from '../format.js';
import { t } from '../i18n.js';
import { notifyError } from '../notices.js';
import { loadHealth, session } from '../session.js';

/** @typedef {{ id: string, to: string, subject: string, at: string, template: string | null }} MailSummary */
/** @typedef {MailSummary & { text: string }} Mail */
/** @typedef {{ scope: 'all' | 'own' | 'signup', data: MailSummary[] }} MailList */
/** @typedef {{ params: Record<string, string>, query: URLSearchParams, signal: AbortSignal }} PageArgs */

const REFRESH_MS = 3000;
const LINK = /(https?:\/\/[^\s<>"]+)/g;

/** The text with its web addresses as links (everything else stays text). */
function linkified(/** @type {string} */ text) {
  return text
    .split(LINK)
    .map((part, i) => (i % 2 === 1 ? h('a', { href: part, class: 'mail-link' }, part) : part));
}

/** @param {PageArgs} args */
export async function mailboxPage({ query, signal }) {
  if (!session.health) await loadHealth();
  const page = h('section', { class: 'page mailbox-page' });
  const heading = h(
    'header',
    { class: 'page-header' },
    h('h1', {}, t('mailbox.title')),
    h('p', { class: 'lead' }, t('mailbox.lead')),
  );
  if (!session.health?.mailbox) {
    page.append(heading, h('p', { class: 'callout callout-info' }, t('mailbox.unavailable')));
    return page;
  }

  const scopeNote = h('p', { class: 'muted', 'data-testid': 'mailbox-scope' });
  const listHost = h('div', { class: 'mail-list', 'data-testid': 'mailbox-list' });
  const reader = h('div', { class: 'mail-reader', 'aria-live': 'polite', 'data-testid': 'mailbox-reader' });
  /** @type {string | null} */
  let openId = query.get('id');
  /** @type {string | null} */
  let shown = null;

  const open = async (/** @type {string} */ id) => {
    openId = id;
    for (const item of listHost.querySelectorAll('[aria-current]')) item.removeAttribute('aria-current');
    listHost.querySelector(`[data-mail-id="${CSS.escape(id)}"]`)?.setAttribute('aria-current', 'true');
    const mail = /** @type {Mail} */ (await api.get(`/mailbox/${encodeURIComponent(id)}`, { signal }));
    reader.replaceChildren(
      h(
        'article',
        { class: 'card mail' },
        h('h2', { class: 'mail-heading', 'data-user-content': '' }, mail.subject),
        h(
          'dl',
          { class: 'facts' },
          h('dt', {}, t('mailbox.to')),
          h('dd', {}, mail.to),
          h('dt', {}, t('mailbox.written')),
          h('dd', {}, dateTime(mail.at)),
        ),
        h(
          'pre',
          { class: 'mail-text', tabindex: '0', 'aria-label': t('mailbox.text'), 'data-user-content': '' },
          linkified(mail.text),
        ),
      ),
    );
  };

  const render = (/** @type {MailList} */ answer) => {
    scopeNote.textContent = t(`mailbox.scope.${answer.scope}`, { email: session.user?.email ?? '' });
    const key = answer.data.map((m) => m.id).join(',');
    if (key === shown) return;
    shown = key;
    if (answer.data.length === 0) {
      listHost.replaceChildren(
        h('p', { class: 'empty' }, t(answer.scope === 'signup' ? 'mailbox.emptySignup' : 'mailbox.empty')),
      );
      return;
    }
    listHost.replaceChildren(
      h(
        'ul',
        { class: 'plain-list mail-items', 'data-user-content': '' },
        answer.data.map((m) =>
          h(
            'li',
            {},
            h(
              'button',
              {
                type: 'button',
                class: 'mail-item',
                'data-mail-id': m.id,
                'aria-current': m.id === openId ? 'true' : null,
                onclick: () => open(m.id).catch(notifyError),
              },
              h('strong', { class: 'mail-subject' }, m.subject),
              h('span', { class: 'muted small' }, `${m.to} · ${dateTime(m.at)}`),
            ),
          ),
        ),
      ),
    );
    if (!openId || !answer.data.some((m) => m.id === openId)) {
      const first = answer.data[0];
      if (first) open(first.id).catch(notifyError);
    }
  };

  const load = async () => render(/** @type {MailList} */ (await api.get('/mailbox', { signal })));
  await load();
  if (openId && !reader.childElementCount) await open(openId).catch(notifyError);
  const timer = setInterval(() => {
    if (document.visibilityState === 'hidden') return;
    load().catch(() => undefined); // the next round tries again; the list keeps what it showed
  }, REFRESH_MS);
  signal.addEventListener('abort', () => clearInterval(timer));

  const refresh = h(
    'button',
    { type: 'button', class: 'button button-secondary button-small' },
    icon('mail'),
    t('mailbox.refresh'),
  );
  refresh.addEventListener('click', () => load().catch(notifyError));

  page.append(
    heading,
    h('div', { class: 'toolbar' }, scopeNote, refresh),
    h('div', { class: 'mailbox-panes' }, h('div', { class: 'card' }, listHost), reader),
  );
  return page;
}
