// @ts-check
// Messaging · One campaign: its status and outcome ("Finished · 3,899 sent · 1,101 removed"),
// counts per status, what it cost and what it was charged, what is short, the rows the import
// refused, Start or Delete for a draft, and Remove outbox for what it has not sent yet (saying
// how many credits that releases, or that none are held). The latest messages follow the counts.
import { api, idempotencyKey, isAbort } from '../api.js';
import { costPanel, wholeCredits } from '../compose.js';
import { h, icon, replace } from '../dom.js';
import { creditsText, dateTime, isPositive } from '../format.js';
import { formatNumber, t } from '../i18n.js';
import { refreshOutboxBadge } from '../layout.js';
import { facts, list, refreshBalance } from '../money.js';
import { notify, notifyError } from '../notices.js';
import { navigate } from '../router.js';
import { campaignStatusLabel, countsGrid, outboxOf, progressBar, statusLine } from './campaign-parts.js';
import { confirmDialog } from './dialog.js';
import { messageRow, messagesTable } from './messages.js';
import { releaseText } from './outbox.js';
import { sendBlocker } from './send.js';

/** @typedef {import('../api-types.js').Campaign} Campaign */
/** @typedef {import('../api-types.js').Message} Message */
/** @typedef {import('../api-types.js').Removed} Removed */
/** @typedef {{ row: number, to: string, reason: string }} InvalidRow */

const FOLLOW_MS = 3000;

function invalidRowsCard(/** @type {InvalidRow[]} */ rows, /** @type {number} */ total) {
  if (!total) return null;
  return h(
    'section',
    { class: 'card card-wide', 'aria-labelledby': 'campaign-invalid' },
    h('h2', { id: 'campaign-invalid', class: 'card-title' }, t('campaigns.one.refused', { count: total })),
    h('p', { class: 'muted small' }, t('campaigns.one.refusedText')),
    h(
      'div',
      // Scrolls on its own: reachable by keyboard, and named for screen readers.
      {
        class: 'table-wrap table-scroll',
        tabindex: '0',
        role: 'region',
        'aria-labelledby': 'campaign-invalid',
      },
      h(
        'table',
        { class: 'table table-compact', 'data-testid': 'invalid-rows' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col', class: 'num' }, t('campaigns.one.row')),
            h('th', { scope: 'col' }, t('messaging.send.number')),
            h('th', { scope: 'col' }, t('campaigns.one.why')),
          ),
        ),
        h(
          'tbody',
          {},
          rows.map((r) =>
            h(
              'tr',
              {},
              h('td', { class: 'num' }, String(r.row)),
              h('td', {}, h('code', {}, r.to || t('messaging.cost.emptyValue'))),
              h('td', {}, r.reason),
            ),
          ),
        ),
      ),
    ),
    rows.length < total
      ? h('p', { class: 'muted small' }, t('campaigns.one.firstShown', { count: rows.length }))
      : null,
  );
}

export async function campaignPage(
  /** @type {{ params: Record<string, string>, signal: AbortSignal }} */ { params, signal },
) {
  const id = params.id ?? '';
  const path = `/campaigns/${encodeURIComponent(id)}`;
  const read = async () => /** @type {Campaign} */ (await api.get(path, { signal }));
  let campaign = await read();
  const invalid = campaign.invalid
    ? /** @type {InvalidRow[]} */ (
        list(await api.get(`${path}/invalid?limit=100`, { signal }).catch(() => ({ data: [] })))
      )
    : [];

  const head = h('div', {});
  const actions = h('div', { class: 'button-row' });
  const body = h('div', { class: 'grid grid-2' });
  const messagesBody = h('tbody');
  const messagesCard = h(
    'section',
    { class: 'card card-wide', 'aria-labelledby': 'campaign-messages' },
    h(
      'div',
      { class: 'card-head' },
      h('h2', { id: 'campaign-messages', class: 'card-title' }, t('campaigns.one.latest')),
      h('a', { href: `/messages?campaignId=${encodeURIComponent(id)}` }, t('campaigns.one.allOfThem')),
    ),
    messagesTable(messagesBody, { campaignColumn: false }),
  );
  const cost = costPanel({ title: t('messaging.cost.title') });

  const loadMessages = async () => {
    try {
      const page = await api.get(`/messages?campaignId=${encodeURIComponent(id)}&limit=10`, { signal });
      replace(
        messagesBody,
        .../** @type {Message[]} */ (list(page)).map((m) => messageRow(m, { campaignColumn: false })),
      );
    } catch (error) {
      if (!isAbort(error)) replace(messagesBody);
    }
  };

  /** Reads the campaign again and redraws it with its latest messages. */
  const reload = async () => {
    campaign = await read();
    render();
    await loadMessages();
  };

  const start = async () => {
    const blocker = sendBlocker();
    if (blocker) {
      notify(blocker, { kind: 'info' });
      return;
    }
    const short = isPositive(campaign.estimate?.shortfall);
    const ok = await confirmDialog({
      title: t('campaigns.one.startTitle', { name: campaign.name }),
      text: short
        ? t('campaigns.one.startTextShort', {
            count: campaign.recipients,
            missing: creditsText(campaign.estimate.shortfall),
          })
        : t('campaigns.one.startText', { count: campaign.recipients }),
      confirm: t('campaigns.new.startCampaign'),
    });
    if (!ok) return;
    try {
      campaign = /** @type {Campaign} */ (
        await api.post(`${path}/start`, undefined, { headers: { 'idempotency-key': idempotencyKey() } })
      );
      notify(t('campaigns.one.started'));
      render();
      refreshBalance();
      refreshOutboxBadge();
      follow();
    } catch (error) {
      notifyError(error);
    }
  };

  const remove = async () => {
    const ok = await confirmDialog({
      title: t('campaigns.one.deleteTitle', { name: campaign.name }),
      text: t('campaigns.one.deleteText', { count: campaign.recipients }),
      confirm: t('campaigns.one.deleteDraft'),
      danger: true,
    });
    if (!ok) return;
    try {
      await api.delete(path);
      notify(t('campaigns.one.deleted'));
      navigate('/campaigns', { replace: true });
    } catch (error) {
      notifyError(error);
    }
  };

  const removeOutbox = async () => {
    const waiting = outboxOf(campaign);
    const ok = await confirmDialog({
      title: t('campaigns.one.removeTitle'),
      text: `${t('campaigns.one.removeText', { count: waiting, name: campaign.name })} ${releaseText(waiting, campaign.outbox?.reserved?.credits)} ${t('messaging.outbox.removeNote')}`,
      confirm: t('messaging.outbox.remove'),
      danger: true,
    });
    if (!ok) return;
    try {
      const removed = /** @type {Removed} */ (await api.delete(`${path}/outbox`));
      notify(
        t('messaging.outbox.removed', {
          count: removed.canceled,
          released: creditsText(removed.releasedCredits),
        }),
      );
      await reload();
      refreshBalance();
      refreshOutboxBadge();
    } catch (error) {
      notifyError(error);
    }
  };

  const render = () => {
    const c = campaign;
    const inOutbox = outboxOf(c);
    replace(head, h('h1', {}, c.name), h('p', { class: 'lead' }, statusLine(c)));
    replace(
      actions,
      c.status === 'draft'
        ? h(
            'button',
            { type: 'button', class: 'button button-primary', onclick: start },
            t('campaigns.one.start'),
          )
        : null,
      c.status === 'draft'
        ? h(
            'button',
            {
              type: 'button',
              class: 'button button-danger',
              onclick: remove,
              'data-testid': 'campaign-delete',
            },
            t('campaigns.one.deleteDraft'),
          )
        : null,
      inOutbox > 0
        ? h(
            'button',
            {
              type: 'button',
              class: 'button button-danger',
              onclick: removeOutbox,
              'data-testid': 'campaign-remove-outbox',
            },
            t('messaging.outbox.remove'),
          )
        : null,
    );
    cost.render({ ...c.estimate, recipients: c.recipients, segments: undefined });
    const finished = c.status === 'completed' || c.status === 'canceled';
    replace(
      body,
      h(
        'section',
        { class: 'card card-wide', 'aria-labelledby': 'campaign-status' },
        h('h2', { id: 'campaign-status', class: 'card-title' }, t('campaigns.one.byStatus')),
        progressBar(c),
        countsGrid(c),
        c.counts?.waiting_credit
          ? h(
              'p',
              { class: 'callout callout-warning', 'data-testid': 'campaign-waiting' },
              icon('clock'),
              h(
                'span',
                {},
                `${t('campaigns.one.waiting', { count: c.counts.waiting_credit })} `,
                h(
                  'a',
                  {
                    href: `/buy${isPositive(c.estimate?.shortfall) ? `?credits=${wholeCredits(c.estimate.shortfall)}` : ''}`,
                  },
                  t('shell.topUp'),
                ),
                ` ${t('campaigns.one.waitingEnd')}`,
              ),
            )
          : null,
        c.status === 'draft'
          ? h(
              'p',
              { class: 'callout callout-info' },
              icon('alert'),
              h('span', {}, t('campaigns.one.draftNote')),
            )
          : null,
      ),
      cost.node,
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'campaign-facts' },
        h('h2', { id: 'campaign-facts', class: 'card-title' }, t('shell.titles.campaign')),
        facts([
          [t('messaging.list.status'), campaignStatusLabel(c.status)],
          [t('campaigns.one.recipients'), formatNumber(c.recipients)],
          c.invalid ? [t('campaigns.one.refusedRows'), formatNumber(c.invalid)] : null,
          c.duplicates
            ? [t('campaigns.one.repeated'), t('campaigns.one.leftOut', { count: c.duplicates })]
            : null,
          finished || c.charged !== undefined
            ? [
                t('campaigns.one.charged'),
                h('span', { 'data-testid': 'campaign-charged' }, creditsText(c.charged ?? '0')),
              ]
            : null,
          [t('messaging.detail.from'), c.from ?? t('messaging.detail.defaultSender')],
          [t('messaging.list.created'), dateTime(c.createdAt)],
          c.scheduleAt ? [t('campaigns.one.startsAt'), dateTime(c.scheduleAt)] : null,
          c.startedAt ? [t('campaigns.one.startedAt'), dateTime(c.startedAt)] : null,
        ]),
        h('h3', { class: 'subhead' }, t('messaging.list.text')),
        h('p', { class: 'message-text' }, c.text),
      ),
      invalidRowsCard(invalid, c.invalid),
      messagesCard,
    );
  };
  render();
  await loadMessages();

  // Follow a campaign that is moving: the counts and the latest messages together.
  let following = false;
  const follow = () => {
    if (following) return;
    following = true;
    const tick = async () => {
      if (signal.aborted) return;
      try {
        const fresh = await read();
        const changed =
          JSON.stringify(fresh.counts) !== JSON.stringify(campaign.counts) ||
          fresh.status !== campaign.status;
        campaign = fresh;
        if (changed) {
          render();
          await loadMessages();
        }
      } catch (error) {
        if (isAbort(error)) return;
      }
      if (campaign.status === 'draft' || campaign.status === 'completed' || campaign.status === 'canceled') {
        following = false;
        return;
      }
      setTimeout(tick, FOLLOW_MS);
    };
    setTimeout(tick, FOLLOW_MS);
  };
  follow();

  return h(
    'section',
    { class: 'page page-wide' },
    h(
      'nav',
      { class: 'breadcrumb', 'aria-label': t('messaging.breadcrumb') },
      h('a', { href: '/campaigns' }, t('shell.nav.campaigns')),
      ' / ',
      id,
    ),
    h('header', { class: 'page-header page-header-row' }, head, actions),
    body,
  );
}
