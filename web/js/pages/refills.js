// @ts-check
// Refills · Automatic refills: so that the account never runs out of credits. The seed's form —
// the switch and four fields (limit of credits, recharge credits, maximum recharges in the last
// 30 days, the card) with the API's field errors beside them and the cost of one refill — and
// Save; below it the rule's state (active, or paused and why, with what un-pauses it), the
// recharges used of the maximum in the last 30 days, and the automatic purchases with their
// outcome. A refill that waits for the bank's confirmation shows a banner with the button that
// completes it. The state and the list follow the server while the page is open; the form is
// the customer's until Save.
import { ApiError, api, isAbort } from '../api.js';
import { h, icon, replace, uniqueId } from '../dom.js';
import { credits, dateTime, failureReasonText, money, purchaseStatusLabel, relativeTime } from '../format.js';
import { clearErrors, field, showErrors, summarySlot } from '../forms.js';
import { intlLocale, t } from '../i18n.js';
import { list, refreshBalance } from '../money.js';
import { dismissErrors, notify, notifyError } from '../notices.js';
import { session } from '../session.js';

/**
 * @typedef {{ amount: number, currency: string }} Money
 * @typedef {'cap_reached' | 'card_declined' | 'authentication_required' | 'card_removed' | 'card_expired'} PausedReason
 * @typedef {object} RefillQuote
 * @property {string} credits
 * @property {Money} subtotal
 * @property {Money | { rate?: string | number, amount: Money }} tax
 * @property {Money} total
 * @typedef {object} LastAttempt
 * @property {string} at
 * @property {string} outcome
 * @property {string | null} [purchaseId]
 * @property {string | null} [reason]
 * @typedef {object} AutoRefill
 * @property {boolean} enabled
 * @property {string | null} thresholdCredits
 * @property {string | null} rechargeCredits
 * @property {number | null} maxRechargesPer30Days
 * @property {string | null} cardId
 * @property {number} [rechargesLast30Days]
 * @property {{ purchaseId: string } | null} [inFlight]
 * @property {LastAttempt | null} [lastAttempt]
 * @property {PausedReason | string | null} [pausedReason]
 * @property {string | null} [nextRetryAt]
 * @property {RefillQuote | null} [quote]
 * @property {string | null} [authenticationUrl] Where the payment waiting for the bank is completed.
 * @typedef {{ id: string, brand?: string, last4: string, expMonth: number, expYear: number, default?: boolean }} Card
 * @typedef {object} Purchase
 * @property {string} id
 * @property {string} status
 * @property {string} credits
 * @property {Money} total
 * @property {string} createdAt
 * @property {string | null} [creditedAt]
 * @property {string | null} [failureReason]
 * @property {string} [source]
 * @property {{ checkoutUrl?: string, status: string | null }} [card]
 */

/** How often the state and the list are read again while the page is open. */
const FOLLOW_MS = 4000;
/** Typing pauses this long before the cost of one refill is asked for. */
const QUOTE_DELAY_MS = 350;
const PAUSED_REASONS = [
  'cap_reached',
  'card_declined',
  'authentication_required',
  'card_removed',
  'card_expired',
];
const OUTCOMES = [
  'started',
  'succeeded',
  'declined',
  'authentication_required',
  'card_removed',
  'card_expired',
  'failed',
];
/** The automatic purchases listed, newest first; older ones are under Purchases. */
const HISTORY_SIZE = 50;
/** Pages of purchases read to find them (the list may mix in purchases made by hand). */
const HISTORY_PAGES = 5;

/** A rule that was never saved: off, nothing chosen. */
/** @type {AutoRefill} */
const NEW_RULE = {
  enabled: false,
  thresholdCredits: null,
  rechargeCredits: null,
  maxRechargesPer30Days: null,
  cardId: null,
};

/** "Visa •••• 4242 (12/29)". */
function cardLabel(/** @type {Card} */ card) {
  const brand = card.brand
    ? card.brand.charAt(0).toUpperCase() + card.brand.slice(1)
    : t('refills.card.card');
  const expiry = `${String(card.expMonth).padStart(2, '0')}/${String(card.expYear).slice(-2)}`;
  return t('refills.card.label', { brand, last4: card.last4, expiry });
}

function separators() {
  const parts = new Intl.NumberFormat(intlLocale(), { useGrouping: 'always' }).formatToParts(12345.5);
  return {
    group: parts.find((p) => p.type === 'group')?.value ?? ',',
    decimal: parts.find((p) => p.type === 'decimal')?.value ?? '.',
  };
}

/**
 * A number as typed in the portal's language ("1,000" in English, "1.000" or "2,5" in Spanish)
 * -> the API's decimal string; anything else is sent as it was typed, for the API to name.
 */
export function typedNumber(/** @type {string} */ text) {
  const { group, decimal } = separators();
  const compact = text.replace(/[\s\u00a0\u202f]/g, '');
  const plain = compact.split(group).join('').replace(decimal, '.');
  return /^\d+(\.\d+)?$/.test(plain) ? plain : compact;
}

/** The API's decimal string as the customer types it: no grouping, the locale's decimal mark. */
function editable(/** @type {string | number | null | undefined} */ value) {
  if (value === null || value === undefined) return '';
  return String(value).replace('.', separators().decimal);
}

/** The rule's state in one word, as a pill. */
function statePill(/** @type {AutoRefill} */ rule) {
  const state = !rule.enabled ? 'off' : rule.pausedReason ? 'paused' : 'active';
  const kind = { off: '', paused: 'pill-awaiting_payment', active: 'pill-active' }[state];
  return h('span', { class: ['pill', kind], 'data-testid': 'refill-state' }, t(`refills.state.${state}`));
}

function outcomeText(/** @type {string | null | undefined} */ outcome) {
  const code = String(outcome ?? '');
  return OUTCOMES.includes(code) ? t(`refills.outcome.${code}`) : code.replaceAll('_', ' ') || '—';
}

/** The cost of one refill: "€302.50 (€250.00 + VAT 21 % €52.50)". */
function costOf(/** @type {RefillQuote} */ quote) {
  // The tax as the quote of POST /pricing/quote gives it ({rate, amount}) or as plain money.
  const raw = /** @type {{ rate?: string | number, amount: Money | number, currency?: string }} */ (
    quote.tax
  );
  const detailed = raw && typeof raw.amount === 'object';
  const taxMoney = detailed ? /** @type {Money} */ (raw.amount) : /** @type {Money} */ (quote.tax);
  const rate = detailed ? raw.rate : undefined;
  return t('refills.quote.cost', {
    credits: credits(quote.credits),
    total: money(quote.total),
    subtotal: money(quote.subtotal),
    tax:
      rate !== undefined && rate !== null
        ? t('refills.quote.taxAt', { rate: String(rate), amount: money(taxMoney) })
        : t('refills.quote.tax', { amount: money(taxMoney) }),
  });
}

/** The switch: a checkbox that says "switch", on and off in words beside it. */
function switchControl(/** @type {boolean} */ on) {
  const id = uniqueId('refill-enabled');
  const hintId = `${id}-hint`;
  const input = h('input', {
    type: 'checkbox',
    role: 'switch',
    id,
    name: 'enabled',
    class: 'switch',
    checked: on,
    'aria-describedby': hintId,
  });
  const state = h('span', { class: 'switch-state', 'aria-hidden': 'true' });
  const sync = () => {
    state.textContent = input.checked ? t('refills.form.on') : t('refills.form.off');
  };
  input.addEventListener('change', sync);
  sync();
  const row = h(
    'div',
    { class: 'field refill-switch' },
    h(
      'div',
      { class: 'switch-row' },
      input,
      h('label', { for: id, class: 'switch-label' }, t('refills.form.enabled')),
      state,
    ),
    h('p', { class: 'hint', id: hintId }, t('refills.form.enabledHint')),
  );
  return { row, input };
}

/** The card select, or a sentence when cards cannot be saved here. */
function cardField(/** @type {Card[] | null} */ cards, /** @type {string | null} */ chosen) {
  const addLink = h(
    'a',
    { href: '/cards', class: 'small', 'data-testid': 'refill-add-card' },
    t('refills.form.addCard'),
  );
  if (cards === null) {
    return h(
      'div',
      { class: 'field' },
      h('p', { class: 'strong' }, t('refills.form.card')),
      h('p', { class: 'muted' }, t('refills.form.cardsUnavailable')),
    );
  }
  const options = [
    { value: '', label: cards.length ? t('refills.form.chooseCard') : t('refills.form.noCards') },
    ...cards.map((c) => ({ value: c.id, label: cardLabel(c) })),
  ];
  const known = chosen && cards.some((c) => c.id === chosen) ? chosen : '';
  const node = field({
    name: 'cardId',
    label: t('refills.form.card'),
    options,
    value: known,
    hint: cards.length ? t('refills.form.cardHint') : t('refills.form.noCardsHint'),
  });
  node.append(h('p', { class: 'field-link' }, addLink));
  // A card the rule names that is no longer saved: the select shows the placeholder, the
  // status below says why the rule paused.
  return node;
}

/**
 * @param {{ signal: AbortSignal }} args
 */
export async function refillsPage({ signal }) {
  const currency = session.account?.preferences?.currency ?? 'EUR';
  const [ruleAnswer, cardsAnswer, packsAnswer] = await Promise.all([
    api.get('/auto-refill', { signal }).catch((error) => {
      if (error instanceof ApiError && error.status === 404 && error.code === 'not_found') return null;
      throw error;
    }),
    api.get('/cards', { signal }).catch((error) => {
      if (error instanceof ApiError && error.details?.reason === 'payment_method_not_configured') return null;
      throw error;
    }),
    api.get(`/pricing/packs?currency=${encodeURIComponent(currency)}`, { signal }).catch((error) => {
      if (isAbort(error)) throw error;
      return null; // the hint about the range is left out
    }),
  ]);
  /** @type {AutoRefill} */
  let rule = /** @type {AutoRefill | null} */ (ruleAnswer) ?? NEW_RULE;
  const cards = cardsAnswer === null ? null : /** @type {Card[]} */ (list(cardsAnswer));
  const packs = /** @type {{ minCredits?: string | number, maxCredits?: string | number } | null} */ (
    packsAnswer
  );

  // The form.
  const toggle = switchControl(rule.enabled);
  const range =
    packs?.minCredits !== undefined && packs?.maxCredits !== undefined
      ? t('refills.form.rechargeRange', { min: credits(packs.minCredits), max: credits(packs.maxCredits) })
      : t('refills.form.rechargeHint');
  const threshold = field({
    name: 'thresholdCredits',
    label: t('refills.form.threshold'),
    value: editable(rule.thresholdCredits),
    hint: t('refills.form.thresholdHint'),
    attrs: { inputmode: 'decimal', 'data-testid': 'refill-threshold' },
  });
  const recharge = field({
    name: 'rechargeCredits',
    label: t('refills.form.recharge'),
    value: editable(rule.rechargeCredits),
    hint: range,
    attrs: { inputmode: 'numeric', 'data-testid': 'refill-recharge' },
  });
  const maximum = field({
    name: 'maxRechargesPer30Days',
    label: t('refills.form.maximum'),
    value: rule.maxRechargesPer30Days === null ? '' : String(rule.maxRechargesPer30Days),
    hint: t('refills.form.maximumHint'),
    attrs: { inputmode: 'numeric', 'data-testid': 'refill-maximum' },
  });
  const card = cardField(cards, rule.cardId);
  const cost = h('p', { class: 'refill-cost', 'data-testid': 'refill-quote', 'aria-live': 'polite' });
  const save = h('button', { type: 'submit', class: 'button button-primary' }, t('refills.form.save'));
  const form = h(
    'form',
    { class: 'form', 'aria-labelledby': 'refill-form-title', 'data-testid': 'refill-form' },
    summarySlot(),
    toggle.row,
    h('div', { class: 'form-grid' }, threshold, recharge, maximum, card),
    h(
      'div',
      { class: 'refill-cost-box' },
      h('h3', { class: 'refill-cost-title' }, t('refills.quote.title')),
      cost,
    ),
    h('div', { class: 'form-actions' }, save),
  );
  form.noValidate = true;
  const input = (/** @type {string} */ name) =>
    /** @type {HTMLInputElement | HTMLSelectElement | null} */ (form.elements.namedItem(name));

  // The cost of one refill: the rule's quote, then the price of what is typed.
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let quoteTimer;
  let quoteSeq = 0;
  const showQuote = (/** @type {RefillQuote | null | undefined} */ quote) => {
    cost.textContent = quote ? costOf(quote) : t('refills.quote.none');
  };
  const askQuote = async () => {
    const typed = typedNumber(input('rechargeCredits')?.value ?? '');
    const seq = ++quoteSeq;
    if (!/^\d+(\.\d+)?$/.test(typed) || !/[1-9]/.test(typed)) {
      showQuote(null);
      return;
    }
    try {
      const quote = /** @type {RefillQuote} */ (
        await api.post('/pricing/quote', { credits: typed, currency }, { signal })
      );
      if (seq === quoteSeq) showQuote(quote);
    } catch (error) {
      if (isAbort(error) || seq !== quoteSeq) return;
      cost.textContent =
        error instanceof ApiError && error.status === 400
          ? t('refills.quote.invalid', { message: error.fields[0]?.message ?? error.message })
          : t('refills.quote.none');
    }
  };
  input('rechargeCredits')?.addEventListener('input', () => {
    clearTimeout(quoteTimer);
    quoteTimer = setTimeout(askQuote, QUOTE_DELAY_MS);
  });
  signal.addEventListener('abort', () => clearTimeout(quoteTimer));
  if (rule.quote) showQuote(rule.quote);
  else if (rule.rechargeCredits) await askQuote();
  else showQuote(null);

  /** What the form says, as the API's body. */
  const body = () => {
    const max = typedNumber(input('maxRechargesPer30Days')?.value ?? '');
    const cardId = input('cardId')?.value ?? '';
    return {
      enabled: toggle.input.checked,
      thresholdCredits: typedNumber(input('thresholdCredits')?.value ?? ''),
      rechargeCredits: typedNumber(input('rechargeCredits')?.value ?? ''),
      maxRechargesPer30Days: /^\d+$/.test(max) ? Number(max) : max,
      cardId: cardId || null,
    };
  };

  /** Saves `payload`; the answer redraws the state. */
  const put = async (/** @type {Record<string, unknown>} */ payload) => {
    rule = /** @type {AutoRefill} */ (await api.put('/auto-refill', payload));
    if (rule.quote) showQuote(rule.quote);
    await drawState();
    return rule;
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    dismissErrors();
    save.disabled = true;
    save.setAttribute('aria-busy', 'true');
    try {
      const saved = await put(body());
      notify(saved.enabled ? t('refills.saved.on') : t('refills.saved.off'));
    } catch (error) {
      if (error instanceof ApiError && error.code === 'validation_failed') showErrors(form, error.fields);
      notifyError(error);
    } finally {
      save.disabled = false;
      save.removeAttribute('aria-busy');
    }
  });

  // The state, the banner and the list.
  const banner = h('div', { 'data-testid': 'refill-banner', hidden: true });
  const state = h('div', { class: 'refill-state', 'data-testid': 'refill-status', 'aria-live': 'polite' });
  const historyBody = h('tbody');
  const historyEmpty = h('p', { class: 'empty' }, t('refills.history.none'));
  const historyTable = h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table table-stack', 'data-testid': 'refill-history' },
      h('caption', { class: 'visually-hidden' }, t('refills.history.title')),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, t('refills.history.date')),
          h('th', { scope: 'col' }, t('refills.history.refill')),
          h('th', { scope: 'col', class: 'num' }, t('refills.history.total')),
          h('th', { scope: 'col' }, t('refills.history.outcome')),
        ),
      ),
      historyBody,
    ),
  );

  /** A control of the form gets focus (the action of a pause the form resolves). */
  const focusField = (/** @type {string} */ name) => () => {
    const control = input(name);
    control?.scrollIntoView({ block: 'center' });
    control?.focus();
  };

  /** The action that un-pauses the rule, by the reason it paused. */
  const unpauseAction = (/** @type {string} */ reason) => {
    if (reason === 'cap_reached') {
      return h(
        'button',
        {
          type: 'button',
          class: 'button button-secondary button-small',
          onclick: focusField('maxRechargesPer30Days'),
        },
        t('refills.action.raiseMaximum'),
      );
    }
    if (reason === 'card_removed' || reason === 'card_expired') {
      return h(
        'button',
        { type: 'button', class: 'button button-secondary button-small', onclick: focusField('cardId') },
        t('refills.action.chooseCard'),
      );
    }
    if (reason === 'authentication_required') return null; // the banner's button
    const resume = h(
      'button',
      { type: 'button', class: 'button button-primary button-small', 'data-testid': 'refill-resume' },
      t('refills.action.resume'),
    );
    resume.addEventListener('click', async () => {
      resume.disabled = true;
      try {
        await put({
          enabled: true,
          thresholdCredits: rule.thresholdCredits,
          rechargeCredits: rule.rechargeCredits,
          maxRechargesPer30Days: rule.maxRechargesPer30Days,
          cardId: rule.cardId,
        });
        notify(t('refills.saved.resumed'));
      } catch (error) {
        notifyError(error);
        resume.disabled = false;
      }
    });
    return resume;
  };

  /** The sentence under the pill. */
  const explanation = () => {
    if (!rule.enabled) return t('refills.explain.off');
    const chosen = cards?.find((c) => c.id === rule.cardId);
    const reason = String(rule.pausedReason ?? '');
    if (reason) {
      const known = PAUSED_REASONS.includes(reason) ? reason : 'other';
      return t(`refills.paused.${known}`, {
        max: rule.maxRechargesPer30Days ?? 0,
        reason: failureReasonText(rule.lastAttempt?.reason),
        card: chosen ? cardLabel(chosen) : t('refills.card.theCard'),
        code: reason.replaceAll('_', ' '),
      });
    }
    if (rule.inFlight) return t('refills.explain.inFlight', { credits: credits(rule.rechargeCredits) });
    return t('refills.explain.active', {
      threshold: credits(rule.thresholdCredits),
      recharge: credits(rule.rechargeCredits),
      card: chosen ? cardLabel(chosen) : t('refills.card.theCard'),
    });
  };

  /** The purchase the customer must confirm with the bank, when there is one. */
  const awaitingConfirmation = async () => {
    const id =
      rule.inFlight?.purchaseId ??
      (rule.pausedReason === 'authentication_required' ? rule.lastAttempt?.purchaseId : null);
    if (!id) return null;
    try {
      const purchase = /** @type {Purchase} */ (
        await api.get(`/purchases/${encodeURIComponent(id)}`, { signal })
      );
      const waits =
        purchase.status === 'awaiting_payment' &&
        (purchase.card?.status === 'requires_action' || rule.pausedReason === 'authentication_required');
      return waits ? purchase : null;
    } catch (error) {
      if (isAbort(error)) throw error;
      return null;
    }
  };

  let bannerKey = '';
  const drawBanner = async () => {
    const purchase = await awaitingConfirmation();
    const key = JSON.stringify([rule.pausedReason, rule.authenticationUrl, purchase?.id, purchase?.card]);
    if (key === bannerKey) return;
    bannerKey = key;
    if (!purchase && !rule.authenticationUrl && rule.pausedReason !== 'authentication_required') {
      banner.hidden = true;
      banner.replaceChildren();
      return;
    }
    // The bank's page (the Stripe one), else the purchase's page, which links to it.
    const bankPage = rule.authenticationUrl ?? purchase?.card?.checkoutUrl ?? null;
    const href = bankPage ?? (purchase ? `/purchases/${encodeURIComponent(purchase.id)}` : null);
    banner.hidden = false;
    banner.className = 'callout callout-warning refill-banner';
    banner.setAttribute('role', 'alert');
    replace(
      banner,
      h(
        'p',
        {},
        icon('alert'),
        ' ',
        h('strong', {}, t('refills.banner.title')),
        ' ',
        purchase
          ? t('refills.banner.text', { credits: credits(purchase.credits), total: money(purchase.total) })
          : t('refills.banner.textNoPurchase'),
      ),
      href
        ? h(
            'p',
            {},
            h(
              'a',
              {
                href,
                class: 'button button-primary button-small',
                'data-native': bankPage ? '' : undefined,
                'data-testid': 'refill-complete-payment',
              },
              t('refills.banner.button'),
            ),
          )
        : null,
    );
  };

  const drawState = async () => {
    const used = Number(rule.rechargesLast30Days ?? 0);
    const max = Number(rule.maxRechargesPer30Days ?? 0);
    const reason = String(rule.pausedReason ?? '');
    const last = rule.lastAttempt;
    /** @type {[string, import('../dom.js').Child][]} */
    const facts = [
      [
        t('refills.status.used'),
        h(
          'span',
          { class: 'refill-used' },
          h('span', { 'data-testid': 'refill-used' }, t('refills.status.usedOf', { used, max: max || '—' })),
          max
            ? h('progress', {
                class: 'progress refill-progress',
                max: String(max),
                value: String(Math.min(used, max)),
                'aria-label': t('refills.status.used'),
              })
            : null,
        ),
      ],
    ];
    if (rule.inFlight) {
      facts.push([
        t('refills.status.inFlight'),
        h(
          'a',
          { href: `/purchases/${encodeURIComponent(rule.inFlight.purchaseId)}` },
          t('refills.status.seePurchase'),
        ),
      ]);
    }
    if (last) {
      facts.push([
        t('refills.status.last'),
        h(
          'span',
          {},
          `${dateTime(last.at)} · ${outcomeText(last.outcome)}`,
          // Why a charge was refused; the other outcomes say it themselves.
          last.reason && (last.outcome === 'declined' || last.outcome === 'failed')
            ? ` · ${failureReasonText(last.reason)}`
            : '',
          last.purchaseId ? ' · ' : '',
          last.purchaseId
            ? h(
                'a',
                { href: `/purchases/${encodeURIComponent(last.purchaseId)}` },
                t('refills.status.seePurchase'),
              )
            : null,
        ),
      ]);
    }
    if (rule.nextRetryAt) {
      facts.push([
        t('refills.status.nextRetry'),
        h(
          'time',
          { datetime: rule.nextRetryAt },
          `${dateTime(rule.nextRetryAt)} (${relativeTime(rule.nextRetryAt)})`,
        ),
      ]);
    }
    const action = rule.enabled && reason ? unpauseAction(reason) : null;
    replace(
      state,
      h(
        'p',
        { class: 'refill-state-line' },
        statePill(rule),
        ' ',
        h('span', { 'data-testid': 'refill-explain' }, explanation()),
      ),
      action ? h('p', { class: 'button-row' }, action) : null,
      h(
        'dl',
        { class: 'facts' },
        facts.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]),
      ),
    );
    await drawBanner();
  };

  /** @type {Map<string, string>} */
  let seen = new Map();
  let historyKey = '';
  let firstList = true;
  const drawHistory = async () => {
    /** @type {Purchase[]} */
    const purchases = [];
    /** @type {string | null} */
    let cursor = null;
    for (let read = 0; read < HISTORY_PAGES && purchases.length < HISTORY_SIZE; read++) {
      const params = new URLSearchParams({ source: 'auto_refill', limit: '100' });
      if (cursor) params.set('cursor', cursor);
      const answer = /** @type {{ nextCursor?: string | null }} */ (
        await api.get(`/purchases?${params}`, { signal })
      );
      purchases.push(.../** @type {Purchase[]} */ (list(answer)).filter((p) => p.source === 'auto_refill'));
      cursor = answer?.nextCursor ?? null;
      if (!cursor) break;
    }
    purchases.splice(HISTORY_SIZE);
    const creditedNow = purchases.filter((p) => p.status === 'credited' && seen.get(p.id) !== 'credited');
    const key = JSON.stringify(purchases.map((p) => [p.id, p.status]));
    seen = new Map(purchases.map((p) => [p.id, p.status]));
    if (key === historyKey) return;
    historyKey = key;
    replace(
      historyBody,
      ...purchases.map((p) =>
        h(
          'tr',
          { 'data-purchase-id': p.id },
          h('td', { class: 'nowrap' }, dateTime(p.createdAt)),
          h(
            'td',
            {},
            h(
              'a',
              { href: `/purchases/${encodeURIComponent(p.id)}`, class: 'strong-link' },
              t('refills.history.credits', { credits: credits(p.credits) }),
            ),
          ),
          h('td', { class: 'num' }, money(p.total)),
          h(
            'td',
            {},
            h(
              'span',
              { class: ['pill', `pill-${p.status}`], 'data-testid': 'refill-outcome' },
              purchaseStatusLabel(p.status),
            ),
            p.status === 'failed' && p.failureReason
              ? h('span', { class: 'muted small refill-reason' }, ` ${failureReasonText(p.failureReason)}`)
              : null,
          ),
        ),
      ),
    );
    historyTable.hidden = purchases.length === 0;
    historyEmpty.hidden = purchases.length > 0;
    if (!firstList && creditedNow.length) {
      for (const p of creditedNow)
        notify(t('refills.history.creditedNotice', { credits: credits(p.credits) }));
      await refreshBalance();
    }
    firstList = false;
  };

  await Promise.all([drawState(), drawHistory()]);

  // Follow the server while the page is open (and visible).
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const follow = async () => {
    if (signal.aborted) return;
    if (document.visibilityState !== 'hidden') {
      try {
        const fresh = /** @type {AutoRefill | null} */ (await api.get('/auto-refill', { signal }));
        // Redrawn only when something changed: the regions are live, and a screen reader would
        // read them out again at every turn.
        const changed = fresh !== null && JSON.stringify(fresh) !== JSON.stringify(rule);
        if (fresh) rule = fresh;
        await Promise.all([changed ? drawState() : drawBanner(), drawHistory()]);
      } catch (error) {
        if (isAbort(error)) return;
        // A failed read is tried again at the next turn; the page keeps what it showed.
      }
    }
    timer = setTimeout(follow, FOLLOW_MS);
  };
  timer = setTimeout(follow, FOLLOW_MS);
  signal.addEventListener('abort', () => clearTimeout(timer));

  return h(
    'section',
    { class: 'page refills-page' },
    h('p', { class: 'breadcrumb' }, t('refills.group'), ' / ', t('refills.title')),
    h(
      'header',
      { class: 'page-header' },
      h('h1', {}, t('refills.title')),
      h('p', { class: 'lead' }, t('refills.lead')),
    ),
    banner,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'refill-form-title' },
      h('h2', { class: 'card-title', id: 'refill-form-title' }, t('refills.form.title')),
      form,
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'refill-status-title' },
      h('h2', { class: 'card-title', id: 'refill-status-title' }, t('refills.status.title')),
      state,
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'refill-history-title' },
      h('h2', { class: 'card-title', id: 'refill-history-title' }, t('refills.history.title')),
      historyTable,
      historyEmpty,
    ),
    h('p', { class: 'page-note muted small' }, t('refills.note')),
  );
}
