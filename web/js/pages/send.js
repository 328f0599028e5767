// Messaging · Send SMS: one text to one or a few numbers (one per line), with the sender id
// checked as it is typed, a live counter of characters and SMS parts, an optional schedule, what
// to do when credit runs short, and the cost before sending. Each number is one POST /messages
// with its own Idempotency-Key (kept only while that number's attempt has had no answer); the
// outcome of each is listed. More numbers than a single send is meant for go to a campaign.
import { ApiError, api, idempotencyKey } from '../api.js';
import { costPanel, scheduleField, senderField, textareaField, textCounter } from '../compose.js';
import { countryName } from '../countries.js';
import { h, icon, replace } from '../dom.js';
import { credits } from '../format.js';
import { clearErrors, showErrors, submitButton, summarySlot } from '../forms.js';
import { refreshOutboxBadge } from '../layout.js';
import { refreshBalance } from '../money.js';
import { dismissErrors, notifyError } from '../notices.js';
import { navigate } from '../router.js';
import { session } from '../session.js';
import { creditsText, defaultCountry, estimateCost, messagePill, parseRecipients } from '../sms.js';
import { handOverToCampaign } from './campaigns.js';

/** More numbers than this: a campaign (one upload, reserved in order, one place to follow it). */
export const MAX_SINGLE_SENDS = 20;
const CONCURRENCY = 4;
const ESTIMATE_DELAY_MS = 350;

const FIELD_NAMES = { to: 'The number', text: 'The text', from: 'The sender id', scheduleAt: 'The time' };

/** A refused send in words: 402 with what it needs, field problems, or the API's message. */
export function refusalText(error) {
  if (!(error instanceof ApiError)) return 'Something went wrong in the portal.';
  if (error.code === 'insufficient_credit') {
    const d = error.details ?? {};
    const one = String(d.available) === '1';
    return `Not enough credit: it needs ${creditsText(d.required)} and ${creditsText(d.available)} ${one ? 'is' : 'are'} available.`;
  }
  if (error.code === 'validation_failed' && error.fields.length) {
    return error.fields
      .map((f) => {
        const key = f.path.split('.').pop();
        return `${FIELD_NAMES[key] ?? key} ${f.message}.`;
      })
      .join(' ');
  }
  if (error.details?.reason === 'account_not_verified') {
    return 'Your account is not verified yet, so it cannot send. Finish the steps on the dashboard.';
  }
  if (error.status === 0) return `${error.message} Sending again repeats nothing that already went through.`;
  return error.message;
}

export async function sendPage({ query }) {
  const country = defaultCountry();
  const recipients = textareaField({
    name: 'to',
    label: 'Recipients',
    rows: 4,
    required: true,
    value: query.get('to') ?? '',
    hint: country
      ? `One number per line. Numbers without + are read as ${countryName(country)} numbers (your default country, set in Preferences).`
      : 'One number per line, with + and the country code (choose a default country in Preferences to leave it out).',
    attrs: { autocomplete: 'off', spellcheck: 'false', placeholder: '+34 612 345 678' },
  });
  const recipientCount = h('p', {
    class: 'hint recipient-count',
    'aria-live': 'polite',
    'data-testid': 'recipient-count',
  });
  const tooMany = h('div', { hidden: true });
  const sender = senderField();
  const text = textareaField({ name: 'text', label: 'Message', rows: 5, required: true });
  const counter = textCounter(text.control);
  const schedule = scheduleField();
  schedule.node.hidden = true;

  const radio = (name, value, label, hint, checked = false) =>
    h(
      'label',
      { class: 'option' },
      h('input', { type: 'radio', name, value, checked }),
      h(
        'span',
        { class: 'option-text' },
        h('strong', {}, label),
        hint ? h('span', { class: 'muted small' }, hint) : null,
      ),
    );
  const when = h(
    'fieldset',
    { class: 'fieldset' },
    h('legend', {}, 'When'),
    h(
      'div',
      { class: 'option-list option-list-row' },
      radio('when', 'now', 'Now', null, true),
      radio('when', 'later', 'Later', null),
    ),
    schedule.node,
  );
  const policy = h(
    'fieldset',
    { class: 'fieldset' },
    h('legend', {}, 'When credit runs short'),
    h(
      'div',
      { class: 'option-list' },
      radio(
        'onInsufficientCredit',
        'reject',
        'Refuse the message',
        'Nothing is sent or stored; you see how much is missing.',
        true,
      ),
      radio(
        'onInsufficientCredit',
        'queue',
        'Let it wait in the outbox',
        'It goes out by itself as soon as credit arrives (a purchase or a top-up).',
      ),
    ),
  );

  const cost = costPanel({ title: 'Cost before sending' });
  const button = submitButton('Send');
  const results = h('section', { class: 'card', hidden: true, 'aria-labelledby': 'send-results-title' });
  const form = h(
    'form',
    { class: 'form card', novalidate: true, 'aria-label': 'Send SMS' },
    summarySlot(),
    recipients.node,
    recipientCount,
    tooMany,
    h('div', { class: 'form-grid' }, sender.node),
    text.node,
    counter.node,
    when,
    policy,
    h('div', { class: 'form-actions' }, button),
  );

  const numbers = () => parseRecipients(recipients.control.value);
  const whenValue = () => form.querySelector('input[name="when"]:checked')?.value ?? 'now';
  const policyValue = () =>
    form.querySelector('input[name="onInsufficientCredit"]:checked')?.value ?? 'reject';

  const renderCount = () => {
    const { numbers: list, duplicates, malformed } = numbers();
    const parts = [`${list.length} ${list.length === 1 ? 'number' : 'numbers'}`];
    if (duplicates) parts.push(`${duplicates} repeated left out`);
    if (malformed.length)
      parts.push(`not a number: ${malformed.slice(0, 3).join(', ')}${malformed.length > 3 ? '…' : ''}`);
    recipientCount.textContent = list.length || malformed.length ? parts.join(' · ') : '';
    button.textContent = list.length > 1 ? `Send ${list.length} messages` : 'Send';
    const over = list.length > MAX_SINGLE_SENDS;
    button.disabled = over;
    tooMany.hidden = !over;
    if (over) {
      replace(
        tooMany,
        h(
          'div',
          { class: 'callout callout-info', 'data-testid': 'suggest-campaign' },
          icon('campaign'),
          h(
            'div',
            {},
            h(
              'p',
              {},
              `${list.length} numbers is more than ${MAX_SINGLE_SENDS} single sends. Send them as a campaign: one list, reserved in order, followed in one place.`,
            ),
            h(
              'button',
              {
                type: 'button',
                class: 'button button-secondary button-small',
                onclick: () => {
                  handOverToCampaign({ numbers: list, text: text.control.value, from: sender.input.value });
                  navigate('/campaigns/new');
                },
              },
              'Make a campaign of these numbers',
            ),
          ),
        ),
      );
    }
  };

  let estimateTimer = null;
  let estimateRun = 0;
  const updateEstimate = () => {
    clearTimeout(estimateTimer);
    estimateTimer = setTimeout(async () => {
      const list = numbers().numbers;
      const run = ++estimateRun;
      if (!list.length || !text.control.value.trim()) {
        cost.render(null);
        return;
      }
      if (list.length > MAX_SINGLE_SENDS) {
        cost.render(null, 'A campaign shows its cost before it starts.');
        return;
      }
      try {
        const estimate = await estimateCost(list, text.control.value);
        if (run === estimateRun) cost.render(estimate);
      } catch (error) {
        if (run === estimateRun)
          cost.render(null, `The cost cannot be worked out just now (${error.message}).`);
      }
    }, ESTIMATE_DELAY_MS);
  };

  recipients.control.addEventListener('input', () => {
    renderCount();
    updateEstimate();
  });
  text.control.addEventListener('input', updateEstimate);
  for (const input of when.querySelectorAll('input[name="when"]')) {
    input.addEventListener('change', () => {
      schedule.node.hidden = whenValue() !== 'later';
    });
  }
  renderCount();
  updateEstimate();

  // One key per number and request body: kept while that attempt had no answer at all.
  const attemptKeys = new Map();

  const resultsBody = h('tbody');
  const summary = h('p', { class: 'send-summary', role: 'status', 'data-testid': 'send-summary' });
  replace(
    results,
    h('h2', { id: 'send-results-title', class: 'card-title' }, 'What happened'),
    summary,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'table table-stack table-send-results', 'data-testid': 'send-results' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'Number'),
            h('th', { scope: 'col' }, 'Outcome'),
            h('th', { scope: 'col', class: 'num' }, 'Credits'),
          ),
        ),
        resultsBody,
      ),
    ),
    h(
      'p',
      { class: 'button-row' },
      h('a', { href: '/messages', class: 'button button-secondary button-small' }, 'All messages'),
      h('a', { href: '/outbox', class: 'button button-ghost button-small' }, 'Outbox'),
    ),
  );

  const sendOne = async (to, body) => {
    const fingerprint = `${to}\n${JSON.stringify(body)}`;
    const key = attemptKeys.get(fingerprint) ?? idempotencyKey();
    attemptKeys.set(fingerprint, key);
    try {
      const sent = await api.post('/messages', { ...body, to }, { headers: { 'idempotency-key': key } });
      attemptKeys.delete(fingerprint);
      return { to, sent };
    } catch (error) {
      if (error?.status !== 0) attemptKeys.delete(fingerprint);
      return { to, error };
    }
  };

  const resultRow = ({ to, sent, error }) => {
    if (sent) {
      return h(
        'tr',
        { class: 'result-ok', 'data-to': to },
        h(
          'td',
          { class: 'cell-to' },
          h('a', { href: `/messages/${encodeURIComponent(sent.id)}`, class: 'strong-link' }, sent.to),
        ),
        h(
          'td',
          { class: 'cell-outcome' },
          messagePill(sent.status),
          h(
            'span',
            { class: 'muted small' },
            ` ${countryName(sent.country)} · ${sent.encoding} · ${sent.segments} ${sent.segments === 1 ? 'part' : 'parts'}`,
          ),
        ),
        h('td', { class: 'num cell-credits' }, credits(sent.credits)),
      );
    }
    const short = error?.code === 'insufficient_credit';
    return h(
      'tr',
      { class: 'result-refused', 'data-to': to },
      h('td', { class: 'cell-to' }, to),
      h(
        'td',
        { class: 'cell-outcome' },
        h('span', { class: 'pill pill-failed' }, 'Not sent'),
        h('span', { class: 'refusal', 'data-testid': 'refusal' }, ` ${refusalText(error)}`),
        short ? h('span', {}, ' ', h('a', { href: '/buy' }, 'Top up')) : null,
      ),
      h('td', { class: 'num cell-credits' }, '—'),
    );
  };

  form.noValidate = true;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    dismissErrors();
    const { numbers: list, malformed } = numbers();
    const problems = [];
    if (!list.length)
      problems.push({ path: 'to', message: malformed.length ? 'holds no phone number' : 'is required' });
    if (!text.control.value.trim()) problems.push({ path: 'text', message: 'is required' });
    if (problems.length) {
      showErrors(form, problems);
      return;
    }
    if (!sender.check()) {
      sender.input.focus();
      return;
    }
    if (whenValue() === 'later' && !schedule.check()) {
      schedule.input.focus();
      return;
    }
    if (list.length > MAX_SINGLE_SENDS) return;
    const body = { text: text.control.value, onInsufficientCredit: policyValue() };
    if (sender.input.value) body.from = sender.input.value;
    if (whenValue() === 'later') body.scheduleAt = schedule.value();

    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    replace(resultsBody);
    summary.textContent = `Sending ${list.length} ${list.length === 1 ? 'message' : 'messages'}…`;
    results.hidden = false;
    const outcomes = [];
    try {
      const queue = [...list];
      const workers = Array.from({ length: Math.min(CONCURRENCY, queue.length) }, async () => {
        while (queue.length) {
          const to = queue.shift();
          const outcome = await sendOne(to, body);
          outcomes.push(outcome);
          resultsBody.append(resultRow(outcome));
        }
      });
      await Promise.all(workers);
      // Rows in the order the numbers were written.
      const order = new Map(list.map((n, i) => [n, i]));
      replace(resultsBody, ...outcomes.sort((a, b) => order.get(a.to) - order.get(b.to)).map(resultRow));
      const accepted = outcomes.filter((o) => o.sent);
      const waiting = accepted.filter((o) => o.sent.status === 'waiting_credit').length;
      const refused = outcomes.length - accepted.length;
      summary.textContent = [
        `${accepted.length} of ${outcomes.length} accepted`,
        waiting ? `${waiting} waiting for credit in the outbox` : null,
        refused ? `${refused} not sent` : null,
      ]
        .filter(Boolean)
        .join(' · ');
      summary.className = ['send-summary', refused ? 'text-danger' : null].filter(Boolean).join(' ');
      // A problem with the text or sender is the same for every number: show it by the field.
      const fieldProblems = outcomes
        .flatMap((o) =>
          o.error instanceof ApiError && o.error.code === 'validation_failed' ? o.error.fields : [],
        )
        .filter((f) => !f.path.endsWith('to'))
        .map((f) => ({ path: f.path.split('.').pop(), message: f.message }));
      if (fieldProblems.length)
        showErrors(form, [...new Map(fieldProblems.map((f) => [f.path, f])).values()]);
      if (accepted.length) {
        refreshBalance();
        refreshOutboxBadge();
        updateEstimate();
      }
      results.scrollIntoView?.({ block: 'nearest' });
    } catch (error) {
      notifyError(error);
    } finally {
      button.disabled = numbers().numbers.length > MAX_SINGLE_SENDS;
      button.removeAttribute('aria-busy');
    }
  });

  const blocked = session.account && session.account.status !== 'active';
  return h(
    'section',
    { class: 'page page-wide' },
    h(
      'header',
      { class: 'page-header page-header-row' },
      h(
        'div',
        {},
        h('h1', {}, 'Send SMS'),
        h(
          'p',
          { class: 'lead' },
          `One text to one number or a few (up to ${MAX_SINGLE_SENDS}); for a list, `,
          h('a', { href: '/campaigns/new' }, 'start a campaign'),
          '.',
        ),
      ),
      h('a', { href: '/pricing', class: 'button button-ghost' }, 'Price list'),
    ),
    blocked
      ? h(
          'p',
          { class: 'callout callout-warning' },
          icon('alert'),
          h(
            'span',
            {},
            'Your account is not verified yet: messages are refused until it is. See the ',
            h('a', { href: '/' }, 'dashboard'),
            '.',
          ),
        )
      : null,
    h(
      'div',
      { class: 'split send-split' },
      h('div', { class: 'send-main' }, form, results),
      h('div', { class: 'send-side' }, cost.node),
    ),
  );
}
