// Credits · Price list: what a message costs in credits, by destination country (and longer
// number prefix), searchable; the packs and volume prices credits are sold at; and a calculator
// of what a campaign needs, with the way to buy exactly that (BulkGate: "check the Price list and
// calculate your next campaign costs" before topping up).
import { api } from '../api.js';
import { countryName } from '../countries.js';
import { h, icon } from '../dom.js';
import { credits, creditsText, money } from '../format.js';
import { session } from '../session.js';
import { intlLocale, t, tNodes } from '../i18n.js';

const MICROS = 1_000_000n;

/** "1.25" -> 1250000n micro-credits; null if it is not a decimal. */
function toMicros(text) {
  const match = /^(\d+)(?:\.(\d{1,6}))?$/.exec(String(text ?? '').trim());
  if (!match) return null;
  return BigInt(match[1]) * MICROS + BigInt((match[2] ?? '').padEnd(6, '0'));
}

function microsToCredits(micros) {
  const whole = micros / MICROS;
  const fraction = (micros % MICROS).toString().padStart(6, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : String(whole);
}

/** Price per credit from a tier's unit price (minor units per credit, e.g. "4.5" cents). */
function unitPrice(unit, currency) {
  try {
    return new Intl.NumberFormat(intlLocale(), {
      style: 'currency',
      currency,
      minimumFractionDigits: 3,
      maximumFractionDigits: 4,
    }).format(Number(unit) / 100);
  } catch {
    return `${unit} ${currency}`;
  }
}

export function packsCard(table, { buy = true } = {}) {
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'price-packs' },
    h('h2', { id: 'price-packs', class: 'card-title' }, t('pricing.packsIn', { currency: table.currency })),
    h(
      'ul',
      { class: 'packs', 'data-testid': 'price-packs' },
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
          h(
            'p',
            { class: 'pack-price' },
            money(p.price),
            h('span', { class: 'muted small' }, ` ${t('pricing.plusTax')}`),
          ),
          buy
            ? h(
                'a',
                {
                  href: `/buy?pack=${encodeURIComponent(p.id)}`,
                  class: 'button button-secondary button-small pack-buy',
                  'aria-label': t('pricing.buyCredits', { credits: creditsText(p.credits) }),
                },
                t('pricing.buy'),
              )
            : h('p', { class: 'muted small' }, h('code', {}, p.id)),
        ),
      ),
    ),
    table.tiers?.length
      ? h(
          'div',
          { class: 'tiers-block' },
          h('h3', {}, t('pricing.otherAmount')),
          h(
            'p',
            { class: 'muted small' },
            t('pricing.otherAmountText', { min: credits(table.minCredits), max: credits(table.maxCredits) }),
          ),
          h(
            'table',
            { class: 'table table-compact' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', { scope: 'col' }, t('pricing.buyingAtLeast')),
                h('th', { scope: 'col', class: 'num' }, t('pricing.pricePerCredit')),
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
                  h('td', { class: 'num' }, unitPrice(tier.unitPrice, table.currency)),
                ),
              ),
            ),
          ),
        )
      : null,
  );
}

function destinationRows(destinations) {
  return destinations
    .map((d) => ({
      ...d,
      name: countryName(d.country),
      search: `${countryName(d.country)} ${d.country} ${d.prefix ?? ''} +${d.prefix ?? ''}`.toLowerCase(),
    }))
    .sort(
      (a, b) => a.name.localeCompare(b.name, intlLocale()) || (a.prefix ?? '').localeCompare(b.prefix ?? ''),
    );
}

/** The searchable price list: one row per country (and per longer prefix). */
export function destinationsCard(destinations, { title = t('pricing.byDestination') } = {}) {
  const rows = destinationRows(destinations);
  const body = h(
    'tbody',
    {},
    rows.map((d) =>
      h(
        'tr',
        { 'data-search': d.search, 'data-country': d.country },
        h(
          'td',
          {},
          d.name,
          d.prefix
            ? h('span', { class: 'muted small' }, ` · ${t('pricing.prefix', { prefix: d.prefix })}`)
            : null,
        ),
        h('td', {}, h('code', {}, d.country)),
        h('td', { class: 'num strong' }, credits(d.creditsPerSegment)),
      ),
    ),
  );
  const count = h(
    'p',
    { class: 'muted small', role: 'status' },
    t('pricing.destinations', { count: rows.length }),
  );
  const none = h('p', { class: 'empty', hidden: true }, t('pricing.noMatch'));
  const input = h('input', {
    type: 'search',
    id: 'destination-search',
    placeholder: t('pricing.searchPlaceholder'),
    autocomplete: 'off',
  });
  input.addEventListener('input', () => {
    const q = input.value.trim().toLowerCase().replace(/^\+/, '');
    let shown = 0;
    for (const row of body.children) {
      const hit = !q || row.dataset.search.includes(q);
      row.hidden = !hit;
      if (hit) shown += 1;
    }
    count.textContent = q
      ? t('pricing.destinationsShown', { count: rows.length, shown })
      : t('pricing.destinations', { count: rows.length });
    none.hidden = shown > 0;
  });
  return h(
    'section',
    { class: 'card card-wide', 'aria-labelledby': 'price-destinations' },
    h('h2', { id: 'price-destinations', class: 'card-title' }, title),
    h(
      'div',
      { class: 'search', role: 'search' },
      h('label', { for: 'destination-search', class: 'visually-hidden' }, t('pricing.search')),
      input,
    ),
    count,
    h(
      'div',
      { class: 'table-wrap table-scroll' },
      h(
        'table',
        { class: 'table table-compact', 'data-testid': 'destinations-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, t('pricing.country')),
            h('th', { scope: 'col' }, t('pricing.code')),
            h('th', { scope: 'col', class: 'num' }, t('pricing.creditsPerSms')),
          ),
        ),
        body,
      ),
    ),
    none,
    h('p', { class: 'fineprint' }, t('pricing.segments')),
  );
}

/** How long the calculator waits after a keystroke before asking for the money cost. */
const QUOTE_DELAY_MS = 300;

/**
 * Recipients × segments × price: the credits a campaign needs, what buying them costs in money
 * (this account's quote, VAT included), and a link to buy them.
 */
function calculator(destinations, table, signal) {
  const countries = destinationRows(destinations.filter((d) => !d.prefix));
  const preferred = session.account?.preferences?.country;
  const country = h(
    'select',
    {
      id: 'calc-country',
      value: countries.some((c) => c.country === preferred) ? preferred : countries[0]?.country,
    },
    countries.map((c) => h('option', { value: c.country }, c.name)),
  );
  const messages = h('input', { id: 'calc-messages', type: 'text', inputmode: 'numeric', value: '1000' });
  const segments = h(
    'select',
    { id: 'calc-segments', value: '1' },
    [1, 2, 3, 4, 5].map((n) =>
      h('option', { value: String(n) }, t('pricing.calc.segment', { n, chars: n === 1 ? 160 : n * 153 })),
    ),
  );
  const result = h('p', { class: 'calc-result', role: 'status', 'data-testid': 'calc-result' });
  const buy = h(
    'a',
    { class: 'button button-primary button-small', href: '/buy' },
    t('pricing.calc.buyThese'),
  );
  const cost = h('p', { class: 'calc-money', 'data-testid': 'calc-money', hidden: true });
  const currency = session.account?.preferences?.currency ?? 'EUR';
  let timer = null;
  let asked = 0;
  signal?.addEventListener('abort', () => clearTimeout(timer));
  /** The money cost of `whole` credits, from the account's own quote (tax by its billing data). */
  const moneyCost = (whole) => {
    clearTimeout(timer);
    const mine = ++asked;
    cost.hidden = true;
    timer = setTimeout(async () => {
      try {
        const quote = await api.post('/pricing/quote', { credits: String(whole), currency }, { signal });
        if (mine !== asked) return;
        const taxed = quote.tax && Number(quote.tax.amount?.amount ?? 0) > 0;
        cost.replaceChildren(
          h(
            'span',
            { class: 'visually-hidden' },
            `${t('purchases.calcMoneyLabel', { credits: credits(String(whole)) })}: `,
          ),
          h(
            'strong',
            {},
            t(taxed ? 'purchases.calcMoney' : 'purchases.calcMoneyNoVat', { total: money(quote.total) }),
          ),
        );
        cost.hidden = false;
      } catch (error) {
        if (error?.name === 'AbortError') return;
        cost.hidden = true; // more than can be bought at once, say: the credits still show
      }
    }, QUOTE_DELAY_MS);
  };
  const update = () => {
    const price = toMicros(countries.find((c) => c.country === country.value)?.creditsPerSegment);
    // Digits with the grouping either language writes: "5,000" or "5.000".
    const digits = messages.value.replace(/[\s,.]/g, '');
    const count = /^\d{1,9}$/.test(digits) ? BigInt(digits) : null;
    if (price === null || count === null) {
      result.textContent = t('pricing.calc.enterMessages');
      buy.hidden = true;
      cost.hidden = true;
      return;
    }
    const needed = price * count * BigInt(segments.value);
    result.replaceChildren(
      ...tNodes('pricing.calc.needed', {
        credits: h('strong', {}, creditsText(microsToCredits(needed))),
      }),
    );
    let whole = (needed + MICROS - 1n) / MICROS;
    if (table && whole < BigInt(table.minCredits)) whole = BigInt(table.minCredits);
    buy.href = `/buy?credits=${whole}`;
    buy.textContent = t('pricing.buyCredits', { credits: creditsText(String(whole)) });
    buy.hidden = whole <= 0n;
    if (whole > 0n) moneyCost(whole);
  };
  for (const el of [country, messages, segments]) el.addEventListener('input', update);
  update();
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'price-calc' },
    h('h2', { id: 'price-calc', class: 'card-title' }, t('pricing.calc.title')),
    h(
      'div',
      { class: 'form-grid calc' },
      h(
        'div',
        { class: 'field field-wide' },
        h('label', { for: 'calc-country' }, t('pricing.calc.destination')),
        country,
      ),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'calc-messages' }, t('pricing.calc.messages')),
        messages,
      ),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'calc-segments' }, t('pricing.calc.segmentsPerMessage')),
        segments,
      ),
    ),
    h('div', { class: 'calc-foot' }, h('div', {}, result, cost), buy),
  );
}

export async function pricingPage({ signal }) {
  const currency = session.account?.preferences?.currency ?? 'EUR';
  const [destinations, table] = await Promise.all([
    api.get('/pricing/destinations', { signal }),
    api.get(`/pricing/packs?currency=${encodeURIComponent(currency)}`, { signal }).catch((error) => {
      if (error?.name === 'AbortError') throw error;
      return null;
    }),
  ]);
  return h(
    'section',
    { class: 'page' },
    h(
      'header',
      { class: 'page-header page-header-row' },
      h('div', {}, h('h1', {}, t('pricing.title')), h('p', { class: 'lead' }, t('pricing.lead'))),
      h('a', { href: '/buy', class: 'button button-primary' }, icon('coins'), t('pricing.topUp')),
    ),
    h(
      'div',
      { class: 'grid grid-2' },
      table ? packsCard(table) : null,
      calculator(Array.isArray(destinations) ? destinations : [], table, signal),
      destinationsCard(Array.isArray(destinations) ? destinations : []),
    ),
  );
}
