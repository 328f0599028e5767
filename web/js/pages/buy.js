// Recharge · Buy credits, the seeds' steps on one page: 1. a pack or a number of credits, with a
// live quote (tax included) from the server; 2. the payment method: bank transfer (then the bank
// details), a new card (Stripe's page) or a saved card (charged at once). An account that cannot
// buy yet sees what is missing instead. Entry points: the top bar, the price list, Purchases and
// Transactions (?pack= or ?credits= preselects).
import { api, idempotencyKey } from '../api.js';
import { h, icon } from '../dom.js';
import { countryName } from '../countries.js';
import { credits, creditsText, money, taxTreatmentLabel, taxTreatmentNote } from '../format.js';
import { onSubmit, summarySlot } from '../forms.js';
import { payAgainButton, purchaseProblem } from '../money.js';
import { intlLocale, t, tNodes } from '../i18n.js';
import { navigate } from '../router.js';
import { billingComplete, refreshAccount } from '../session.js';

const QUOTE_DELAY_MS = 250;

async function packTable(currency, signal) {
  try {
    const data = await api.get(`/pricing/packs?currency=${encodeURIComponent(currency)}`, { signal });
    return data && Array.isArray(data.packs) ? data : null;
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    return null; // no price list in this currency: the page says so
  }
}

/** Saved cards, or why there are none to offer: {cards, cardPayments: bool}. */
async function savedCards(signal) {
  try {
    const data = await api.get('/cards', { signal });
    return { cards: Array.isArray(data) ? data : (data?.data ?? []), cardPayments: true };
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    if (error?.details?.reason === 'payment_method_not_configured') return { cards: [], cardPayments: false };
    return { cards: [], cardPayments: true }; // a new card still works; the saved ones could not be read
  }
}

/** Price per credit of a pack, e.g. "€0.045", to compare packs at a glance. */
function perCredit(price, amount) {
  const count = Number(amount);
  if (!price || !(count > 0)) return '';
  try {
    return new Intl.NumberFormat(intlLocale(), {
      style: 'currency',
      currency: price.currency,
      minimumFractionDigits: 3,
      maximumFractionDigits: 4,
    }).format(price.amount / 100 / count);
  } catch {
    return '';
  }
}

export function cardLabel(card) {
  const brand = card.brand ? card.brand.charAt(0).toUpperCase() + card.brand.slice(1) : t('purchases.card');
  return `${brand} •••• ${card.last4}`;
}

export function cardExpiry(card) {
  return `${String(card.expMonth).padStart(2, '0')}/${String(card.expYear).slice(-2)}`;
}

function requirementsOf(account) {
  // What the server says blocks a purchase; older answers are judged from the fields.
  const blockers = Array.isArray(account.purchaseBlockers)
    ? account.purchaseBlockers
    : [
        ...(billingComplete(account) ? [] : ['billing_data']),
        ...(account.mobileVerified ? [] : ['mobile_verification']),
        ...(account.status === 'suspended' ? ['account_suspended'] : []),
      ];
  return [
    {
      label: t('buy.needs.billing'),
      missing: t('buy.needs.billingMissing'),
      done: !blockers.includes('billing_data'),
      href: '/account/billing',
      action: t('purchases.needs.billingAction'),
    },
    {
      label: t('buy.needs.mobile'),
      missing: t('buy.needs.mobileMissing'),
      done: !blockers.includes('mobile_verification'),
      href: '/account/mobile',
      action: t('purchases.needs.mobileAction'),
    },
    {
      label: t('buy.needs.preferences'),
      done: Boolean(account.preferences?.country && account.preferences?.currency),
      href: '/account/preferences',
      action: t('buy.needs.preferencesAction'),
      advice: true,
    },
    ...(blockers.includes('account_suspended')
      ? [{ label: t('buy.needs.active'), missing: t('buy.needs.activeMissing'), done: false }]
      : []),
  ];
}

function header() {
  return h(
    'header',
    { class: 'page-header page-header-row' },
    h('div', {}, h('h1', {}, t('buy.title')), h('p', { class: 'lead' }, t('buy.lead'))),
    h('a', { href: '/pricing', class: 'button button-ghost' }, t('pricing.title')),
  );
}

/** The account cannot buy yet: what is missing, with links, and the packs to look at. */
function notReady(account, requirements, missing, table) {
  const checklist = h(
    'ul',
    { class: 'checklist checklist-compact', 'data-testid': 'buy-requirements' },
    requirements.map((r) =>
      h(
        'li',
        { class: ['check-item', r.done && 'check-done'] },
        h('span', { class: 'check-mark' }, r.done ? icon('check') : null),
        h(
          'div',
          { class: 'check-text' },
          h(
            'p',
            { class: 'check-title' },
            r.label,
            h('span', { class: 'visually-hidden' }, ` (${r.done ? t('buy.done') : t('buy.missing')})`),
          ),
        ),
        r.done || !r.href
          ? null
          : h('a', { href: r.href, class: 'button button-secondary button-small' }, r.action),
      ),
    ),
  );
  return h(
    'section',
    { class: 'page' },
    header(),
    h(
      'div',
      { class: 'card' },
      h('h2', { class: 'card-title' }, t('buy.before')),
      h(
        'p',
        { class: 'callout callout-warning' },
        icon('alert'),
        h(
          'span',
          {},
          t('buy.stillMissing', {
            // A list as each language writes one ("a, b" in English, "a y b" in Spanish).
            list: new Intl.ListFormat(intlLocale(), { type: 'unit', style: 'long' }).format(
              missing.map((m) => m.missing ?? m.label),
            ),
          }),
        ),
      ),
      checklist,
    ),
    table?.packs.length
      ? h(
          'div',
          { class: 'card' },
          h('h2', { class: 'card-title' }, t('pricing.packsIn', { currency: table.currency })),
          h(
            'ul',
            { class: 'packs' },
            table.packs.map((p) =>
              h(
                'li',
                { class: 'pack' },
                h(
                  'p',
                  { class: 'pack-credits' },
                  credits(p.credits),
                  h('span', {}, ` ${t('pricing.unit', { count: Number(p.credits) })}`),
                ),
                h('p', { class: 'pack-price' }, money(p.price)),
              ),
            ),
          ),
        )
      : null,
    h(
      'p',
      { class: 'muted page-note' },
      ...tNodes('buy.balance', { amount: h('strong', {}, creditsText(account.balance?.available)) }),
    ),
  );
}

/** A radio drawn as a card; `body` is what the card shows. */
function choice({ name, value, checked, disabled, body, testid }) {
  return h(
    'label',
    { class: ['choice', disabled && 'choice-disabled'], 'data-testid': testid },
    h('input', { type: 'radio', name, value, checked, disabled, class: 'choice-input' }),
    h('span', { class: 'choice-mark', 'aria-hidden': 'true' }, icon('check')),
    h('span', { class: 'choice-body' }, body),
  );
}

export async function buyPage({ query, signal }) {
  const account = await refreshAccount();
  const requirements = requirementsOf(account);
  const missing = requirements.filter((r) => !r.done && !r.advice);
  const currency = account.preferences?.currency ?? 'EUR';
  const [table, cardInfo] = await Promise.all([
    packTable(currency, signal),
    missing.length ? Promise.resolve({ cards: [], cardPayments: false }) : savedCards(signal),
  ]);
  if (missing.length) return notReady(account, requirements, missing, table);
  if (!table) {
    return h(
      'section',
      { class: 'page' },
      header(),
      h(
        'p',
        { class: 'callout callout-warning' },
        icon('alert'),
        h(
          'span',
          {},
          ...tNodes(
            'buy.notSold',
            { link: h('a', { href: '/account/preferences' }, t('buy.otherCurrency')) },
            { currency },
          ),
        ),
      ),
    );
  }

  const min = BigInt(table.minCredits);
  const max = BigInt(table.maxCredits);
  const packs = table.packs;
  const wantedPack = query.get('pack');
  const wantedCredits = (query.get('credits') ?? '').replace(/\D/g, '');
  const defaultCard = cardInfo.cards.find((c) => c.default) ?? cardInfo.cards[0];

  const state = {
    item: wantedCredits
      ? 'custom'
      : packs.some((p) => p.id === wantedPack)
        ? `pack:${wantedPack}`
        : packs[0]
          ? `pack:${packs[0].id}`
          : 'custom',
    method: cardInfo.cardPayments ? 'card' : 'bank_transfer',
    card: defaultCard ? defaultCard.id : 'new',
    quote: null,
  };
  /** One Idempotency-Key per attempt: kept while the same order is retried after no answer. */
  let attemptKey = null;

  // 1. Credits: packs as cards, and "Other amount" with its own field.
  const creditsInput = h('input', {
    id: 'buy-credits',
    name: 'credits',
    type: 'text',
    inputmode: 'numeric',
    autocomplete: 'off',
    value: wantedCredits,
    placeholder: t('buy.placeholder', { example: credits(String(min * 25n)) }),
    'aria-describedby': 'buy-credits-hint buy-credits-error',
  });
  const creditsError = h('p', { class: 'field-error', id: 'buy-credits-error', hidden: true });
  const customField = h(
    'div',
    { class: 'field custom-credits' },
    h('label', { for: 'buy-credits' }, t('buy.numberOfCredits')),
    creditsInput,
    h(
      'p',
      { class: 'hint', id: 'buy-credits-hint' },
      t('buy.creditsHint', { min: credits(table.minCredits), max: credits(table.maxCredits) }),
    ),
    creditsError,
  );
  const itemChoices = h(
    'div',
    { class: 'choice-grid', role: 'radiogroup', 'aria-label': t('buy.packOrCredits') },
    packs.map((p) =>
      choice({
        name: 'item',
        value: `pack:${p.id}`,
        checked: state.item === `pack:${p.id}`,
        testid: `pack-${p.id}`,
        body: [
          h('span', { class: 'choice-title' }, creditsText(p.credits)),
          h('span', { class: 'choice-price' }, money(p.price)),
          h('span', { class: 'choice-meta' }, t('buy.perCredit', { price: perCredit(p.price, p.credits) })),
        ],
      }),
    ),
    choice({
      name: 'item',
      value: 'custom',
      checked: state.item === 'custom',
      testid: 'pack-custom',
      body: [
        h('span', { class: 'choice-title' }, t('buy.otherAmount')),
        h('span', { class: 'choice-meta' }, t('buy.otherAmountText')),
      ],
    }),
  );
  const tiers = table.tiers?.length
    ? h(
        'details',
        { class: 'tiers' },
        h('summary', {}, t('buy.volumePrices')),
        h(
          'table',
          { class: 'table table-compact' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, t('buy.from')),
              h('th', { scope: 'col' }, t('pricing.pricePerCredit')),
            ),
          ),
          h(
            'tbody',
            {},
            table.tiers.map((tier) =>
              h(
                'tr',
                {},
                h('td', {}, creditsText(tier.fromCredits)),
                h('td', {}, perCredit({ amount: Number(tier.unitPrice), currency: table.currency }, 1)),
              ),
            ),
          ),
        ),
      )
    : null;

  // 2. Payment method.
  const methodChoices = h(
    'div',
    {
      class: 'choice-grid choice-grid-2',
      role: 'radiogroup',
      'aria-label': t('purchases.facts.paymentMethod'),
    },
    choice({
      name: 'method',
      value: 'card',
      checked: state.method === 'card',
      disabled: !cardInfo.cardPayments,
      testid: 'method-card',
      body: [
        h('span', { class: 'choice-title' }, t('purchases.card')),
        h(
          'span',
          { class: 'choice-meta' },
          cardInfo.cardPayments ? t('buy.cardText') : t('buy.cardUnavailable'),
        ),
      ],
    }),
    choice({
      name: 'method',
      value: 'bank_transfer',
      checked: state.method === 'bank_transfer',
      testid: 'method-bank_transfer',
      body: [
        h('span', { class: 'choice-title' }, t('buy.bankTransfer')),
        h('span', { class: 'choice-meta' }, t('buy.bankTransferText')),
      ],
    }),
  );
  const saveCard = h('input', { type: 'checkbox', id: 'buy-save-card', name: 'saveCard', checked: true });
  const saveCardRow = h(
    'label',
    { class: 'checkbox', for: 'buy-save-card' },
    saveCard,
    h('span', {}, t('buy.saveCard')),
  );
  const cardOptions = h(
    'div',
    { class: 'card-options' },
    h('p', { class: 'card-options-title', id: 'buy-card-title' }, t('buy.payWith')),
    h(
      'div',
      { class: 'option-list', role: 'radiogroup', 'aria-labelledby': 'buy-card-title' },
      cardInfo.cards.map((c) =>
        h(
          'label',
          { class: 'option' },
          h('input', { type: 'radio', name: 'card', value: c.id, checked: state.card === c.id }),
          h(
            'span',
            { class: 'option-text' },
            h('strong', {}, cardLabel(c)),
            h('span', { class: 'muted' }, ` ${t('buy.expires', { date: cardExpiry(c) })}`),
          ),
          c.default ? h('span', { class: 'pill pill-neutral' }, t('buy.default')) : null,
        ),
      ),
      h(
        'label',
        { class: 'option' },
        h('input', { type: 'radio', name: 'card', value: 'new', checked: state.card === 'new' }),
        h(
          'span',
          { class: 'option-text' },
          h('strong', {}, t('buy.newCard')),
          h('span', { class: 'muted' }, ` ${t('buy.newCardText')}`),
        ),
      ),
    ),
    saveCardRow,
  );

  // The order summary: the server's quote, the button, and what went wrong.
  const lines = h('dl', { class: 'summary-lines', 'data-testid': 'quote' });
  const taxNote = h('p', { class: 'fineprint', 'data-testid': 'quote-tax-note' });
  const problemSlot = h('div', { class: 'problem-slot' });
  const submit = h(
    'button',
    { type: 'submit', class: 'button button-primary button-block', 'data-testid': 'buy-confirm' },
    t('common.actions.confirm'),
  );
  const payingWith = h('p', { class: 'fineprint summary-with' });
  const billing = account.billing;
  const summary = h(
    'aside',
    { class: 'card summary', 'aria-labelledby': 'buy-summary-title' },
    h('h2', { id: 'buy-summary-title', class: 'card-title' }, t('buy.yourOrder')),
    lines,
    taxNote,
    problemSlot,
    submit,
    payingWith,
    h(
      'p',
      { class: 'fineprint summary-billing' },
      ...tNodes(
        'buy.invoicedTo',
        {
          name: h('strong', {}, billing?.legalName ?? account.name),
          change: h('a', { href: '/account/billing' }, t('buy.change')),
        },
        {
          place: [
            billing?.address?.country ? `, ${countryName(billing.address.country)}` : '',
            billing?.vatId ? ` (${t('buy.vatId', { vatId: billing.vatId })})` : '',
          ].join(''),
        },
      ),
    ),
  );

  const form = h(
    'form',
    { class: 'buy', 'aria-label': t('buy.title') },
    h(
      'div',
      { class: 'buy-steps' },
      summarySlot(),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'buy-step-1' },
        h(
          'h2',
          { id: 'buy-step-1', class: 'step-title' },
          h('span', { class: 'step-number' }, '1'),
          t('buy.step1'),
        ),
        itemChoices,
        customField,
        tiers,
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'buy-step-2' },
        h(
          'h2',
          { id: 'buy-step-2', class: 'step-title' },
          h('span', { class: 'step-number' }, '2'),
          t('buy.step2'),
        ),
        methodChoices,
        cardOptions,
      ),
    ),
    summary,
  );

  const pack = () =>
    state.item.startsWith('pack:') ? packs.find((p) => `pack:${p.id}` === state.item) : null;

  /** The order as the API takes it, or null with the field's error shown. */
  const item = ({ show = false } = {}) => {
    const chosen = pack();
    if (chosen) return { packId: chosen.id };
    const text = creditsInput.value.replace(/[\s,.'’_]/g, '');
    let message = null;
    if (!text) message = t('buy.errors.empty');
    else if (!/^\d{1,12}$/.test(text)) message = t('buy.errors.digits');
    else if (BigInt(text) < min) message = t('buy.errors.min', { credits: creditsText(table.minCredits) });
    else if (BigInt(text) > max) message = t('buy.errors.max', { credits: creditsText(table.maxCredits) });
    const showIt = show || (text && message);
    creditsError.textContent = showIt ? (message ?? '') : '';
    creditsError.hidden = !(showIt && message);
    if (message && showIt) creditsInput.setAttribute('aria-invalid', 'true');
    else creditsInput.removeAttribute('aria-invalid');
    return message ? null : { credits: text };
  };

  const renderLines = (quote, { busy = false, note = null } = {}) => {
    lines.setAttribute('aria-busy', busy ? 'true' : 'false');
    if (!quote) {
      lines.replaceChildren(h('div', { class: 'summary-empty' }, note ?? t('buy.chooseToSee')));
      taxNote.textContent = '';
      return;
    }
    lines.replaceChildren(
      h(
        'div',
        { class: 'summary-line' },
        h('dt', {}, t('purchases.facts.credits')),
        h('dd', { 'data-testid': 'quote-credits' }, credits(quote.credits)),
      ),
      h(
        'div',
        { class: 'summary-line' },
        h('dt', {}, t('purchases.facts.subtotal')),
        h('dd', { 'data-testid': 'quote-subtotal' }, money(quote.subtotal)),
      ),
      h(
        'div',
        { class: 'summary-line' },
        h('dt', { 'data-testid': 'quote-tax-label' }, taxTreatmentLabel(quote.tax)),
        h('dd', { 'data-testid': 'quote-tax' }, money(quote.tax.amount)),
      ),
      h(
        'div',
        { class: 'summary-line summary-total' },
        h('dt', {}, t('purchases.facts.total')),
        h('dd', { 'data-testid': 'quote-total' }, money(quote.total)),
      ),
    );
    taxNote.textContent = [taxTreatmentNote(quote.tax), quote.taxEstimate ? t('buy.taxEstimate') : '']
      .filter(Boolean)
      .join(' ');
  };

  const renderPayment = () => {
    const card = state.method === 'card';
    cardOptions.hidden = !card;
    saveCardRow.hidden = !card || state.card !== 'new';
    const total = state.quote ? money(state.quote.total) : '';
    const saved = cardInfo.cards.find((c) => c.id === state.card);
    if (!card) {
      submit.textContent = t('buy.confirmBank');
      payingWith.textContent = t('buy.confirmBankText');
    } else if (saved) {
      submit.textContent = total ? t('buy.confirmPayTotal', { total }) : t('buy.confirmPay');
      payingWith.textContent = t('buy.chargedTo', { card: cardLabel(saved) });
    } else {
      submit.textContent = total ? t('buy.confirmPayTotal', { total }) : t('buy.confirmPay');
      payingWith.textContent = t('buy.newCardFlow');
    }
  };

  let seq = 0;
  let timer = null;
  const requote = ({ now = false } = {}) => {
    clearTimeout(timer);
    attemptKey = null; // another order: another attempt
    problemSlot.replaceChildren();
    const wanted = item();
    if (!wanted) {
      state.quote = null;
      renderLines(null, {
        note: state.item === 'custom' ? t('buy.enterToSee') : null,
      });
      renderPayment();
      return;
    }
    lines.setAttribute('aria-busy', 'true');
    const run = async () => {
      seq += 1;
      const mine = seq;
      try {
        const quote = await api.post('/pricing/quote', { ...wanted, currency }, { signal });
        if (mine !== seq) return;
        state.quote = quote;
        renderLines(quote);
      } catch (error) {
        if (error?.name === 'AbortError' || mine !== seq) return;
        state.quote = null;
        const fieldProblem = error.fields?.find((f) => f.path === 'credits' || f.path === 'packId');
        if (fieldProblem && state.item === 'custom') {
          creditsError.textContent =
            fieldProblem.message.charAt(0).toUpperCase() + fieldProblem.message.slice(1);
          creditsError.hidden = false;
          creditsInput.setAttribute('aria-invalid', 'true');
        }
        renderLines(null, {
          note: fieldProblem ? t('buy.fixToSee') : error.message,
        });
      }
      renderPayment();
    };
    if (now) run();
    else timer = setTimeout(run, QUOTE_DELAY_MS);
  };
  signal.addEventListener('abort', () => clearTimeout(timer));

  const showCustom = () => {
    const custom = state.item === 'custom';
    customField.hidden = !custom;
    creditsInput.disabled = !custom;
    creditsInput.required = custom;
  };

  itemChoices.addEventListener('change', (event) => {
    state.item = event.target.value;
    showCustom();
    if (state.item === 'custom') creditsInput.focus();
    requote({ now: true });
  });
  creditsInput.addEventListener('input', () => requote());
  methodChoices.addEventListener('change', (event) => {
    state.method = event.target.value;
    attemptKey = null;
    problemSlot.replaceChildren();
    renderPayment();
  });
  cardOptions.addEventListener('change', (event) => {
    if (event.target.name !== 'card') return;
    state.card = event.target.value;
    attemptKey = null;
    problemSlot.replaceChildren();
    renderPayment();
  });

  onSubmit(form, async () => {
    problemSlot.replaceChildren();
    const wanted = item({ show: true });
    if (!wanted) {
      creditsInput.focus();
      return;
    }
    const body = { ...wanted, currency, paymentMethod: state.method };
    if (state.method === 'card') {
      if (state.card !== 'new') body.cardId = state.card;
      else if (saveCard.checked) body.saveCard = true;
    }
    attemptKey ??= idempotencyKey();
    let purchase;
    try {
      purchase = await api.post('/purchases', body, { headers: { 'idempotency-key': attemptKey } });
    } catch (error) {
      // With no answer at all the same attempt may be retried under the same key; any answer
      // ends the attempt (a declined card is recorded, so trying again is a new purchase).
      if (error?.status !== 0) attemptKey = null;
      const problem = purchaseProblem(error);
      // A declined card leaves its order: it can be paid with another card, as that same order.
      const declined = error?.code === 'payment_failed' ? error.details?.purchaseId : null;
      if (problem && declined) problem.append(payAgainButton({ id: declined, ...wanted, currency }));
      if (problem) problemSlot.replaceChildren(problem);
      throw error;
    }
    attemptKey = null;
    const checkoutUrl = purchase.card?.checkoutUrl;
    if (
      state.method === 'card' &&
      state.card === 'new' &&
      checkoutUrl &&
      purchase.status === 'awaiting_payment'
    ) {
      // Stripe's page (or the sandbox's) takes the card and sends the customer back to /purchases/{id}.
      submit.disabled = true;
      submit.textContent = t('buy.opening');
      location.assign(checkoutUrl);
      await new Promise(() => {}); // keep the button busy until the page is left
    }
    navigate(`/purchases/${encodeURIComponent(purchase.id)}`);
  });

  showCustom();
  renderPayment();
  requote({ now: true });

  return h('section', { class: 'page page-wide' }, header(), form);
}
