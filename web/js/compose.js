// @ts-check
// The pieces the Send SMS and New campaign pages share: the text with its live counter, the
// sender id field checked as it is typed, the schedule field, and the cost panel (credits, by
// country, available, shortfall with a Top up link).
import { countryName } from './countries.js';
import { h, icon, replace, uniqueId } from './dom.js';
import { credits, creditsText, isPositive } from './format.js';
import { formatNumber, t } from './i18n.js';
import { DEFAULT_MAX_PARTS, measureText, nonGsmCharacters, partsLabel, senderProblem } from './sms.js';

/** @typedef {import('./api-types.js').Estimate} Estimate */

/**
 * A textarea field in the forms.js shape (label, hint, error slot).
 * @param {{ name: string, label: string, hint?: string, value?: string, rows?: number, required?: boolean, attrs?: Record<string, unknown> }} options
 */
export function textareaField({ name, label, hint, value = '', rows = 5, required = false, attrs = {} }) {
  const id = uniqueId(`f-${name}`);
  const control = h('textarea', {
    id,
    name,
    rows,
    required: required || undefined,
    'aria-describedby': [hint ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(' '),
    ...attrs,
  });
  control.value = value;
  return {
    control,
    node: h(
      'div',
      { class: 'field field-wide' },
      h(
        'label',
        { for: id },
        label,
        required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null,
      ),
      control,
      hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
      h('p', { class: 'field-error', id: `${id}-error`, hidden: true }),
    ),
  };
}

/**
 * The live counter under a message text: characters, encoding, parts and what is left in this
 * part; a note when a character switches the text to UCS-2. `placeholders` says that
 * {columns} are filled per recipient, so lengths vary.
 * @param {HTMLTextAreaElement} textarea
 * @param {{ placeholders?: boolean }} [options]
 */
export function textCounter(textarea, { placeholders = false } = {}) {
  const line = h('p', { class: 'sms-counter', 'aria-live': 'polite', 'data-testid': 'sms-counter' });
  const note = h('p', { class: 'hint sms-note', hidden: true });
  const render = () => {
    const m = measureText(textarea.value);
    const pieces = [
      h(
        'span',
        { 'data-testid': 'sms-characters' },
        t('messaging.counter.characters', { count: m.characters }),
      ),
      h('span', { 'data-testid': 'sms-encoding' }, m.encoding),
      h('span', { 'data-testid': 'sms-segments' }, partsLabel(m.segments)),
      h('span', { 'data-testid': 'sms-left' }, t('messaging.counter.left', { count: m.left })),
    ];
    replace(line, ...pieces.flatMap((p, i) => (i ? [h('span', { 'aria-hidden': 'true' }, ' · '), p] : [p])));
    line.classList.toggle('sms-counter-over', m.segments > DEFAULT_MAX_PARTS);
    const notes = [];
    if (m.encoding === 'UCS-2') {
      const characters = nonGsmCharacters(textarea.value)
        .map((c) => `“${c}”`)
        .join(' ');
      notes.push(t('messaging.counter.ucs2', { characters }));
    }
    if (m.segments > DEFAULT_MAX_PARTS)
      notes.push(t('messaging.counter.tooLong', { max: DEFAULT_MAX_PARTS }));
    if (placeholders && /\{[^{}\s]+\}/.test(textarea.value)) notes.push(t('messaging.counter.placeholders'));
    note.textContent = notes.join(' ');
    note.hidden = notes.length === 0;
  };
  textarea.addEventListener('input', render);
  render();
  return { node: h('div', { class: 'sms-meter' }, line, note), render };
}

/** The sender id field, checked with the server's rules as it is typed (optional). */
export function senderField() {
  const id = uniqueId('f-from');
  const input = h('input', {
    id,
    name: 'from',
    type: 'text',
    maxlength: 16,
    autocomplete: 'off',
    placeholder: t('messaging.sender.placeholder'),
    'aria-describedby': `${id}-hint ${id}-error`,
  });
  const error = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
  const check = () => {
    const value = input.value;
    const problem = value === '' ? null : senderProblem(value);
    error.textContent = problem ?? '';
    error.hidden = !problem;
    if (problem) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
    return !problem;
  };
  input.addEventListener('input', check);
  return {
    input,
    check,
    node: h(
      'div',
      { class: 'field' },
      h(
        'label',
        { for: id },
        t('messaging.sender.label'),
        h('span', { class: 'optional' }, ` ${t('common.optional')}`),
      ),
      input,
      h('p', { class: 'hint', id: `${id}-hint` }, t('messaging.sender.hint')),
      error,
    ),
  };
}

/** This browser's time zone, for the schedule field's hint. */
function browserZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    return t('messaging.schedule.yourZone');
  }
}

/**
 * A date and time input; `value()` is the ISO time (UTC) or '' when empty.
 * @param {{ label?: string }} [options]
 */
export function scheduleField({ label } = {}) {
  const id = uniqueId('f-schedule');
  const input = h('input', {
    id,
    name: 'scheduleAt',
    type: 'datetime-local',
    'aria-describedby': `${id}-hint ${id}-error`,
  });
  const error = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
  const value = () => {
    if (!input.value) return '';
    const at = new Date(input.value);
    return Number.isNaN(at.getTime()) ? '' : at.toISOString();
  };
  const check = () => {
    let problem = null;
    if (!input.value) problem = t('messaging.schedule.choose');
    else if (new Date(input.value).getTime() <= Date.now()) problem = t('messaging.schedule.future');
    error.textContent = problem ?? '';
    error.hidden = !problem;
    if (problem) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
    return !problem;
  };
  return {
    input,
    value,
    check,
    node: h(
      'div',
      { class: 'field' },
      h('label', { for: id }, label ?? t('messaging.schedule.sendAt')),
      input,
      h('p', { class: 'hint', id: `${id}-hint` }, t('messaging.schedule.hint', { zone: browserZone() })),
      error,
    ),
  };
}

/** Whole credits to buy to cover a shortfall ("12.5" -> 13). */
export function wholeCredits(/** @type {string} */ shortfall) {
  const [whole = '0', fraction] = String(shortfall).split('.');
  return BigInt(whole) + (fraction && /[1-9]/.test(fraction) ? 1n : 0n);
}

/**
 * The cost panel: `render(estimate)` shows credits, parts, by country, available and the
 * shortfall (with Top up); `render(null, message)` a line of text instead.
 * @param {{ title?: string }} [options]
 */
export function costPanel({ title } = {}) {
  const titleId = uniqueId('cost-title');
  const body = h('div', { class: 'cost-body', 'data-testid': 'estimate' });
  const node = h(
    'section',
    { class: 'card cost-card', 'aria-labelledby': titleId, 'aria-live': 'polite' },
    h('h2', { id: titleId, class: 'card-title' }, title ?? t('messaging.cost.title')),
    body,
  );
  /**
   * @param {Estimate | null} estimate
   * @param {string} [message]
   */
  const render = (estimate, message) => {
    if (!estimate) {
      replace(body, h('p', { class: 'muted' }, message ?? t('messaging.cost.empty')));
      return;
    }
    const short = isPositive(estimate.shortfall);
    const invalidCount = estimate.invalidCount ?? estimate.invalid?.length ?? 0;
    const recipients = estimate.recipients ?? 0;
    replace(
      body,
      h(
        'p',
        { class: 'cost-total' },
        h('strong', { 'data-testid': 'estimate-credits' }, credits(estimate.credits)),
        ` ${t('messaging.cost.unit', { count: String(estimate.credits) === '1' ? 1 : 2 })}`,
      ),
      h(
        'p',
        { class: 'muted small' },
        t('messaging.cost.recipients', { count: recipients }),
        estimate.segments !== undefined
          ? ` · ${t('messaging.cost.each', { encoding: estimate.encoding ?? '', parts: partsLabel(estimate.segments) })}`
          : '',
      ),
      estimate.byCountry?.length
        ? h(
            'table',
            { class: 'table table-compact cost-countries' },
            h('caption', { class: 'visually-hidden' }, t('messaging.cost.byCountry')),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', { scope: 'col' }, t('messaging.cost.country')),
                h('th', { scope: 'col', class: 'num' }, t('messaging.cost.recipientsColumn')),
                h('th', { scope: 'col', class: 'num' }, t('messaging.cost.credits')),
              ),
            ),
            h(
              'tbody',
              {},
              estimate.byCountry.map((c) =>
                h(
                  'tr',
                  { 'data-country': c.country },
                  h('td', {}, countryName(c.country)),
                  h('td', { class: 'num' }, formatNumber(c.recipients)),
                  h('td', { class: 'num' }, credits(c.credits)),
                ),
              ),
            ),
          )
        : null,
      h(
        'dl',
        { class: 'facts cost-facts' },
        h('dt', {}, t('messaging.cost.available')),
        h('dd', { 'data-testid': 'estimate-available' }, creditsText(estimate.available)),
        h('dt', {}, t('messaging.cost.shortBy')),
        h(
          'dd',
          { class: short ? 'text-danger strong' : null, 'data-testid': 'estimate-shortfall' },
          creditsText(estimate.shortfall),
        ),
      ),
      estimate.invalid?.length
        ? h(
            'div',
            { class: 'callout callout-warning', 'data-testid': 'estimate-invalid' },
            icon('alert'),
            h(
              'div',
              {},
              h('p', {}, t('messaging.cost.invalid', { count: invalidCount })),
              h(
                'ul',
                { class: 'plain-list small' },
                estimate.invalid
                  .slice(0, 5)
                  .map((i) =>
                    h(
                      'li',
                      {},
                      i.row ? `${t('messaging.cost.row', { row: i.row })}: ` : '',
                      h('code', {}, i.to || t('messaging.cost.emptyValue')),
                      ` ${i.reason}`,
                    ),
                  ),
              ),
            ),
          )
        : null,
      short
        ? h(
            'p',
            { class: 'callout callout-warning cost-short' },
            icon('alert'),
            h(
              'span',
              {},
              `${t('messaging.cost.notEnough')} `,
              h(
                'a',
                { href: `/buy?credits=${wholeCredits(estimate.shortfall)}`, 'data-testid': 'estimate-topup' },
                t('shell.topUp'),
              ),
              ` ${t('messaging.cost.orWait')}`,
            ),
          )
        : null,
      h('p', { class: 'fineprint' }, estimate.local ? t('messaging.cost.local') : t('messaging.cost.server')),
    );
  };
  render(null);
  return { node, render };
}
