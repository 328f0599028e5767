// @ts-check
// Messaging · Messages: every message of the account, newest first, filtered by status and
// campaign (kept in the address), paged; and one message's page: where it went and from whom,
// encoding, parts, the price used, the carrier's outcome and each status change with its time.
// A message still on its way is followed until it settles.
import { api, isAbort } from '../api.js';
import { countryName } from '../countries.js';
import { h, icon, replace } from '../dom.js';
import { credits, creditsText, dateTime, isPositive } from '../format.js';
import { onBusyClick } from '../forms.js';
import { formatNumber, t } from '../i18n.js';
import { facts, list } from '../money.js';
import { navigate } from '../router.js';
import { FINAL_STATUSES, MESSAGE_STATUS_ORDER, messagePill, messageStatusLabel, partsLabel } from '../sms.js';

/** @typedef {import('../api-types.js').Message} Message */
/** @typedef {import('../api-types.js').Campaign} Campaign */
/** @typedef {{ params: Record<string, string>, query: URLSearchParams, signal: AbortSignal }} PageArgs */

const PAGE_SIZE = 50;
const FOLLOW_MS = 2000;
const FOLLOW_FOR_MS = 5 * 60 * 1000;

/** The first line of a text, shortened for a table cell. */
function preview(/** @type {string} */ text, max = 60) {
  const line = String(text ?? '')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * What a message cost the account, in the table's words: held while on its way, charged once a
 * carrier took it, and nothing when canceled, released before leaving or refunded.
 * @param {Message} m
 */
function creditsCell(m) {
  if (m.status === 'canceled' || (m.status === 'failed' && m.charged === '0' && !m.refunded)) {
    return [credits('0'), h('div', { class: 'muted small' }, t('messaging.list.notCharged'))];
  }
  if (m.refunded) return [credits('0'), h('div', { class: 'muted small' }, t('messaging.list.refunded'))];
  if (m.status === 'waiting_credit') {
    return [credits(m.credits), h('div', { class: 'muted small' }, t('messaging.list.notReserved'))];
  }
  if (m.status === 'scheduled' || m.status === 'queued' || m.status === 'sending') {
    return [credits(m.credits), h('div', { class: 'muted small' }, t('messaging.list.held'))];
  }
  return [credits(m.charged ?? m.credits)];
}

/**
 * @param {Message} m
 * @param {{ campaigns?: Map<string, string>, campaignColumn?: boolean }} [options]
 */
export function messageRow(m, { campaigns = new Map(), campaignColumn = true } = {}) {
  const href = `/messages/${encodeURIComponent(m.id)}`;
  return h(
    'tr',
    { 'data-message-id': m.id, 'data-status': m.status, 'data-to': m.to },
    h('td', { class: 'nowrap cell-date' }, dateTime(m.createdAt)),
    h(
      'td',
      { class: 'cell-to' },
      h('a', { href, class: 'strong-link' }, m.to),
      h('div', { class: 'muted small' }, countryName(m.country)),
    ),
    h('td', { class: 'cell-text' }, preview(m.text)),
    campaignColumn
      ? h(
          'td',
          { class: 'cell-campaign' },
          m.campaignId
            ? h(
                'a',
                { href: `/campaigns/${encodeURIComponent(m.campaignId)}` },
                campaigns.get(m.campaignId) ?? t('messaging.list.campaign'),
              )
            : h('span', { class: 'muted' }, t('messaging.list.single')),
        )
      : null,
    h('td', { class: 'cell-status' }, messagePill(m.status)),
    h('td', { class: 'num cell-credits' }, creditsCell(m)),
  );
}

/**
 * @param {HTMLTableSectionElement} body
 * @param {{ campaignColumn?: boolean, caption?: string }} [options]
 */
export function messagesTable(body, { campaignColumn = true, caption } = {}) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table table-hover table-stack table-messages', 'data-testid': 'messages-table' },
      caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, t('messaging.list.created')),
          h('th', { scope: 'col' }, t('messaging.list.to')),
          h('th', { scope: 'col' }, t('messaging.list.text')),
          campaignColumn ? h('th', { scope: 'col' }, t('messaging.list.campaign')) : null,
          h('th', { scope: 'col' }, t('messaging.list.status')),
          h('th', { scope: 'col', class: 'num' }, t('messaging.list.credits')),
        ),
      ),
      body,
    ),
  );
}

/** Campaign names by id, for the filter and the table; empty when campaigns cannot be read. */
async function campaignNames(/** @type {AbortSignal} */ signal) {
  try {
    const page = await api.get('/campaigns?limit=200', { signal });
    return /** @type {Campaign[]} */ (list(page)).map((c) => ({ id: c.id, name: c.name }));
  } catch (error) {
    if (isAbort(error)) throw error;
    return [];
  }
}

export async function messagesPage(/** @type {PageArgs} */ { query, signal }) {
  const asked = query.get('status') ?? '';
  const status = MESSAGE_STATUS_ORDER.find((s) => s === asked) ?? '';
  const campaignId = query.get('campaignId') ?? '';
  const body = h('tbody');
  const more = h(
    'button',
    { type: 'button', class: 'button button-secondary', hidden: true },
    t('common.actions.showMore'),
  );
  const empty = h('p', { class: 'empty', hidden: true });
  const campaigns = await campaignNames(signal);
  const names = new Map(campaigns.map((c) => [c.id, c.name]));
  /** @type {string | null} */
  let cursor = null;

  const load = async () => {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (status) params.set('status', status);
    if (campaignId) params.set('campaignId', campaignId);
    if (cursor) params.set('cursor', cursor);
    const page = /** @type {import('../api-types.js').Page<Message>} */ (
      await api.get(`/messages?${params}`, { signal })
    );
    body.append(...list(page).map((/** @type {Message} */ m) => messageRow(m, { campaigns: names })));
    cursor = page?.nextCursor ?? null;
    more.hidden = !cursor;
    empty.hidden = body.children.length > 0;
    replace(
      empty,
      status || campaignId
        ? t('messaging.list.noMatch')
        : h(
            'span',
            {},
            `${t('messaging.list.none')} `,
            h('a', { href: '/send' }, t('messaging.list.sendFirst')),
            '.',
          ),
    );
  };
  onBusyClick(more, load);

  const statusSelect = h(
    'select',
    { id: 'msg-status', name: 'status', value: status },
    h('option', { value: '' }, t('messaging.list.allStatuses')),
    MESSAGE_STATUS_ORDER.map((value) => h('option', { value }, messageStatusLabel(value))),
  );
  const campaignSelect = h(
    'select',
    { id: 'msg-campaign', name: 'campaignId', value: campaignId },
    h('option', { value: '' }, t('messaging.list.allMessages')),
    campaignId && !names.has(campaignId) ? h('option', { value: campaignId }, campaignId) : null,
    campaigns.map((c) => h('option', { value: c.id }, c.name)),
  );
  const apply = () => {
    const params = new URLSearchParams();
    if (statusSelect.value) params.set('status', statusSelect.value);
    if (campaignSelect.value) params.set('campaignId', campaignSelect.value);
    const search = params.toString();
    navigate(search ? `/messages?${search}` : '/messages', { replace: true });
  };
  statusSelect.addEventListener('change', apply);
  campaignSelect.addEventListener('change', apply);

  await load();
  return h(
    'section',
    { class: 'page page-wide' },
    h(
      'header',
      { class: 'page-header page-header-row' },
      h('div', {}, h('h1', {}, t('shell.nav.messages')), h('p', { class: 'lead' }, t('messaging.list.lead'))),
      h('a', { href: '/send', class: 'button button-primary' }, icon('send'), t('shell.nav.send')),
    ),
    h(
      'div',
      { class: 'card' },
      h(
        'div',
        { class: 'toolbar', role: 'search', 'aria-label': t('messaging.list.filter') },
        h(
          'div',
          { class: 'filters-row' },
          h(
            'div',
            { class: 'field field-inline' },
            h('label', { for: 'msg-status' }, t('messaging.list.status')),
            statusSelect,
          ),
          h(
            'div',
            { class: 'field field-inline' },
            h('label', { for: 'msg-campaign' }, t('messaging.list.campaign')),
            campaignSelect,
          ),
        ),
        status || campaignId
          ? h('a', { href: '/messages', class: 'button button-ghost' }, t('common.actions.clear'))
          : null,
      ),
      messagesTable(body, { caption: t('shell.nav.messages') }),
      empty,
      h('div', { class: 'table-more' }, more),
    ),
  );
}

function historyList(/** @type {NonNullable<Message['history']>} */ history) {
  return h(
    'ol',
    { class: 'timeline', 'data-testid': 'message-history' },
    history.map((e) =>
      h(
        'li',
        { class: ['timeline-item', `timeline-${e.status}`], 'data-status': e.status },
        h('span', { class: 'timeline-dot', 'aria-hidden': 'true' }),
        h(
          'div',
          { class: 'timeline-body' },
          h(
            'p',
            { class: 'timeline-title' },
            messagePill(e.status),
            h('time', { datetime: e.at, class: 'muted small' }, ` ${dateTime(e.at)}`),
          ),
          h('p', { class: 'muted small timeline-note' }, e.detail ?? t(`messaging.history.${e.status}`)),
        ),
      ),
    ),
  );
}

/** What the carrier made of it, in words. */
function outcomeText(/** @type {Message} */ m) {
  if (m.status === 'delivered') return t('messaging.outcome.delivered');
  if (m.status === 'failed') {
    const why = m.error ? `: ${m.error}` : '';
    const credit = m.refunded
      ? t('messaging.outcome.givenBack')
      : isPositive(m.charged)
        ? t('messaging.outcome.charged')
        : t('messaging.outcome.released');
    return `${t('messaging.outcome.failed')}${why}. ${credit}`;
  }
  if (m.status === 'canceled') return t('messaging.outcome.canceled');
  if (m.status === 'sent') return t('messaging.outcome.sent');
  if (m.status === 'waiting_credit') return t('messaging.outcome.waiting');
  return t('messaging.outcome.notYet');
}

export async function messagePage(/** @type {PageArgs} */ { params, signal }) {
  const id = params.id ?? '';
  const load = async () =>
    /** @type {Message} */ (await api.get(`/messages/${encodeURIComponent(id)}`, { signal }));
  let message = await load();
  const status = h('span', {});
  const body = h('div', { class: 'grid grid-2' });

  const render = (/** @type {Message} */ m) => {
    replace(status, messagePill(m.status));
    const campaignLink = m.campaignId
      ? h('a', { href: `/campaigns/${encodeURIComponent(m.campaignId)}` }, t('messaging.list.campaign'))
      : t('messaging.detail.single');
    replace(
      body,
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'msg-facts' },
        h('h2', { id: 'msg-facts', class: 'card-title' }, t('shell.titles.message')),
        facts([
          [t('messaging.list.to'), h('span', { 'data-testid': 'message-to' }, m.to)],
          [t('messaging.cost.country'), countryName(m.country)],
          [t('messaging.detail.from'), m.from ?? t('messaging.detail.defaultSender')],
          [t('messaging.detail.sentAs'), campaignLink],
          m.reference ? [t('messaging.detail.reference'), m.reference] : null,
          m.scheduleAt ? [t('messaging.detail.scheduledFor'), dateTime(m.scheduleAt)] : null,
          [t('messaging.list.created'), dateTime(m.createdAt)],
        ]),
        h('h3', { class: 'subhead' }, t('messaging.list.text')),
        h('p', { class: 'message-text', 'data-testid': 'message-text' }, m.text),
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'msg-cost' },
        h('h2', { id: 'msg-cost', class: 'card-title' }, t('messaging.detail.costTitle')),
        facts([
          [t('messaging.detail.encoding'), h('span', { 'data-testid': 'message-encoding' }, m.encoding)],
          [
            t('messaging.detail.parts'),
            h('span', { 'data-testid': 'message-segments' }, partsLabel(m.segments)),
          ],
          [
            t('messaging.detail.price'),
            h(
              'span',
              { 'data-testid': 'message-price' },
              t('messaging.detail.perPart', { credits: creditsText(m.price?.creditsPerSegment) }),
              m.price?.prefix
                ? ` (${t('messaging.detail.prefix', { prefix: m.price.prefix })})`
                : ` (${countryName(m.country)})`,
            ),
          ],
          [
            t('messaging.list.credits'),
            h('strong', { 'data-testid': 'message-credits' }, creditsText(m.credits)),
          ],
          [
            t('messaging.detail.charged'),
            h('span', { 'data-testid': 'message-charged' }, creditsText(m.charged ?? '0')),
          ],
          [
            t('messaging.detail.refunded'),
            h(
              'span',
              { 'data-testid': 'message-refunded' },
              m.refunded ? t('messaging.detail.refundedYes') : t('messaging.detail.no'),
            ),
          ],
          [t('messaging.detail.carrier'), m.carrier ?? '—'],
          [t('messaging.detail.attempts'), formatNumber(m.attempts ?? 0)],
          [t('messaging.detail.outcome'), h('span', { 'data-testid': 'message-outcome' }, outcomeText(m))],
        ]),
      ),
      h(
        'section',
        { class: 'card card-wide', 'aria-labelledby': 'msg-history' },
        h('h2', { id: 'msg-history', class: 'card-title' }, t('messaging.detail.history')),
        historyList(m.history ?? []),
      ),
    );
  };
  render(message);

  // Follow a message on its way until it settles (or the page is left).
  const started = Date.now();
  const follow = async () => {
    if (signal.aborted || FINAL_STATUSES.includes(message.status) || Date.now() - started > FOLLOW_FOR_MS)
      return;
    try {
      message = await load();
      render(message);
    } catch (error) {
      if (isAbort(error)) return;
    }
    setTimeout(follow, FOLLOW_MS);
  };
  setTimeout(follow, FOLLOW_MS);

  return h(
    'section',
    { class: 'page page-wide' },
    h(
      'nav',
      { class: 'breadcrumb', 'aria-label': t('messaging.breadcrumb') },
      h('a', { href: '/messages' }, t('shell.nav.messages')),
      ' / ',
      id,
    ),
    h(
      'header',
      { class: 'page-header page-header-row' },
      h(
        'div',
        {},
        h('h1', {}, t('messaging.detail.title', { to: message.to })),
        h('p', { class: 'lead' }, status),
      ),
      h(
        'a',
        { href: `/send?to=${encodeURIComponent(message.to)}`, class: 'button button-secondary' },
        t('messaging.detail.sendAnother'),
      ),
    ),
    body,
  );
}
