// Payments · Purchases: the account's orders for credits, and one order's page. That page is
// also where Stripe sends the customer back (?checkout=success|cancel): it follows the purchase
// until it is credited or failed, and the top bar's balance with it. An order awaiting a bank
// transfer shows the bank details; one awaiting payment can be canceled.
import { api } from '../api.js';
import { append, h, icon } from '../dom.js';
import { creditsText, dateTime, failureReasonText, money, PAYMENT_METHOD_LABELS } from '../format.js';
import { notify, notifyError } from '../notices.js';
import {
  amountFacts,
  bankDetails,
  list,
  payAgainButton,
  purchasePill,
  purchaseTitle,
  refreshBalance,
  timelineFacts,
} from '../money.js';
import { navigate } from '../router.js';
import { confirmDialog } from './dialog.js';
import { onBusyClick } from '../forms.js';
import { t, tNodes } from '../i18n.js';

const STATUSES = ['awaiting_payment', 'credited', 'failed', 'canceled', 'expired'];
const PAGE_SIZE = 25;
/** Right after paying: the answer is seconds away. */
const FAST_POLL_MS = 1500;
const FAST_POLL_FOR_MS = 3 * 60 * 1000;
/** Waiting for a bank transfer or a webhook: no hurry. */
const SLOW_POLL_MS = 10000;

const open = (p) => p.status === 'awaiting_payment' || p.status === 'paid';

function purchaseRow(p) {
  return h(
    'tr',
    { 'data-purchase-id': p.id },
    h('td', { class: 'nowrap cell-date' }, dateTime(p.createdAt)),
    h(
      'td',
      { class: 'cell-title' },
      h('a', { href: `/purchases/${encodeURIComponent(p.id)}`, class: 'strong-link' }, purchaseTitle(p)),
      h('div', { class: 'muted small' }, p.id),
    ),
    h('td', { class: 'cell-method' }, PAYMENT_METHOD_LABELS[p.paymentMethod] ?? p.paymentMethod),
    h('td', { class: 'num cell-total' }, money(p.total)),
    h('td', { class: 'cell-status' }, purchasePill(p.status)),
  );
}

/** Orders awaiting payment for more than a day: the list offers to cancel them in one click. */
const STALE_MS = 24 * 60 * 60 * 1000;
const isStale = (p) =>
  p.status === 'awaiting_payment' && Date.now() - new Date(p.createdAt).getTime() > STALE_MS;

function staleCallout(count) {
  const button = h(
    'button',
    { type: 'button', class: 'button button-secondary button-small', 'data-testid': 'cancel-stale' },
    t('purchases.cancelStale', { count }),
  );
  onBusyClick(button, async () => {
    const answer = await api.post('/purchases/cancel-stale');
    notify(t('purchases.staleCanceled', { count: answer?.canceled?.length ?? 0 }));
    navigate(`${location.pathname}${location.search}`, { replace: true });
  });
  return h(
    'div',
    { class: 'callout callout-neutral', 'data-testid': 'stale-orders' },
    h('p', {}, t('purchases.stale', { count })),
    h('p', {}, button),
  );
}

export async function purchasesPage({ query, signal }) {
  const status = STATUSES.includes(query.get('status')) ? query.get('status') : '';
  const body = h('tbody');
  const staleSlot = h('div');
  const more = h(
    'button',
    { type: 'button', class: 'button button-secondary', hidden: true },
    t('common.actions.showMore'),
  );
  const empty = h('p', { class: 'empty', hidden: true });
  let cursor = null;

  const load = async () => {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (status) params.set('status', status);
    if (cursor) params.set('cursor', cursor);
    const page = await api.get(`/purchases?${params}`, { signal });
    body.append(...list(page).map(purchaseRow));
    const stale = list(page).filter(isStale).length + Number(staleSlot.dataset.count ?? 0);
    staleSlot.dataset.count = String(stale);
    staleSlot.replaceChildren(stale > 0 ? staleCallout(stale) : '');
    cursor = page?.nextCursor ?? null;
    more.hidden = !cursor;
    empty.hidden = body.children.length > 0;
    empty.replaceChildren(
      status
        ? t('purchases.list.noneWithStatus')
        : h(
            'span',
            {},
            ...tNodes('purchases.list.none', { link: h('a', { href: '/buy' }, t('purchases.list.buy')) }),
          ),
    );
  };
  onBusyClick(more, load);

  const filter = h(
    'select',
    { id: 'purchase-status', name: 'status', value: status },
    h('option', { value: '' }, t('purchases.list.all')),
    STATUSES.map((s) => h('option', { value: s }, purchasePill(s).textContent)),
  );
  filter.addEventListener('change', () =>
    navigate(filter.value ? `/purchases?status=${filter.value}` : '/purchases', { replace: true }),
  );

  await load();
  return h(
    'section',
    { class: 'page' },
    h(
      'header',
      { class: 'page-header page-header-row' },
      h(
        'div',
        {},
        h('h1', {}, t('purchases.list.title')),
        h('p', { class: 'lead' }, t('purchases.list.lead')),
      ),
      h('a', { href: '/buy', class: 'button button-primary' }, t('purchases.list.buy')),
    ),
    h(
      'div',
      { class: 'card' },
      staleSlot,
      h(
        'div',
        { class: 'toolbar' },
        h(
          'div',
          { class: 'field field-inline' },
          h('label', { for: 'purchase-status' }, t('purchases.list.status')),
          filter,
        ),
        h('a', { href: '/transactions', class: 'button button-ghost' }, t('purchases.list.transactions')),
      ),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'table table-hover table-stack table-purchases', 'data-testid': 'purchases-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, t('purchases.list.date')),
              h('th', { scope: 'col' }, t('purchases.list.purchase')),
              h('th', { scope: 'col' }, t('purchases.list.method')),
              h('th', { scope: 'col', class: 'num' }, t('purchases.facts.total')),
              h('th', { scope: 'col' }, t('purchases.list.status')),
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

/** The callout at the top of a purchase's page: what happened and what to do next. */
function outcome(p, checkout) {
  if (p.status === 'credited') {
    return h(
      'div',
      { class: 'callout callout-success', role: 'status', 'data-testid': 'purchase-outcome' },
      h(
        'p',
        {},
        icon('check'),
        ' ',
        ...tNodes(
          p.creditedAt ? 'purchases.outcome.creditedOn' : 'purchases.outcome.credited',
          {
            added: h('strong', {}, t('purchases.outcome.added', { credits: creditsText(p.credits) })),
          },
          { date: p.creditedAt ? dateTime(p.creditedAt) : '' },
        ),
      ),
      h(
        'p',
        { class: 'button-row' },
        h(
          'a',
          { href: '/', class: 'button button-secondary button-small' },
          t('purchases.outcome.dashboard'),
        ),
        h(
          'a',
          { href: '/transactions', class: 'button button-ghost button-small' },
          t('purchases.list.transactions'),
        ),
      ),
    );
  }
  if (p.status === 'paid') {
    return h(
      'p',
      { class: 'callout callout-info', role: 'status', 'data-testid': 'purchase-outcome' },
      h('span', { class: 'spinner', 'aria-hidden': 'true' }),
      h('span', {}, t('purchases.outcome.paid')),
    );
  }
  if (p.status === 'failed') {
    const card = p.paymentMethod === 'card';
    return h(
      'div',
      { class: 'callout callout-danger', role: 'alert', 'data-testid': 'purchase-outcome' },
      h('p', {}, h('strong', {}, `${t('purchases.problem.declined')} `), failureReasonText(p.failureReason)),
      p.replacedBy
        ? h(
            'p',
            {},
            `${t('purchases.replaced')} `,
            h('a', { href: `/purchases/${encodeURIComponent(p.replacedBy)}` }, t('purchases.replacedLink')),
          )
        : card
          ? payAgainButton(p)
          : null,
      h(
        'p',
        { class: 'small' },
        t('purchases.outcome.nothingCharged'),
        card ? null : ' ',
        card ? null : h('a', { href: '/buy' }, t('purchases.outcome.tryAgain')),
      ),
    );
  }
  if (p.status === 'canceled' || p.status === 'expired') {
    return h(
      'p',
      { class: 'callout callout-neutral', 'data-testid': 'purchase-outcome' },
      h(
        'span',
        {},
        ...tNodes(p.status === 'canceled' ? 'purchases.outcome.canceled' : 'purchases.outcome.expired', {
          link: h('a', { href: '/buy' }, t('purchases.list.buy')),
        }),
      ),
    );
  }
  // Awaiting payment.
  if (p.paymentMethod === 'card') {
    const url = p.card?.checkoutUrl;
    // Back from Stripe's page (success) or from the bank's check of a saved card (return).
    const back = checkout === 'success' || checkout === 'return';
    if (back && p.card?.status !== 'requires_action') {
      return h(
        'p',
        { class: 'callout callout-info', role: 'status', 'data-testid': 'purchase-outcome' },
        h('span', { class: 'spinner', 'aria-hidden': 'true' }),
        h('span', {}, t('purchases.outcome.confirming')),
      );
    }
    if (p.card?.status === 'requires_action' && url) {
      return h(
        'div',
        { class: 'callout callout-warning', role: 'alert', 'data-testid': 'purchase-outcome' },
        h(
          'p',
          {},
          h('strong', {}, `${t('purchases.outcome.bankAsks')} `),
          t('purchases.outcome.bankAsksText'),
        ),
        h(
          'p',
          {},
          h(
            'a',
            { href: url, class: 'button button-primary button-small', 'data-native': '' },
            t('purchases.outcome.confirmWithBank'),
          ),
        ),
      );
    }
    return h(
      'div',
      { class: 'callout callout-warning', 'data-testid': 'purchase-outcome' },
      h(
        'p',
        {},
        checkout === 'cancel'
          ? h('strong', {}, `${t('purchases.outcome.left')} `)
          : h('strong', {}, `${t('purchases.outcome.awaitsCard')} `),
        t('purchases.outcome.nothingYet'),
      ),
      url
        ? h(
            'p',
            {},
            h(
              'a',
              { href: url, class: 'button button-primary button-small', 'data-native': '' },
              t('purchases.outcome.payByCard'),
            ),
          )
        : null,
    );
  }
  return null; // a bank transfer: the bank details say it all
}

export async function purchasePage({ params, query, signal }) {
  const id = params.id;
  const checkout = query.get('checkout');
  const page = h('section', { class: 'page' });
  let timer = null;
  const started = Date.now();
  signal.addEventListener('abort', () => clearTimeout(timer));

  const cancelButton = (p) => {
    const button = h(
      'button',
      { type: 'button', class: 'button button-danger-ghost' },
      t('purchases.cancel.button'),
    );
    button.addEventListener('click', async () => {
      const ok = await confirmDialog({
        title: t('purchases.cancel.title'),
        text:
          p.paymentMethod === 'bank_transfer'
            ? t('purchases.cancel.textBank')
            : t('purchases.cancel.textCard'),
        confirm: t('purchases.cancel.button'),
        cancel: t('purchases.cancel.keep'),
        danger: true,
      });
      if (!ok) return;
      button.disabled = true;
      try {
        render(await api.post(`/purchases/${encodeURIComponent(id)}/cancel`));
        notify(t('purchases.cancel.done'));
      } catch (error) {
        notifyError(error);
        button.disabled = false;
        // It may have been paid meanwhile: show what it is now.
        if (error.status === 409) poll();
      }
    });
    return button;
  };

  let last = null;
  const render = (p) => {
    const becameCredited = last && last.status !== 'credited' && p.status === 'credited';
    last = p;
    const awaitingBank =
      p.status === 'awaiting_payment' && p.paymentMethod === 'bank_transfer' && p.bankTransfer;
    page.replaceChildren();
    // append, not replaceChildren: the parts a purchase does not have are null, and skipped.
    append(page, [
      h('p', { class: 'breadcrumb' }, h('a', { href: '/purchases' }, t('purchases.list.title')), ' / ', p.id),
      h(
        'header',
        { class: 'page-header page-header-row' },
        h(
          'div',
          {},
          h('h1', {}, t('purchases.purchaseOf', { what: purchaseTitle(p) })),
          h(
            'p',
            { class: 'lead' },
            purchasePill(p.status),
            ' ',
            money(p.total),
            ' · ',
            PAYMENT_METHOD_LABELS[p.paymentMethod] ?? p.paymentMethod,
          ),
        ),
        p.status === 'awaiting_payment' ? cancelButton(p) : null,
      ),
      outcome(p, checkout),
      awaitingBank ? bankDetails(p.bankTransfer) : null,
      h(
        'div',
        { class: 'grid' },
        h(
          'section',
          { class: 'card' },
          h('h2', { class: 'card-title' }, t('purchases.order')),
          amountFacts(p),
        ),
        h(
          'section',
          { class: 'card' },
          h('h2', { class: 'card-title' }, t('purchases.history')),
          timelineFacts(p),
        ),
      ),
    ]);
    if (becameCredited) {
      notify(t('purchases.outcome.addedNotice', { credits: creditsText(p.credits) }));
      refreshBalance();
    }
  };

  const poll = async () => {
    clearTimeout(timer);
    if (signal.aborted) return;
    try {
      if (document.visibilityState !== 'hidden')
        render(await api.get(`/purchases/${encodeURIComponent(id)}`, { signal }));
    } catch (error) {
      if (error?.name === 'AbortError') return;
      // A failed poll is retried quietly; the page still shows the last answer.
    }
    schedule();
  };
  const schedule = () => {
    if (signal.aborted || !last || !open(last)) return;
    const fast =
      (checkout || last.status === 'paid' || last.paymentMethod === 'card') &&
      Date.now() - started < FAST_POLL_FOR_MS;
    timer = setTimeout(poll, fast ? FAST_POLL_MS : SLOW_POLL_MS);
  };

  let first;
  try {
    first = await api.get(`/purchases/${encodeURIComponent(id)}`, { signal });
  } catch (error) {
    if (error.status === 404) {
      notifyError(error);
      navigate('/purchases', { replace: true });
      return h('div');
    }
    throw error;
  }
  render(first);
  // Back from paying: the balance in the top bar follows at once.
  if (first.status === 'credited' && checkout) refreshBalance();
  schedule();
  return page;
}
