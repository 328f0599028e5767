// @ts-check
// Messaging · Send SMS: one text to one or a few numbers (one per line), with the sender id
// checked as it is typed, a live counter of characters and SMS parts, an optional schedule, what
// to do when credit runs short, and the cost before sending. Each number is one POST /messages
// with its own Idempotency-Key (kept only while that number's attempt has had no answer); the
// outcome of each is listed. More numbers than a single send is meant for go to a campaign. An
// account that may not send yet (not verified, suspended) cannot press Send: the button says why.
import { ApiError, api, idempotencyKey, statusOf } from '../api.js';
import { costPanel, scheduleField, senderField, textareaField, textCounter } from '../compose.js';
import { countryName } from '../countries.js';
import { h, icon, replace, uniqueId } from '../dom.js';
import { credits, creditsText } from '../format.js';
import { clearErrors, showErrors, submitButton, summarySlot } from '../forms.js';
import { t } from '../i18n.js';
import { refreshOutboxBadge } from '../layout.js';
import { refreshBalance } from '../money.js';
import { dismissErrors, notifyError } from '../notices.js';
import { navigate } from '../router.js';
import { canSend, session, verificationPolicy } from '../session.js';
import { defaultCountry, estimateCost, messagePill, parseRecipients, partsLabel } from '../sms.js';
import { handOverToCampaign } from './campaign-parts.js';

/** @typedef {import('../api-types.js').Sent} Sent */
/** @typedef {{ to: string, sent?: Sent, error?: unknown }} Outcome */
/** @typedef {{ query: URLSearchParams }} PageArgs */

/** More numbers than this: a campaign (one upload, reserved in order, one place to follow it). */
export const MAX_SINGLE_SENDS = 20;
const CONCURRENCY = 4;
const ESTIMATE_DELAY_MS = 350;

/** @type {Record<string, string>} */
const FIELD_KEYS = {
  to: 'messaging.send.fieldTo',
  text: 'messaging.send.fieldText',
  from: 'messaging.send.fieldFrom',
  scheduleAt: 'messaging.send.fieldScheduleAt',
};

/** A refused send in words: 402 with what it needs, field problems, or the API's message. */
export function refusalText(/** @type {unknown} */ error) {
  if (!(error instanceof ApiError)) return t('shell.portalError');
  if (error.code === 'insufficient_credit') {
    const d = /** @type {{ required?: string, available?: string }} */ (error.details ?? {});
    return t(String(d.available) === '1' ? 'messaging.send.shortOne' : 'messaging.send.short', {
      required: creditsText(d.required),
      available: creditsText(d.available),
    });
  }
  if (error.code === 'validation_failed' && error.fields.length) {
    return error.fields
      .map((f) => {
        const key = f.path.split('.').pop() ?? f.path;
        const name = FIELD_KEYS[key] ? t(FIELD_KEYS[key] ?? '') : key;
        return `${name} ${f.message}.`;
      })
      .join(' ');
  }
  if (error.details?.reason === 'account_not_verified') return t('messaging.send.notVerified');
  if (error.status === 0) return `${error.message} ${t('messaging.send.retrySafe')}`;
  return error.message;
}

/**
 * Why this account cannot send now, or null: not verified yet (by whom, as the server's policy
 * says), or suspended.
 */
export function sendBlocker() {
  const account = session.account;
  if (!account || canSend(account)) return null;
  if (account.status === 'suspended') return t('messaging.send.blockedSuspended');
  return verificationPolicy(account) === 'mobile'
    ? t('messaging.send.blockedMobile')
    : t('messaging.send.blockedStaff');
}

export async function sendPage(/** @type {PageArgs} */ { query }) {
  const country = defaultCountry();
  const recipients = textareaField({
    name: 'to',
    label: t('messaging.send.recipients'),
    rows: 4,
    required: true,
    value: query.get('to') ?? '',
    hint: country
      ? t('messaging.send.recipientsHintCountry', { country: countryName(country) })
      : t('messaging.send.recipientsHint'),
    attrs: { autocomplete: 'off', spellcheck: 'false', placeholder: '+34 612 345 678' },
  });
  const recipientCount = h('p', {
    class: 'hint recipient-count',
    'aria-live': 'polite',
    'data-testid': 'recipient-count',
  });
  const tooMany = h('div', { hidden: true });
  const sender = senderField();
  const text = textareaField({ name: 'text', label: t('messaging.send.message'), rows: 5, required: true });
  const counter = textCounter(text.control);
  const schedule = scheduleField();
  schedule.node.hidden = true;

  /**
   * @param {string} name
   * @param {string} value
   * @param {string} label
   * @param {string | null} hint
   * @param {boolean} [checked]
   */
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
    h('legend', {}, t('messaging.send.when')),
    h(
      'div',
      { class: 'option-list option-list-row' },
      radio('when', 'now', t('messaging.send.now'), null, true),
      radio('when', 'later', t('messaging.send.later'), null),
    ),
    schedule.node,
  );
  const policy = h(
    'fieldset',
    { class: 'fieldset' },
    h('legend', {}, t('messaging.send.policy')),
    h(
      'div',
      { class: 'option-list' },
      radio(
        'onInsufficientCredit',
        'reject',
        t('messaging.send.reject'),
        t('messaging.send.rejectHint'),
        true,
      ),
      radio('onInsufficientCredit', 'queue', t('messaging.send.queue'), t('messaging.send.queueHint')),
    ),
  );

  const cost = costPanel({ title: t('messaging.send.costTitle') });
  const blocker = sendBlocker();
  const blockerId = uniqueId('send-blocked');
  const button = submitButton(t('messaging.send.submit'));
  if (blocker) {
    // Not a disabled button (it would not be reachable or read): it says why and does nothing.
    button.setAttribute('aria-disabled', 'true');
    button.setAttribute('aria-describedby', blockerId);
    button.classList.add('button-blocked');
  }
  const results = h('section', { class: 'card', hidden: true, 'aria-labelledby': 'send-results-title' });
  const form = h(
    'form',
    { class: 'form card', novalidate: true, 'aria-label': t('shell.nav.send') },
    summarySlot(),
    recipients.node,
    recipientCount,
    tooMany,
    h('div', { class: 'form-grid' }, sender.node),
    text.node,
    counter.node,
    when,
    policy,
    h(
      'div',
      { class: 'form-actions' },
      button,
      blocker
        ? h(
            'p',
            { class: 'send-blocked', id: blockerId, 'data-testid': 'send-blocked' },
            icon('alert', 'icon send-blocked-icon'),
            h('span', {}, blocker, ' ', h('a', { href: '/' }, t('messaging.send.seeDashboard'))),
          )
        : null,
    ),
  );

  const numbers = () => parseRecipients(recipients.control.value);
  const checkedValue = (/** @type {string} */ name, /** @type {string} */ fallback) => {
    const input = form.querySelector(`input[name="${name}"]:checked`);
    return input instanceof HTMLInputElement ? input.value : fallback;
  };
  const whenValue = () => checkedValue('when', 'now');
  const policyValue = () => checkedValue('onInsufficientCredit', 'reject');

  const renderCount = () => {
    const { numbers: list, duplicates, malformed } = numbers();
    const parts = [t('messaging.send.numbers', { count: list.length })];
    if (duplicates) parts.push(t('messaging.send.repeated', { count: duplicates }));
    if (malformed.length) {
      parts.push(
        t('messaging.send.notNumber', {
          lines: `${malformed.slice(0, 3).join(', ')}${malformed.length > 3 ? '…' : ''}`,
        }),
      );
    }
    recipientCount.textContent = list.length || malformed.length ? parts.join(' · ') : '';
    button.textContent =
      list.length > 1 ? t('messaging.send.submitMany', { count: list.length }) : t('messaging.send.submit');
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
            h('p', {}, t('messaging.send.tooMany', { count: list.length, max: MAX_SINGLE_SENDS })),
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
              t('messaging.send.makeCampaign'),
            ),
          ),
        ),
      );
    }
  };

  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let estimateTimer;
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
        cost.render(null, t('messaging.send.campaignCost'));
        return;
      }
      try {
        const estimate = await estimateCost(list, text.control.value);
        if (run === estimateRun) cost.render(estimate);
      } catch (error) {
        if (run === estimateRun) {
          cost.render(
            null,
            t('messaging.send.costFailed', { why: error instanceof Error ? error.message : '' }),
          );
        }
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
  /** @type {Map<string, string>} */
  const attemptKeys = new Map();

  const resultsBody = h('tbody');
  const summary = h('p', { class: 'send-summary', role: 'status', 'data-testid': 'send-summary' });
  replace(
    results,
    h('h2', { id: 'send-results-title', class: 'card-title' }, t('messaging.send.results')),
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
            h('th', { scope: 'col' }, t('messaging.send.number')),
            h('th', { scope: 'col' }, t('messaging.send.outcome')),
            h('th', { scope: 'col', class: 'num' }, t('messaging.list.credits')),
          ),
        ),
        resultsBody,
      ),
    ),
    h(
      'p',
      { class: 'button-row' },
      h(
        'a',
        { href: '/messages', class: 'button button-secondary button-small' },
        t('messaging.send.allMessages'),
      ),
      h('a', { href: '/outbox', class: 'button button-ghost button-small' }, t('shell.nav.outbox')),
    ),
  );

  /**
   * @param {string} to
   * @param {Record<string, string>} body
   * @returns {Promise<Outcome>}
   */
  const sendOne = async (to, body) => {
    const fingerprint = `${to}\n${JSON.stringify(body)}`;
    const key = attemptKeys.get(fingerprint) ?? idempotencyKey();
    attemptKeys.set(fingerprint, key);
    try {
      const sent = /** @type {Sent} */ (
        await api.post('/messages', { ...body, to }, { headers: { 'idempotency-key': key } })
      );
      attemptKeys.delete(fingerprint);
      return { to, sent };
    } catch (error) {
      if (statusOf(error) !== 0) attemptKeys.delete(fingerprint);
      return { to, error };
    }
  };

  const resultRow = (/** @type {Outcome} */ { to, sent, error }) => {
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
            ` ${countryName(sent.country)} · ${sent.encoding} · ${partsLabel(sent.segments)}`,
          ),
        ),
        h('td', { class: 'num cell-credits' }, credits(sent.credits)),
      );
    }
    const short = error instanceof ApiError && error.code === 'insufficient_credit';
    return h(
      'tr',
      { class: 'result-refused', 'data-to': to },
      h('td', { class: 'cell-to' }, to),
      h(
        'td',
        { class: 'cell-outcome' },
        h('span', { class: 'pill pill-failed' }, t('messaging.send.notSent')),
        h('span', { class: 'refusal', 'data-testid': 'refusal' }, ` ${refusalText(error)}`),
        short ? h('span', {}, ' ', h('a', { href: '/buy' }, t('shell.topUp'))) : null,
      ),
      h('td', { class: 'num cell-credits' }, '—'),
    );
  };

  form.noValidate = true;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (blocker) return;
    clearErrors(form);
    dismissErrors();
    const { numbers: list, malformed } = numbers();
    const problems = [];
    if (!list.length) {
      problems.push({
        path: 'to',
        message: malformed.length ? t('messaging.send.holdsNoNumber') : t('common.required'),
      });
    }
    if (!text.control.value.trim()) problems.push({ path: 'text', message: t('common.required') });
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
    /** @type {Record<string, string>} */
    const body = { text: text.control.value, onInsufficientCredit: policyValue() };
    if (sender.input.value) body.from = sender.input.value;
    if (whenValue() === 'later') body.scheduleAt = schedule.value();

    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    replace(resultsBody);
    summary.textContent = t('messaging.send.sending', { count: list.length });
    results.hidden = false;
    /** @type {Outcome[]} */
    const outcomes = [];
    try {
      const queue = [...list];
      const workers = Array.from({ length: Math.min(CONCURRENCY, queue.length) }, async () => {
        for (let to = queue.shift(); to !== undefined; to = queue.shift()) {
          const outcome = await sendOne(to, body);
          outcomes.push(outcome);
          resultsBody.append(resultRow(outcome));
        }
      });
      await Promise.all(workers);
      // Rows in the order the numbers were written.
      const order = new Map(list.map((n, i) => [n, i]));
      replace(
        resultsBody,
        ...outcomes.sort((a, b) => (order.get(a.to) ?? 0) - (order.get(b.to) ?? 0)).map(resultRow),
      );
      const accepted = outcomes.filter((o) => o.sent);
      const waiting = accepted.filter((o) => o.sent?.status === 'waiting_credit').length;
      const refused = outcomes.length - accepted.length;
      summary.textContent = [
        t('messaging.send.accepted', { accepted: accepted.length, count: outcomes.length }),
        waiting ? t('messaging.send.waiting', { count: waiting }) : null,
        refused ? t('messaging.send.refused', { count: refused }) : null,
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
        .map((f) => ({ path: f.path.split('.').pop() ?? f.path, message: f.message }));
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

  return h(
    'section',
    { class: 'page page-wide' },
    h(
      'header',
      { class: 'page-header page-header-row' },
      h(
        'div',
        {},
        h('h1', {}, t('shell.nav.send')),
        h(
          'p',
          { class: 'lead' },
          `${t('messaging.send.lead', { max: MAX_SINGLE_SENDS })} `,
          h('a', { href: '/campaigns/new' }, t('messaging.send.startCampaign')),
          '.',
        ),
      ),
      h('a', { href: '/pricing', class: 'button button-ghost' }, t('shell.nav.pricing')),
    ),
    h(
      'div',
      { class: 'split send-split' },
      h('div', { class: 'send-main' }, form, results),
      h('div', { class: 'send-side' }, cost.node),
    ),
  );
}
