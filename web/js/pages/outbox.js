// @ts-check
// Messaging · Outbox: everything not yet handed to a carrier — scheduled, queued (credits held)
// and waiting for credit (nothing held yet; they go out by themselves when credit arrives) —
// in total and by campaign, with Remove outbox (BulkGate's button: cancel every unsent message
// and release what was held), for all of it or one campaign. Each confirmation says how many
// credits go back, or that none are held.
import { api, isAbort } from '../api.js';
import { h, icon, replace } from '../dom.js';
import { credits, creditsText, isPositive } from '../format.js';
import { formatNumber, t } from '../i18n.js';
import { refreshOutboxBadge } from '../layout.js';
import { list, refreshBalance } from '../money.js';
import { notify, notifyError } from '../notices.js';
import { confirmDialog } from './dialog.js';
import { messageRow, messagesTable } from './messages.js';

/** @typedef {import('../api-types.js').Outbox} Outbox */
/** @typedef {import('../api-types.js').OutboxCampaign} OutboxCampaign */
/** @typedef {import('../api-types.js').Message} Message */
/** @typedef {import('../api-types.js').Removed} Removed */

const FOLLOW_MS = 4000;

/** What removing `messages` messages holding `held` credits does to the balance, in words. */
export function releaseText(/** @type {number} */ messages, /** @type {string | undefined} */ held) {
  if (!messages) return '';
  return isPositive(held)
    ? t(String(held) === '1' ? 'messaging.outbox.releasesOne' : 'messaging.outbox.releases', {
        credits: creditsText(held),
      })
    : t('messaging.outbox.noneHeld');
}

export async function outboxPage(/** @type {{ signal: AbortSignal }} */ { signal }) {
  const read = async () => /** @type {Outbox} */ (await api.get('/outbox', { signal }));
  let outbox = await read();
  const totals = h('div', { class: 'outbox-totals' });
  const campaignsCard = h('section', { class: 'card card-wide', 'aria-labelledby': 'outbox-campaigns' });
  const singlesBody = h('tbody');
  const singlesCard = h(
    'section',
    { class: 'card card-wide', 'aria-labelledby': 'outbox-singles' },
    h('h2', { id: 'outbox-singles', class: 'card-title' }, t('messaging.outbox.singles')),
    messagesTable(singlesBody, { campaignColumn: false }),
  );
  const removeAll = h(
    'button',
    { type: 'button', class: 'button button-danger button-large', 'data-testid': 'remove-outbox' },
    icon('close'),
    t('messaging.outbox.remove'),
  );

  const loadSingles = async () => {
    const pages = await Promise.all(
      ['waiting_credit', 'queued', 'scheduled'].map((s) =>
        api.get(`/messages?status=${s}&limit=50`, { signal }).catch(() => ({ data: [] })),
      ),
    );
    const singles = /** @type {Message[]} */ (pages.flatMap(list)).filter((m) => !m.campaignId);
    replace(singlesBody, ...singles.map((m) => messageRow(m, { campaignColumn: false })));
    singlesCard.hidden = singles.length === 0;
  };

  const remove = async (/** @type {string} */ path) => {
    try {
      const removed = /** @type {Removed} */ (await api.delete(path));
      notify(
        t('messaging.outbox.removed', {
          count: removed.canceled,
          released: creditsText(removed.releasedCredits),
        }),
      );
      await refresh();
      refreshBalance();
      refreshOutboxBadge();
    } catch (error) {
      notifyError(error);
    }
  };

  const removeCampaign = async (/** @type {OutboxCampaign} */ c) => {
    const ok = await confirmDialog({
      title: t('messaging.outbox.removeCampaignTitle', { name: c.name }),
      text: `${t('messaging.outbox.removeCampaignText', { count: c.messages })} ${releaseText(c.messages, c.reserved?.credits)}`,
      confirm: t('messaging.outbox.remove'),
      danger: true,
    });
    if (ok) await remove(`/campaigns/${encodeURIComponent(c.campaignId)}/outbox`);
  };

  removeAll.addEventListener('click', async () => {
    const ok = await confirmDialog({
      title: t('messaging.outbox.removeTitle'),
      text: `${t('messaging.outbox.removeText', { count: outbox.messages })} ${releaseText(outbox.messages, outbox.reserved?.credits)} ${t('messaging.outbox.removeNote')}`,
      confirm: t('messaging.outbox.removeCount', { count: outbox.messages }),
      danger: true,
    });
    if (ok) await remove('/outbox');
  });

  const render = () => {
    const o = outbox;
    const empty = !o.messages;
    removeAll.hidden = empty;
    replace(
      totals,
      h(
        'div',
        { class: 'card outbox-summary' },
        h(
          'dl',
          { class: 'stat-row' },
          h(
            'div',
            { class: 'stat' },
            h('dt', {}, t('messaging.outbox.notYetSent')),
            h('dd', { 'data-testid': 'outbox-messages' }, formatNumber(o.messages)),
            h(
              'dd',
              { class: 'muted small' },
              t('messaging.outbox.inAll', { credits: creditsText(o.credits) }),
            ),
          ),
          h(
            'div',
            { class: 'stat' },
            h('dt', {}, t('messaging.outbox.reserved')),
            h('dd', { 'data-testid': 'outbox-reserved' }, formatNumber(o.reserved?.messages ?? 0)),
            h(
              'dd',
              { class: 'muted small' },
              t('messaging.outbox.held', { credits: creditsText(o.reserved?.credits ?? '0') }),
            ),
          ),
          h(
            'div',
            { class: ['stat', o.waitingCredit?.messages ? 'stat-warning' : null] },
            h('dt', {}, t('messaging.outbox.waitingCredit')),
            h('dd', { 'data-testid': 'outbox-waiting' }, formatNumber(o.waitingCredit?.messages ?? 0)),
            h(
              'dd',
              { class: 'muted small' },
              t('messaging.outbox.needed', { credits: creditsText(o.waitingCredit?.credits ?? '0') }),
            ),
          ),
        ),
        empty
          ? h('p', { class: 'empty', 'data-testid': 'outbox-empty' }, t('messaging.outbox.empty'))
          : h('div', { class: 'outbox-actions' }, removeAll),
      ),
      o.waitingCredit?.messages
        ? h(
            'p',
            { class: 'callout callout-warning' },
            icon('clock'),
            h(
              'span',
              {},
              `${t('messaging.outbox.waitingText', { count: o.waitingCredit.messages })} `,
              h('a', { href: '/buy', 'data-testid': 'outbox-topup' }, t('shell.topUp')),
              `. ${t('messaging.outbox.waitingRemove')}`,
            ),
          )
        : null,
    );
    campaignsCard.hidden = !o.byCampaign?.length;
    replace(
      campaignsCard,
      h('h2', { id: 'outbox-campaigns', class: 'card-title' }, t('messaging.outbox.byCampaign')),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'table table-stack table-outbox', 'data-testid': 'outbox-campaigns' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, t('messaging.list.campaign')),
              h('th', { scope: 'col', class: 'num' }, t('shell.nav.messages')),
              h('th', { scope: 'col', class: 'num' }, t('messaging.list.credits')),
              h(
                'th',
                { scope: 'col' },
                h('span', { class: 'visually-hidden' }, t('messaging.outbox.actions')),
              ),
            ),
          ),
          h(
            'tbody',
            {},
            (o.byCampaign ?? []).map((c) =>
              h(
                'tr',
                { 'data-campaign-id': c.campaignId },
                h(
                  'td',
                  { class: 'cell-title' },
                  h(
                    'a',
                    { href: `/campaigns/${encodeURIComponent(c.campaignId)}`, class: 'strong-link' },
                    c.name,
                  ),
                ),
                h('td', { class: 'num cell-messages' }, formatNumber(c.messages)),
                h('td', { class: 'num cell-credits' }, credits(c.credits)),
                h(
                  'td',
                  { class: 'cell-actions' },
                  h(
                    'button',
                    {
                      type: 'button',
                      class: 'button button-danger-ghost button-small',
                      onclick: () => removeCampaign(c),
                      'aria-label': t('messaging.outbox.removeOf', { name: c.name }),
                    },
                    t('messaging.outbox.removeShort'),
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  };

  const refresh = async () => {
    outbox = await read();
    render();
    await loadSingles();
  };

  render();
  await loadSingles();

  const tick = async () => {
    if (signal.aborted) return;
    try {
      const fresh = await read();
      if (JSON.stringify(fresh) !== JSON.stringify(outbox)) {
        outbox = fresh;
        render();
        await loadSingles();
      }
    } catch (error) {
      if (isAbort(error)) return;
    }
    setTimeout(tick, FOLLOW_MS);
  };
  setTimeout(tick, FOLLOW_MS);

  return h(
    'section',
    { class: 'page page-wide' },
    h(
      'header',
      { class: 'page-header page-header-row' },
      h('div', {}, h('h1', {}, t('shell.nav.outbox')), h('p', { class: 'lead' }, t('messaging.outbox.lead'))),
      h('a', { href: '/buy', class: 'button button-primary' }, icon('coins'), t('shell.topUp')),
    ),
    totals,
    campaignsCard,
    singlesCard,
  );
}
