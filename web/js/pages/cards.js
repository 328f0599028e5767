// Payments · Saved cards: the cards kept with Stripe for purchases and automatic refills. Adding
// one happens on Stripe's page (POST /cards/setup gives its address), which sends the customer
// back here with ?attempt=<id>&setup=success|cancel; a card the bank declined there is named
// here with the bank's reason (GET /cards/setup/<id>). Removing one detaches it at Stripe.
import { api } from '../api.js';
import { h, icon } from '../dom.js';
import { t, tNodes } from '../i18n.js';
import { notify, notifyError } from '../notices.js';
import { list } from '../money.js';
import { cardExpiry, cardLabel } from './buy.js';
import { confirmDialog } from './dialog.js';

/** The month a card stops working has passed. */
function expired(card) {
  const now = new Date();
  return (
    card.expYear < now.getFullYear() ||
    (card.expYear === now.getFullYear() && card.expMonth < now.getMonth() + 1)
  );
}

/** The bank's reason, in words, when the card-adding attempt `attempt` was declined; else null. */
async function declinedSetup(/** @type {string | null} */ attempt, /** @type {AbortSignal} */ signal) {
  if (!attempt) return null;
  try {
    const result = await api.get(`/cards/setup/${encodeURIComponent(attempt)}`, { signal });
    if (result?.status !== 'declined') return null;
    const known = ['generic_decline', 'insufficient_funds', 'setup_intent_authentication_failure'];
    return t(`cards.setup.reasons.${known.includes(result.reason) ? result.reason : 'other'}`);
  } catch {
    return null; // an old link or Stripe not answering: the plain message below will do
  }
}

export async function cardsPage({ query, signal }) {
  const setup = query.get('setup');
  const host = h('div');
  const addButton = h(
    'button',
    { type: 'button', class: 'button button-primary' },
    icon('card'),
    t('cards.add'),
  );
  let available = true;

  const load = async () => {
    let cards;
    try {
      cards = list(await api.get('/cards', { signal }));
    } catch (error) {
      if (error?.details?.reason !== 'payment_method_not_configured') throw error;
      available = false;
      addButton.hidden = true;
      host.replaceChildren(h('p', { class: 'empty' }, t('cards.unavailable')));
      return;
    }
    if (!cards.length) {
      host.replaceChildren(h('p', { class: 'empty' }, t('cards.empty')));
      return;
    }
    host.replaceChildren(
      h(
        'ul',
        { class: 'saved-cards', 'data-testid': 'saved-cards' },
        cards.map((card) => {
          const remove = h(
            'button',
            {
              type: 'button',
              class: 'button button-danger-ghost button-small',
              'aria-label': t('cards.remove.label', { card: cardLabel(card) }),
            },
            t('cards.remove.button'),
          );
          remove.addEventListener('click', async () => {
            const ok = await confirmDialog({
              title: t('cards.remove.title', { card: cardLabel(card) }),
              text: t('cards.remove.text'),
              confirm: t('cards.remove.confirm'),
              danger: true,
            });
            if (!ok) return;
            remove.disabled = true;
            try {
              await api.delete(`/cards/${encodeURIComponent(card.id)}`);
              notify(t('cards.remove.done', { card: cardLabel(card) }));
              await load();
            } catch (error) {
              notifyError(error);
              remove.disabled = false;
            }
          });
          return h(
            'li',
            { class: 'saved-card', 'data-card-id': card.id },
            h('span', { class: 'saved-card-icon', 'aria-hidden': 'true' }, icon('card')),
            h(
              'div',
              { class: 'saved-card-text' },
              h(
                'p',
                { class: 'saved-card-name' },
                cardLabel(card),
                card.default ? h('span', { class: 'pill pill-neutral' }, t('cards.default')) : null,
              ),
              h(
                'p',
                { class: ['muted', 'small', expired(card) && 'text-danger'] },
                t(expired(card) ? 'cards.expired' : 'cards.expires', { date: cardExpiry(card) }),
              ),
            ),
            remove,
          );
        }),
      ),
    );
  };

  addButton.addEventListener('click', async () => {
    addButton.disabled = true;
    addButton.setAttribute('aria-busy', 'true');
    try {
      const { setupUrl } = await api.post('/cards/setup');
      location.assign(setupUrl);
    } catch (error) {
      notifyError(error);
      addButton.disabled = false;
      addButton.removeAttribute('aria-busy');
    }
  });

  await load();
  const declined = await declinedSetup(query.get('attempt'), signal);
  const back = declined
    ? h(
        'p',
        { class: 'callout callout-danger', role: 'alert', 'data-testid': 'card-setup-declined' },
        icon('alert'),
        h('span', {}, t('cards.setup.declined', { reason: declined })),
      )
    : setup === 'success'
      ? h(
          'p',
          { class: 'callout callout-success', role: 'status' },
          icon('check'),
          h('span', {}, t('cards.setup.saved')),
        )
      : setup === 'cancel'
        ? h(
            'p',
            { class: 'callout callout-neutral', role: 'status' },
            h('span', {}, t('cards.setup.canceled')),
          )
        : null;
  // Stripe saves the card before it sends the customer back, but the list may lag a moment.
  if (setup === 'success' && available) {
    const timer = setTimeout(() => load().catch(() => {}), 2000);
    signal.addEventListener('abort', () => clearTimeout(timer));
  }
  return h(
    'section',
    { class: 'page' },
    h(
      'header',
      { class: 'page-header page-header-row' },
      h(
        'div',
        {},
        h('h1', {}, t('cards.title')),
        h(
          'p',
          { class: 'lead' },
          ...tNodes('cards.lead', {
            refills: h('a', { href: '/refills' }, t('cards.leadRefills')),
          }),
        ),
      ),
      addButton,
    ),
    back,
    h('div', { class: 'card' }, host),
  );
}
