// Credits · Price list: what a message costs in credits, by destination country (and longer
// number prefix), searchable; the packs and volume prices credits are sold at; and a calculator
// of what a campaign needs, with the way to buy exactly that (BulkGate: "check the Price list and
// calculate your next campaign costs" before topping up).
import { api } from '../api.js';
import { countryName } from '../countries.js';
import { h, icon } from '../dom.js';
import { credits, money } from '../format.js';
import { session } from '../session.js';
import { intlLocale, t as tr } from '../i18n.js';

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
    h('h2', { id: 'price-packs', class: 'card-title' }, `Packs in ${table.currency}`),
    h(
      'ul',
      { class: 'packs', 'data-testid': 'price-packs' },
      table.packs.map((p) =>
        h(
          'li',
          { class: 'pack' },
          h('p', { class: 'pack-credits' }, credits(p.credits), h('span', {}, ' credits')),
          h('p', { class: 'pack-price' }, money(p.price), h('span', { class: 'muted small' }, ' + tax')),
          buy
            ? h(
                'a',
                {
                  href: `/buy?pack=${encodeURIComponent(p.id)}`,
                  class: 'button button-secondary button-small pack-buy',
                  'aria-label': `Buy ${credits(p.credits)} credits`,
                },
                'Buy',
              )
            : h('p', { class: 'muted small' }, h('code', {}, p.id)),
        ),
      ),
    ),
    table.tiers?.length
      ? h(
          'div',
          { class: 'tiers-block' },
          h('h3', {}, 'Any other amount'),
          h(
            'p',
            { class: 'muted small' },
            `From ${credits(table.minCredits)} to ${credits(table.maxCredits)} credits, each credit priced by the quantity bought:`,
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
                h('th', { scope: 'col' }, 'Buying at least'),
                h('th', { scope: 'col', class: 'num' }, 'Price per credit'),
              ),
            ),
            h(
              'tbody',
              {},
              table.tiers.map((t) =>
                h(
                  'tr',
                  {},
                  h('td', {}, `${credits(t.fromCredits)} credits`),
                  h('td', { class: 'num' }, unitPrice(t.unitPrice, table.currency)),
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
    .sort((a, b) => a.name.localeCompare(b.name, 'en') || (a.prefix ?? '').localeCompare(b.prefix ?? ''));
}

/** The searchable price list: one row per country (and per longer prefix). */
export function destinationsCard(destinations, { title = 'Price per SMS by destination' } = {}) {
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
          d.prefix ? h('span', { class: 'muted small' }, ` · numbers starting +${d.prefix}`) : null,
        ),
        h('td', {}, h('code', {}, d.country)),
        h('td', { class: 'num strong' }, credits(d.creditsPerSegment)),
      ),
    ),
  );
  const count = h('p', { class: 'muted small', role: 'status' }, `${rows.length} destinations`);
  const none = h('p', { class: 'empty', hidden: true }, 'No destination matches.');
  const input = h('input', {
    type: 'search',
    id: 'destination-search',
    placeholder: 'Country or ISO code, e.g. Spain or ES',
    autocomplete: 'off',
  });
  input.addEventListener('input', () => {
    const q = input.value.trim().toLowerCase().replace(/^\+/, '');
    let shown = 0;
    for (const tr of body.children) {
      const hit = !q || tr.dataset.search.includes(q);
      tr.hidden = !hit;
      if (hit) shown += 1;
    }
    count.textContent = q ? `${shown} of ${rows.length} destinations` : `${rows.length} destinations`;
    none.hidden = shown > 0;
  });
  return h(
    'section',
    { class: 'card card-wide', 'aria-labelledby': 'price-destinations' },
    h('h2', { id: 'price-destinations', class: 'card-title' }, title),
    h(
      'div',
      { class: 'search', role: 'search' },
      h('label', { for: 'destination-search', class: 'visually-hidden' }, 'Search destinations'),
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
            h('th', { scope: 'col' }, 'Country'),
            h('th', { scope: 'col' }, 'Code'),
            h('th', { scope: 'col', class: 'num' }, 'Credits per SMS'),
          ),
        ),
        body,
      ),
    ),
    none,
    h(
      'p',
      { class: 'fineprint' },
      'One SMS segment holds 160 characters (153 when a message needs several), or 70 (67) with emoji or non-Latin letters.',
    ),
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
    [1, 2, 3, 4, 5].map((n) => h('option', { value: String(n) }, `${n} (≤${n === 1 ? 160 : n * 153} chars)`)),
  );
  const result = h('p', { class: 'calc-result', role: 'status', 'data-testid': 'calc-result' });
  const buy = h('a', { class: 'button button-primary button-small', href: '/buy' }, 'Buy these credits');
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
            `${tr('purchases.calcMoneyLabel', { credits: credits(String(whole)) })}: `,
          ),
          h(
            'strong',
            {},
            tr(taxed ? 'purchases.calcMoney' : 'purchases.calcMoneyNoVat', { total: money(quote.total) }),
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
    const count = /^\d{1,9}$/.test(messages.value.replace(/[\s,]/g, ''))
      ? BigInt(messages.value.replace(/[\s,]/g, ''))
      : null;
    if (price === null || count === null) {
      result.textContent = 'Enter a number of messages.';
      buy.hidden = true;
      cost.hidden = true;
      return;
    }
    const needed = price * count * BigInt(segments.value);
    result.replaceChildren(h('strong', {}, `${credits(microsToCredits(needed))} credits`), ' needed');
    let whole = (needed + MICROS - 1n) / MICROS;
    if (table && whole < BigInt(table.minCredits)) whole = BigInt(table.minCredits);
    buy.href = `/buy?credits=${whole}`;
    buy.textContent = `Buy ${credits(String(whole))} credits`;
    buy.hidden = whole <= 0n;
    if (whole > 0n) moneyCost(whole);
  };
  for (const el of [country, messages, segments]) el.addEventListener('input', update);
  update();
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'price-calc' },
    h('h2', { id: 'price-calc', class: 'card-title' }, 'What will my campaign cost?'),
    h(
      'div',
      { class: 'form-grid calc' },
      h('div', { class: 'field field-wide' }, h('label', { for: 'calc-country' }, 'Destination'), country),
      h('div', { class: 'field' }, h('label', { for: 'calc-messages' }, 'Messages'), messages),
      h('div', { class: 'field' }, h('label', { for: 'calc-segments' }, 'Segments per message'), segments),
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
      h(
        'div',
        {},
        h('h1', {}, 'Price list'),
        h(
          'p',
          { class: 'lead' },
          'Messages cost credits by destination; credits cost money by the pack or by volume, and never expire.',
        ),
      ),
      h('a', { href: '/buy', class: 'button button-primary' }, icon('coins'), 'Top up'),
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
