// @ts-check
// Operator · Pricing: one currency's packs and volume tiers edited in the page, and saved whole
// (PUT /admin/pricing/packs). The rules the server enforces — the first tier starts at the
// minimum, tiers sorted with distinct starts (no gap, no overlap), none beyond the maximum,
// prices that do not rise with the quantity — are checked here as the operator types and shown
// next to the field concerned; what the server still refuses is shown the same way on Save.
import { api } from '../api.js';
import { h, icon } from '../dom.js';
import { clearErrors, onSubmit, showErrors, submitButton, summarySlot } from '../forms.js';
import { t } from '../i18n.js';
import { notify } from '../notices.js';

/** @typedef {{ amount: number, currency: string }} Money */
/** @typedef {{ id: string, credits: string, price: Money }} Pack */
/** @typedef {{ fromCredits: string, unitPrice: string }} Tier */
/** @typedef {{ currency: string, packs: Pack[], tiers: Tier[], minCredits: string, maxCredits: string }} PriceTable */
/** @typedef {{ path: string, message: string }} Problem */

const WHOLE = /^\d{1,15}$/;
const UNIT_PRICE = /^\d{1,9}(\.\d{1,6})?$/;
const PRICE = /^\d{1,12}(\.\d{1,2})?$/;

/** "12.5" → 1250 (minor units of a two-decimal currency), without floats. */
export function minorUnits(/** @type {string} */ text) {
  const [whole = '0', fraction = ''] = text.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

/** 1250 → "12.50" */
function decimal(/** @type {number} */ minor) {
  return `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
}

/** Micro-units of a price per credit ("4.5" → 4500000n), for comparing prices exactly. */
function micros(/** @type {string} */ price) {
  const [whole = '0', fraction = ''] = price.split('.');
  return BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
}

/**
 * What is wrong with the limits and tiers as typed (paths as the server names them).
 * @param {{ minCredits: string, maxCredits: string, tiers: Tier[] }} table
 * @returns {Problem[]}
 */
export function tierProblems({ minCredits, maxCredits, tiers }) {
  /** @type {Problem[]} */
  const problems = [];
  const whole = (/** @type {string} */ value, /** @type {string} */ path) => {
    if (WHOLE.test(value)) return BigInt(value);
    problems.push({ path, message: t('operator.packs.problems.whole') });
    return null;
  };
  const min = whole(minCredits, 'minCredits');
  const max = whole(maxCredits, 'maxCredits');
  if (min !== null && min <= 0n)
    problems.push({ path: 'minCredits', message: t('operator.packs.problems.minPositive') });
  if (min !== null && max !== null && max < min)
    problems.push({ path: 'maxCredits', message: t('operator.packs.problems.maxBelowMin') });
  if (tiers.length === 0) problems.push({ path: 'tiers', message: t('operator.packs.problems.noTiers') });
  /** @type {bigint | null} */
  let previousStart = null;
  /** @type {bigint | null} */
  let previousPrice = null;
  tiers.forEach((tier, i) => {
    const from = whole(tier.fromCredits, `tiers.${i}.fromCredits`);
    if (from !== null) {
      if (i === 0 && min !== null && from !== min) {
        problems.push({
          path: `tiers.${i}.fromCredits`,
          message: t('operator.packs.problems.firstAtMin', { min: minCredits }),
        });
      }
      if (previousStart !== null && from === previousStart) {
        problems.push({ path: `tiers.${i}.fromCredits`, message: t('operator.packs.problems.overlap') });
      } else if (previousStart !== null && from < previousStart) {
        problems.push({ path: `tiers.${i}.fromCredits`, message: t('operator.packs.problems.order') });
      }
      if (max !== null && from > max) {
        problems.push({
          path: `tiers.${i}.fromCredits`,
          message: t('operator.packs.problems.beyondMax', { max: maxCredits }),
        });
      }
      previousStart = from;
    }
    if (!UNIT_PRICE.test(tier.unitPrice) || micros(tier.unitPrice) === 0n) {
      problems.push({ path: `tiers.${i}.unitPrice`, message: t('operator.packs.problems.unitPrice') });
    } else {
      const price = micros(tier.unitPrice);
      if (previousPrice !== null && price > previousPrice) {
        problems.push({ path: `tiers.${i}.unitPrice`, message: t('operator.packs.problems.rises') });
      }
      previousPrice = price;
    }
  });
  return problems;
}

/** A labelled input inside a table cell, with its own error slot (the forms' wiring). */
function cellInput(
  /** @type {string} */ name,
  /** @type {string} */ label,
  /** @type {string} */ value,
  /** @type {Record<string, unknown>} */ attrs = {},
) {
  const id = `pk-${name.replaceAll('.', '-')}`;
  return h(
    'div',
    { class: 'field field-compact' },
    h('label', { for: id, class: 'visually-hidden' }, label),
    h('input', {
      id,
      name,
      value,
      autocomplete: 'off',
      'aria-describedby': `${id}-error`,
      ...attrs,
    }),
    h('p', { class: 'field-error', id: `${id}-error`, hidden: true }),
  );
}

/** Problems shown next to their fields while typing, without moving the focus. */
function markProblems(/** @type {HTMLFormElement} */ form, /** @type {Problem[]} */ problems) {
  clearErrors(form);
  for (const { path, message } of problems) {
    const control = form.elements.namedItem(path);
    if (!(control instanceof HTMLInputElement)) continue;
    control.setAttribute('aria-invalid', 'true');
    const slot = control.closest('.field')?.querySelector('.field-error');
    if (slot instanceof HTMLElement) {
      slot.textContent = slot.textContent ? `${slot.textContent}; ${message}` : message;
      slot.hidden = false;
    }
  }
}

/**
 * The editor of one currency's table. `onSaved` gets the table the server stored.
 * @param {PriceTable | null} table
 * @param {string} currency
 * @param {(saved: PriceTable) => void} onSaved
 */
export function packsEditor(table, currency, onSaved) {
  /** @type {{ id: string, credits: string, price: string }[]} */
  let packs = (table?.packs ?? []).map((p) => ({
    id: p.id,
    credits: p.credits,
    price: decimal(p.price.amount),
  }));
  /** @type {Tier[]} */
  let tiers = (table?.tiers ?? []).map((tier) => ({ ...tier }));
  const limits = { minCredits: table?.minCredits ?? '1000', maxCredits: table?.maxCredits ?? '1000000' };

  const form = h('form', {
    class: 'form packs-editor',
    'aria-label': t('operator.packs.title', { currency }),
  });
  const status = h('p', { class: 'muted small', role: 'status', 'data-testid': 'tier-check' });

  /** Reads what is typed back into the model (rows may have been added or removed). */
  const read = () => {
    const value = (/** @type {string} */ name) => {
      const el = form.elements.namedItem(name);
      return el instanceof HTMLInputElement ? el.value.trim() : '';
    };
    limits.minCredits = value('minCredits');
    limits.maxCredits = value('maxCredits');
    packs = packs.map((_, i) => ({
      id: value(`packs.${i}.id`),
      credits: value(`packs.${i}.credits`),
      price: value(`packs.${i}.price`),
    }));
    tiers = tiers.map((_, i) => ({
      fromCredits: value(`tiers.${i}.fromCredits`),
      unitPrice: value(`tiers.${i}.unitPrice`),
    }));
  };

  const check = () => {
    read();
    const problems = tierProblems({ ...limits, tiers });
    for (const [i, pack] of packs.entries()) {
      if (!PRICE.test(pack.price) || minorUnits(pack.price) === 0)
        problems.push({ path: `packs.${i}.price`, message: t('operator.packs.problems.price') });
      if (!WHOLE.test(pack.credits))
        problems.push({ path: `packs.${i}.credits`, message: t('operator.packs.problems.whole') });
    }
    markProblems(form, problems);
    // Where each tier ends: one credit before the next one starts, the last at the maximum.
    for (const cell of form.querySelectorAll('[data-tier-to]')) {
      const next = tiers[Number(cell.getAttribute('data-tier-to')) + 1]?.fromCredits;
      // Whole numbers are written in the portal's locale ("4,999" / "4.999").
      const max = WHOLE.test(limits.maxCredits) ? BigInt(limits.maxCredits) : limits.maxCredits;
      cell.textContent =
        next === undefined
          ? t('operator.packs.upToMax', { max })
          : t('operator.packs.upTo', { to: WHOLE.test(next) && next !== '0' ? BigInt(next) - 1n : next });
    }
    status.textContent = problems.length
      ? t('operator.packs.problemCount', { count: problems.length })
      : t('operator.packs.tiersOk');
    return problems;
  };

  const removeButton = (/** @type {string} */ label, /** @type {() => void} */ action) => {
    const button = h(
      'button',
      { type: 'button', class: 'button button-ghost button-small', 'aria-label': label, title: label },
      icon('close'),
    );
    button.addEventListener('click', () => {
      read();
      action();
      draw();
    });
    return button;
  };

  const draw = () => {
    const packRows = packs.map((p, i) =>
      h(
        'tr',
        {},
        h(
          'td',
          {},
          cellInput(`packs.${i}.id`, t('operator.packs.packId', { n: i + 1 }), p.id, { maxlength: 64 }),
        ),
        h(
          'td',
          {},
          cellInput(`packs.${i}.credits`, t('operator.packs.packCredits', { n: i + 1 }), p.credits, {
            inputmode: 'numeric',
          }),
        ),
        h(
          'td',
          {},
          cellInput(`packs.${i}.price`, t('operator.packs.packPrice', { n: i + 1, currency }), p.price, {
            inputmode: 'decimal',
          }),
        ),
        h(
          'td',
          { class: 'cell-actions' },
          removeButton(t('operator.packs.removePack', { n: i + 1 }), () => packs.splice(i, 1)),
        ),
      ),
    );
    const tierRows = tiers.map((tier, i) =>
      h(
        'tr',
        {},
        h(
          'td',
          {},
          cellInput(`tiers.${i}.fromCredits`, t('operator.packs.tierFrom', { n: i + 1 }), tier.fromCredits, {
            inputmode: 'numeric',
          }),
        ),
        h('td', { class: 'muted small', 'data-tier-to': String(i) }),
        h(
          'td',
          {},
          cellInput(
            `tiers.${i}.unitPrice`,
            t('operator.packs.tierPrice', { n: i + 1, currency }),
            tier.unitPrice,
            {
              inputmode: 'decimal',
            },
          ),
        ),
        h(
          'td',
          { class: 'cell-actions' },
          removeButton(t('operator.packs.removeTier', { n: i + 1 }), () => tiers.splice(i, 1)),
        ),
      ),
    );
    const addPack = h(
      'button',
      { type: 'button', class: 'button button-secondary button-small' },
      t('operator.packs.addPack'),
    );
    addPack.addEventListener('click', () => {
      read();
      packs.push({ id: '', credits: '', price: '' });
      draw();
    });
    const addTier = h(
      'button',
      { type: 'button', class: 'button button-secondary button-small' },
      t('operator.packs.addTier'),
    );
    addTier.addEventListener('click', () => {
      read();
      const last = tiers[tiers.length - 1];
      tiers.push({ fromCredits: '', unitPrice: last?.unitPrice ?? '' });
      draw();
    });
    form.replaceChildren(
      summarySlot(),
      h(
        'div',
        { class: 'form-grid' },
        cellLabelled(
          'minCredits',
          t('operator.packs.minCredits'),
          limits.minCredits,
          t('operator.packs.minHint'),
        ),
        cellLabelled(
          'maxCredits',
          t('operator.packs.maxCredits'),
          limits.maxCredits,
          t('operator.packs.maxHint'),
        ),
      ),
      h('h3', {}, t('operator.packs.packs')),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'table table-compact', 'data-testid': 'packs-editor' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, t('operator.packs.id')),
              h('th', { scope: 'col' }, t('operator.packs.credits')),
              h('th', { scope: 'col' }, t('operator.packs.price', { currency })),
              h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('operator.packs.actions'))),
            ),
          ),
          h('tbody', {}, packRows),
        ),
      ),
      h('div', { class: 'button-row' }, addPack),
      h('h3', { class: 'spaced' }, t('operator.packs.tiers')),
      h('p', { class: 'muted small' }, t('operator.packs.tiersLead')),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'table table-compact', 'data-testid': 'tiers-editor' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, t('operator.packs.from')),
              h('th', { scope: 'col' }, t('operator.packs.to')),
              h('th', { scope: 'col' }, t('operator.packs.unitPrice', { currency })),
              h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('operator.packs.actions'))),
            ),
          ),
          h('tbody', {}, tierRows),
        ),
      ),
      h('div', { class: 'button-row' }, addTier),
      status,
      h('div', { class: 'form-actions' }, submitButton(t('operator.packs.save', { currency }))),
    );
    check();
  };

  form.addEventListener('input', () => check());
  onSubmit(form, async () => {
    const problems = check();
    if (problems.length) {
      showErrors(form, problems);
      return;
    }
    const saved = /** @type {PriceTable} */ (
      await api.put('/admin/pricing/packs', {
        currency,
        minCredits: limits.minCredits,
        maxCredits: limits.maxCredits,
        packs: packs.map((p) => ({ id: p.id, credits: p.credits, price: minorUnits(p.price) })),
        tiers,
      })
    );
    notify(t('operator.packs.saved', { currency }));
    onSaved(saved);
  });
  draw();
  return form;
}

/** A labelled field with a hint (min and max). */
function cellLabelled(
  /** @type {string} */ name,
  /** @type {string} */ label,
  /** @type {string} */ value,
  /** @type {string} */ hint,
) {
  const id = `pk-${name}`;
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    h('input', {
      id,
      name,
      value,
      inputmode: 'numeric',
      autocomplete: 'off',
      'aria-describedby': `${id}-hint ${id}-error`,
    }),
    h('p', { class: 'hint', id: `${id}-hint` }, hint),
    h('p', { class: 'field-error', id: `${id}-error`, hidden: true }),
  );
}
