// Messaging · Messages: every message of the account, newest first, filtered by status and
// campaign (kept in the address), paged; and one message's page: where it went and from whom,
// encoding, parts, the price used, the carrier's outcome and each status change with its time.
// A message still on its way is followed until it settles.
import { api } from '../api.js';
import { countryName } from '../countries.js';
import { h, icon, replace } from '../dom.js';
import { credits, dateTime } from '../format.js';
import { facts, list } from '../money.js';
import { navigate } from '../router.js';
import { creditsText, FINAL_STATUSES, MESSAGE_STATUSES, messagePill, partsLabel } from '../sms.js';
import { onBusyClick } from '../forms.js';

const PAGE_SIZE = 50;
const FOLLOW_MS = 2000;
const FOLLOW_FOR_MS = 5 * 60 * 1000;

/** The first line of a text, shortened for a table cell. */
function preview(text, max = 60) {
  const line = String(text ?? '')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

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
                campaigns.get(m.campaignId) ?? 'Campaign',
              )
            : h('span', { class: 'muted' }, 'Single'),
        )
      : null,
    h('td', { class: 'cell-status' }, messagePill(m.status)),
    h(
      'td',
      { class: 'num cell-credits' },
      credits(m.credits),
      m.refunded ? h('div', { class: 'muted small' }, 'refunded') : null,
    ),
  );
}

export function messagesTable(body, { campaignColumn = true } = {}) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table table-hover table-stack table-messages', 'data-testid': 'messages-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Created'),
          h('th', { scope: 'col' }, 'To'),
          h('th', { scope: 'col' }, 'Text'),
          campaignColumn ? h('th', { scope: 'col' }, 'Campaign') : null,
          h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col', class: 'num' }, 'Credits'),
        ),
      ),
      body,
    ),
  );
}

/** Campaign names by id, for the filter and the table; empty when campaigns cannot be read. */
async function campaignNames(signal) {
  try {
    const page = await api.get('/campaigns?limit=200', { signal });
    return list(page).map((c) => ({ id: c.id, name: c.name }));
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    return [];
  }
}

export async function messagesPage({ query, signal }) {
  const status = query.get('status') in MESSAGE_STATUSES ? query.get('status') : '';
  const campaignId = query.get('campaignId') ?? '';
  const body = h('tbody');
  const more = h('button', { type: 'button', class: 'button button-secondary', hidden: true }, 'Show more');
  const empty = h('p', { class: 'empty', hidden: true });
  const campaigns = await campaignNames(signal);
  const names = new Map(campaigns.map((c) => [c.id, c.name]));
  let cursor = null;

  const load = async () => {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (status) params.set('status', status);
    if (campaignId) params.set('campaignId', campaignId);
    if (cursor) params.set('cursor', cursor);
    const page = await api.get(`/messages?${params}`, { signal });
    body.append(...list(page).map((m) => messageRow(m, { campaigns: names })));
    cursor = page?.nextCursor ?? null;
    more.hidden = !cursor;
    empty.hidden = body.children.length > 0;
    replace(
      empty,
      status || campaignId
        ? 'No messages match these filters.'
        : h('span', {}, 'No messages yet. ', h('a', { href: '/send' }, 'Send your first message'), '.'),
    );
  };
  onBusyClick(more, load);

  const statusSelect = h(
    'select',
    { id: 'msg-status', name: 'status', value: status },
    h('option', { value: '' }, 'All statuses'),
    Object.entries(MESSAGE_STATUSES).map(([value, label]) => h('option', { value }, label)),
  );
  const campaignSelect = h(
    'select',
    { id: 'msg-campaign', name: 'campaignId', value: campaignId },
    h('option', { value: '' }, 'All messages'),
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
      h(
        'div',
        {},
        h('h1', {}, 'Messages'),
        h(
          'p',
          { class: 'lead' },
          'Every message you sent or scheduled, newest first. Open one to see each change of its status.',
        ),
      ),
      h('a', { href: '/send', class: 'button button-primary' }, icon('send'), 'Send SMS'),
    ),
    h(
      'div',
      { class: 'card' },
      h(
        'div',
        { class: 'toolbar', role: 'search', 'aria-label': 'Filter messages' },
        h(
          'div',
          { class: 'filters-row' },
          h(
            'div',
            { class: 'field field-inline' },
            h('label', { for: 'msg-status' }, 'Status'),
            statusSelect,
          ),
          h(
            'div',
            { class: 'field field-inline' },
            h('label', { for: 'msg-campaign' }, 'Campaign'),
            campaignSelect,
          ),
        ),
        status || campaignId ? h('a', { href: '/messages', class: 'button button-ghost' }, 'Clear') : null,
      ),
      messagesTable(body),
      empty,
      h('div', { class: 'table-more' }, more),
    ),
  );
}

const HISTORY_WORDS = {
  scheduled: 'Scheduled; its credits are held until it goes',
  queued: 'Accepted; its credits are held',
  waiting_credit: 'Waiting in the outbox for credit',
  sending: 'Handed to the carrier',
  sent: 'Taken by the carrier',
  delivered: 'Delivered to the phone',
  failed: 'Not delivered',
  canceled: 'Canceled; nothing charged',
};

function historyList(history) {
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
          h('p', { class: 'muted small timeline-note' }, e.detail ?? HISTORY_WORDS[e.status] ?? ''),
        ),
      ),
    ),
  );
}

/** What the carrier made of it, in words. */
function outcomeText(m) {
  if (m.status === 'delivered') return 'Delivered';
  if (m.status === 'failed') {
    const why = m.error ? `: ${m.error}` : '';
    return `Failed${why}. ${m.refunded ? 'Its credits were given back.' : 'Its credits were charged.'}`;
  }
  if (m.status === 'canceled') return 'Canceled before it was sent; its credits were released.';
  if (m.status === 'sent') return 'Taken by the carrier; waiting for its delivery report.';
  if (m.status === 'waiting_credit') return 'Waiting for credit: it goes out by itself when credit arrives.';
  return 'Not handed to a carrier yet.';
}

export async function messagePage({ params, signal }) {
  const id = params.id;
  const load = () => api.get(`/messages/${encodeURIComponent(id)}`, { signal });
  let message = await load();
  const status = h('span', {});
  const body = h('div', { class: 'grid grid-2' });

  const render = (m) => {
    replace(status, messagePill(m.status));
    const campaignLink = m.campaignId
      ? h('a', { href: `/campaigns/${encodeURIComponent(m.campaignId)}` }, 'Campaign')
      : 'Single message';
    replace(
      body,
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'msg-facts' },
        h('h2', { id: 'msg-facts', class: 'card-title' }, 'Message'),
        facts([
          ['To', h('span', { 'data-testid': 'message-to' }, m.to)],
          ['Country', countryName(m.country)],
          ['From', m.from ?? 'the default sender'],
          ['Sent as', campaignLink],
          m.reference ? ['Reference', m.reference] : null,
          m.scheduleAt ? ['Scheduled for', dateTime(m.scheduleAt)] : null,
          ['Created', dateTime(m.createdAt)],
        ]),
        h('h3', { class: 'subhead' }, 'Text'),
        h('p', { class: 'message-text', 'data-testid': 'message-text' }, m.text),
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'msg-cost' },
        h('h2', { id: 'msg-cost', class: 'card-title' }, 'Cost and outcome'),
        facts([
          ['Encoding', h('span', { 'data-testid': 'message-encoding' }, m.encoding)],
          ['Parts', h('span', { 'data-testid': 'message-segments' }, partsLabel(m.segments))],
          [
            'Price used',
            h(
              'span',
              { 'data-testid': 'message-price' },
              `${creditsText(m.price?.creditsPerSegment)} per part`,
              m.price?.prefix ? ` (numbers starting +${m.price.prefix})` : ` (${countryName(m.country)})`,
            ),
          ],
          ['Credits', h('strong', { 'data-testid': 'message-credits' }, creditsText(m.credits))],
          [
            'Refunded',
            h(
              'span',
              { 'data-testid': 'message-refunded' },
              m.refunded ? 'Yes, given back to your balance' : 'No',
            ),
          ],
          ['Carrier', m.carrier ?? '—'],
          ['Attempts', String(m.attempts ?? 0)],
          ['Outcome', h('span', { 'data-testid': 'message-outcome' }, outcomeText(m))],
        ]),
      ),
      h(
        'section',
        { class: 'card card-wide', 'aria-labelledby': 'msg-history' },
        h('h2', { id: 'msg-history', class: 'card-title' }, 'Status history'),
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
      if (error?.name === 'AbortError') return;
    }
    setTimeout(follow, FOLLOW_MS);
  };
  setTimeout(follow, FOLLOW_MS);

  return h(
    'section',
    { class: 'page page-wide' },
    h('p', { class: 'breadcrumb' }, h('a', { href: '/messages' }, 'Messages'), ' / ', id),
    h(
      'header',
      { class: 'page-header page-header-row' },
      h('div', {}, h('h1', {}, `Message to ${message.to}`), h('p', { class: 'lead' }, status)),
      h(
        'a',
        { href: `/send?to=${encodeURIComponent(message.to)}`, class: 'button button-secondary' },
        'Send another to this number',
      ),
    ),
    body,
  );
}
