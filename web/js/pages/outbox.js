// Messaging · Outbox: everything not yet handed to a carrier — scheduled, queued (credits held)
// and waiting for credit (nothing held yet; they go out by themselves when credit arrives) —
// in total and by campaign, with Remove outbox (BulkGate's button: cancel every unsent message
// and release what was held), for all of it or one campaign.
import { api } from '../api.js';
import { h, icon, replace } from '../dom.js';
import { credits } from '../format.js';
import { refreshOutboxBadge } from '../layout.js';
import { list, refreshBalance } from '../money.js';
import { creditsText } from '../sms.js';
import { notify, notifyError } from '../notices.js';
import { messageRow, messagesTable } from './messages.js';
import { confirmDialog } from './dialog.js';

const FOLLOW_MS = 4000;

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

export async function outboxPage({ signal }) {
  let outbox = await api.get('/outbox', { signal });
  const totals = h('div', { class: 'outbox-totals' });
  const campaignsCard = h('section', { class: 'card card-wide', 'aria-labelledby': 'outbox-campaigns' });
  const singlesBody = h('tbody');
  const singlesCard = h(
    'section',
    { class: 'card card-wide', 'aria-labelledby': 'outbox-singles' },
    h('h2', { id: 'outbox-singles', class: 'card-title' }, 'Single messages in the outbox'),
    messagesTable(singlesBody, { campaignColumn: false }),
  );
  const removeAll = h(
    'button',
    { type: 'button', class: 'button button-danger button-large', 'data-testid': 'remove-outbox' },
    icon('close'),
    'Remove outbox',
  );

  const loadSingles = async () => {
    const pages = await Promise.all(
      ['waiting_credit', 'queued', 'scheduled'].map((s) =>
        api.get(`/messages?status=${s}&limit=50`, { signal }).catch(() => ({ data: [] })),
      ),
    );
    const singles = pages.flatMap(list).filter((m) => !m.campaignId);
    replace(singlesBody, ...singles.map((m) => messageRow(m, { campaignColumn: false })));
    singlesCard.hidden = singles.length === 0;
  };

  const removeCampaign = async (c) => {
    const ok = await confirmDialog({
      title: `Remove the outbox of “${c.name}”?`,
      text: `${plural(c.messages, 'message', 'messages')} of this campaign not yet handed to a carrier will be canceled, and the credits held for them go back to your balance.`,
      confirm: 'Remove outbox',
      danger: true,
    });
    if (ok) await remove(`/campaigns/${encodeURIComponent(c.campaignId)}/outbox`);
  };

  const remove = async (path) => {
    try {
      const removed = await api.delete(path);
      notify(
        `${plural(removed.canceled, 'message', 'messages')} canceled; ${creditsText(removed.releasedCredits)} released to your balance.`,
      );
      await refresh();
      refreshBalance();
      refreshOutboxBadge();
    } catch (error) {
      notifyError(error);
    }
  };

  removeAll.addEventListener('click', async () => {
    const held = outbox.reserved?.credits ?? '0';
    const ok = await confirmDialog({
      title: 'Remove outbox?',
      text: `All ${plural(outbox.messages, 'message', 'messages')} not yet handed to a carrier will be canceled${
        outbox.reserved?.messages
          ? `, and the ${creditsText(held)} held for them ${held === '1' ? 'goes' : 'go'} back to your balance`
          : ''
      }. Messages already sent are not touched. This cannot be undone.`,
      confirm: `Remove ${plural(outbox.messages, 'message', 'messages')}`,
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
            h('dt', {}, 'Not yet sent'),
            h('dd', { 'data-testid': 'outbox-messages' }, String(o.messages)),
            h('dd', { class: 'muted small' }, `${creditsText(o.credits)} in all`),
          ),
          h(
            'div',
            { class: 'stat' },
            h('dt', {}, 'Reserved (credits held)'),
            h('dd', { 'data-testid': 'outbox-reserved' }, String(o.reserved?.messages ?? 0)),
            h('dd', { class: 'muted small' }, `${creditsText(o.reserved?.credits ?? '0')} held`),
          ),
          h(
            'div',
            { class: ['stat', o.waitingCredit?.messages ? 'stat-warning' : null] },
            h('dt', {}, 'Waiting for credit'),
            h('dd', { 'data-testid': 'outbox-waiting' }, String(o.waitingCredit?.messages ?? 0)),
            h('dd', { class: 'muted small' }, `${creditsText(o.waitingCredit?.credits ?? '0')} needed`),
          ),
        ),
        empty
          ? h(
              'p',
              { class: 'empty', 'data-testid': 'outbox-empty' },
              'The outbox is empty: every message has been handed to a carrier.',
            )
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
              `${plural(o.waitingCredit.messages, 'message is', 'messages are')} waiting for credit. They go out by themselves, oldest first, as soon as credit arrives — `,
              h('a', { href: '/buy', 'data-testid': 'outbox-topup' }, 'Top up'),
              '. If you no longer want them sent, remove them.',
            ),
          )
        : null,
    );
    campaignsCard.hidden = !o.byCampaign?.length;
    replace(
      campaignsCard,
      h('h2', { id: 'outbox-campaigns', class: 'card-title' }, 'By campaign'),
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
              h('th', { scope: 'col' }, 'Campaign'),
              h('th', { scope: 'col', class: 'num' }, 'Messages'),
              h('th', { scope: 'col', class: 'num' }, 'Credits'),
              h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')),
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
                h('td', { class: 'num cell-messages' }, String(c.messages)),
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
                    },
                    'Remove',
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
    outbox = await api.get('/outbox', { signal });
    render();
    await loadSingles();
  };

  render();
  await loadSingles();

  const tick = async () => {
    if (signal.aborted) return;
    try {
      const fresh = await api.get('/outbox', { signal });
      if (JSON.stringify(fresh) !== JSON.stringify(outbox)) {
        outbox = fresh;
        render();
        await loadSingles();
      }
    } catch (error) {
      if (error?.name === 'AbortError') return;
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
      h(
        'div',
        {},
        h('h1', {}, 'Outbox'),
        h(
          'p',
          { class: 'lead' },
          'Messages not yet handed to a carrier: scheduled, queued, and waiting for credit. Waiting messages go out by themselves when credit arrives.',
        ),
      ),
      h('a', { href: '/buy', class: 'button button-primary' }, icon('coins'), 'Top up'),
    ),
    totals,
    campaignsCard,
    singlesCard,
  );
}
