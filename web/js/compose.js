// The pieces the Send SMS and New campaign pages share: the text with its live counter, the
// sender id field checked as it is typed, the schedule field, and the cost panel (credits, by
// country, available, shortfall with a Top up link).
import { countryName } from './countries.js';
import { h, icon, replace, uniqueId } from './dom.js';
import { credits, isPositive } from './format.js';
import {
  creditsText,
  DEFAULT_MAX_PARTS,
  measureText,
  nonGsmCharacters,
  partsLabel,
  senderProblem,
} from './sms.js';

/** A textarea field in the forms.js shape (label, hint, error slot). */
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
 */
export function textCounter(textarea, { placeholders = false } = {}) {
  const line = h('p', { class: 'sms-counter', 'aria-live': 'polite', 'data-testid': 'sms-counter' });
  const note = h('p', { class: 'hint sms-note', hidden: true });
  const render = () => {
    const m = measureText(textarea.value);
    const pieces = [
      h('span', { 'data-testid': 'sms-characters' }, `${m.characters} characters`),
      h('span', { 'data-testid': 'sms-encoding' }, m.encoding),
      h('span', { 'data-testid': 'sms-segments' }, partsLabel(m.segments)),
      h('span', { 'data-testid': 'sms-left' }, `${m.left} left in this part`),
    ];
    replace(line, ...pieces.flatMap((p, i) => (i ? [h('span', { 'aria-hidden': 'true' }, ' · '), p] : [p])));
    line.classList.toggle('sms-counter-over', m.segments > DEFAULT_MAX_PARTS);
    const notes = [];
    if (m.encoding === 'UCS-2') {
      notes.push(
        `${nonGsmCharacters(textarea.value)
          .map((c) => `“${c}”`)
          .join(
            ' ',
          )} cannot be written in the GSM alphabet, so the whole text goes as UCS-2: 70 characters per SMS (67 per part when it is split).`,
      );
    }
    if (m.segments > DEFAULT_MAX_PARTS) {
      notes.push(`A message may take at most ${DEFAULT_MAX_PARTS} parts here; shorten the text.`);
    }
    if (placeholders && /\{[^{}\s]+\}/.test(textarea.value)) {
      notes.push(
        '{placeholders} are filled in for each recipient, so each message’s length can differ from this count.',
      );
    }
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
    placeholder: 'e.g. LumenTravel',
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
      h('label', { for: id }, 'Sender id', h('span', { class: 'optional' }, ' (optional)')),
      input,
      h(
        'p',
        { class: 'hint', id: `${id}-hint` },
        'A name of up to 11 letters and digits, or a number of up to 15 digits. Some countries replace it with a number.',
      ),
      error,
    ),
  };
}

/** This browser's time zone, for the schedule field's hint. */
function browserZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    return 'your time zone';
  }
}

/** A date and time input; `value()` is the ISO time (UTC) or '' when empty. */
export function scheduleField({ label = 'Send at' } = {}) {
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
    if (!input.value) problem = 'Choose when to send.';
    else if (new Date(input.value).getTime() <= Date.now()) problem = 'Choose a time in the future.';
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
      h('label', { for: id }, label),
      input,
      h(
        'p',
        { class: 'hint', id: `${id}-hint` },
        `In ${browserZone()}. The credits are reserved now and the message waits in the outbox until then.`,
      ),
      error,
    ),
  };
}

/** Whole credits to buy to cover a shortfall ("12.5" -> 13). */
function wholeCredits(shortfall) {
  const [whole, fraction] = String(shortfall).split('.');
  return BigInt(whole) + (fraction && /[1-9]/.test(fraction) ? 1n : 0n);
}

/**
 * The cost panel: `render(estimate)` shows credits, parts, by country, available and the
 * shortfall (with Top up); `render(null, message)` a line of text instead.
 */
export function costPanel({ title = 'Cost' } = {}) {
  const body = h('div', { class: 'cost-body', 'data-testid': 'estimate' });
  const node = h(
    'section',
    { class: 'card cost-card', 'aria-labelledby': 'cost-title', 'aria-live': 'polite' },
    h('h2', { id: 'cost-title', class: 'card-title' }, title),
    body,
  );
  const render = (estimate, message) => {
    if (!estimate) {
      replace(body, h('p', { class: 'muted' }, message ?? 'Enter recipients and a text to see the cost.'));
      return;
    }
    const short = isPositive(estimate.shortfall);
    const invalidCount = estimate.invalidCount ?? estimate.invalid?.length ?? 0;
    replace(
      body,
      h(
        'p',
        { class: 'cost-total' },
        h('strong', { 'data-testid': 'estimate-credits' }, credits(estimate.credits)),
        String(estimate.credits) === '1' ? ' credit' : ' credits',
      ),
      h(
        'p',
        { class: 'muted small' },
        `${estimate.recipients} ${estimate.recipients === 1 ? 'recipient' : 'recipients'}`,
        estimate.segments !== undefined
          ? ` · ${estimate.encoding ?? ''} ${partsLabel(estimate.segments)} each`
          : '',
      ),
      estimate.byCountry?.length
        ? h(
            'table',
            { class: 'table table-compact cost-countries' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', { scope: 'col' }, 'Country'),
                h('th', { scope: 'col', class: 'num' }, 'Recipients'),
                h('th', { scope: 'col', class: 'num' }, 'Credits'),
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
                  h('td', { class: 'num' }, String(c.recipients)),
                  h('td', { class: 'num' }, credits(c.credits)),
                ),
              ),
            ),
          )
        : null,
      h(
        'dl',
        { class: 'facts cost-facts' },
        h('dt', {}, 'Available'),
        h('dd', { 'data-testid': 'estimate-available' }, creditsText(estimate.available)),
        h('dt', {}, 'Short by'),
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
              h(
                'p',
                {},
                `${invalidCount} ${invalidCount === 1 ? 'recipient' : 'recipients'} cannot be sent to:`,
              ),
              h(
                'ul',
                { class: 'plain-list small' },
                estimate.invalid
                  .slice(0, 5)
                  .map((i) =>
                    h(
                      'li',
                      {},
                      i.row ? `Row ${i.row}: ` : '',
                      h('code', {}, i.to || '(empty)'),
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
              'Not enough credit. ',
              h(
                'a',
                { href: `/buy?credits=${wholeCredits(estimate.shortfall)}`, 'data-testid': 'estimate-topup' },
                'Top up',
              ),
              ' first, or let what does not fit wait in the outbox: it goes out by itself when credit arrives.',
            ),
          )
        : null,
      h(
        'p',
        { class: 'fineprint' },
        estimate.local
          ? 'Worked out here from the price list; the server prices each message when it is sent.'
          : 'The server’s estimate; each message is priced when it is sent.',
      ),
    );
  };
  render(null);
  return { node, render };
}
