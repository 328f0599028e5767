// @ts-check
// Messaging · Campaigns: the list, newest first, each with its status and outcome, a progress
// bar and its cost. A new campaign is made in campaign-new.js; one campaign's page is
// campaign.js; what they share is campaign-parts.js.
import { api } from '../api.js';
import { h, icon } from '../dom.js';
import { credits, dateTime } from '../format.js';
import { onBusyClick } from '../forms.js';
import { t } from '../i18n.js';
import { list } from '../money.js';
import { campaignPill, outcomeLine, progressBar } from './campaign-parts.js';

/** @typedef {import('../api-types.js').Campaign} Campaign */

function campaignRow(/** @type {Campaign} */ c) {
  return h(
    'tr',
    { 'data-campaign-id': c.id, 'data-status': c.status },
    h('td', { class: 'nowrap cell-date' }, dateTime(c.createdAt)),
    h(
      'td',
      { class: 'cell-title' },
      h('a', { href: `/campaigns/${encodeURIComponent(c.id)}`, class: 'strong-link' }, c.name),
      h(
        'div',
        { class: 'muted small' },
        t('campaigns.list.recipients', { count: c.recipients }),
        c.invalid ? ` · ${t('campaigns.list.refusedRows', { count: c.invalid })}` : '',
      ),
    ),
    h('td', { class: 'cell-status' }, campaignPill(c.status)),
    h(
      'td',
      { class: 'cell-progress' },
      progressBar(c, true),
      h('span', { class: 'muted small' }, outcomeLine(c)),
      c.counts?.waiting_credit
        ? h(
            'div',
            { class: 'small text-warning' },
            t('campaigns.list.waiting', { count: c.counts.waiting_credit }),
          )
        : null,
    ),
    h('td', { class: 'num cell-credits' }, credits(c.estimate?.credits)),
  );
}

export async function campaignsPage(/** @type {{ signal: AbortSignal }} */ { signal }) {
  const body = h('tbody');
  const more = h(
    'button',
    { type: 'button', class: 'button button-secondary', hidden: true },
    t('common.actions.showMore'),
  );
  const empty = h(
    'p',
    { class: 'empty', hidden: true },
    `${t('campaigns.list.none')} `,
    h('a', { href: '/campaigns/new' }, t('campaigns.list.createFirst')),
    ` ${t('campaigns.list.fromWhere')}`,
  );
  /** @type {string | null} */
  let cursor = null;
  const load = async () => {
    const params = new URLSearchParams({ limit: '25' });
    if (cursor) params.set('cursor', cursor);
    const page = /** @type {import('../api-types.js').Page<Campaign>} */ (
      await api.get(`/campaigns?${params}`, { signal })
    );
    body.append(...list(page).map(campaignRow));
    cursor = page?.nextCursor ?? null;
    more.hidden = !cursor;
    empty.hidden = body.children.length > 0;
  };
  onBusyClick(more, load);
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
        h('h1', {}, t('shell.nav.campaigns')),
        h(
          'p',
          { class: 'lead' },
          `${t('campaigns.list.lead')} `,
          h('a', { href: '/outbox' }, t('campaigns.list.outbox')),
          ` ${t('campaigns.list.leadEnd')}`,
        ),
      ),
      h(
        'a',
        { href: '/campaigns/new', class: 'button button-primary' },
        icon('campaign'),
        t('shell.titles.newCampaign'),
      ),
    ),
    h(
      'div',
      { class: 'card' },
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'table table-hover table-stack table-campaigns', 'data-testid': 'campaigns-table' },
          h('caption', { class: 'visually-hidden' }, t('shell.nav.campaigns')),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, t('messaging.list.created')),
              h('th', { scope: 'col' }, t('messaging.list.campaign')),
              h('th', { scope: 'col' }, t('messaging.list.status')),
              h('th', { scope: 'col' }, t('campaigns.list.progress')),
              h('th', { scope: 'col', class: 'num' }, t('messaging.list.credits')),
            ),
          ),
          body,
        ),
      ),
      empty,
      h('div', { class: 'table-more' }, more),
    ),
  );
}
