// @ts-check
// What the campaign screens share: a campaign's status and outcome in words ("Finished · 3,899
// sent · 1,101 removed"), its progress, its counts per status, what its outbox holds, and the
// numbers the Send SMS page hands over to a new campaign.
import { h } from '../dom.js';
import { formatNumber, t } from '../i18n.js';
import { MESSAGE_STATUS_ORDER, messageStatusLabel } from '../sms.js';

/** @typedef {import('../api-types.js').Campaign} Campaign */

/** Counts in the order a campaign moves through them: its rows not started, then its messages. */
export const COUNT_ORDER = /** @type {const} */ (['draft', ...MESSAGE_STATUS_ORDER]);
const OUTBOX_COUNTS = ['scheduled', 'queued', 'waiting_credit'];
const CAMPAIGN_STATUSES = ['draft', 'scheduled', 'running', 'completed', 'canceled'];

/** @typedef {{ numbers: string[], text: string, from: string }} HandOver */
/** @type {HandOver | null} */
let handedOver = null;

/** Numbers (and a text) from the Send SMS page, for the new campaign form to start from. */
export function handOverToCampaign(/** @type {HandOver} */ draft) {
  handedOver = draft;
}

/** What the Send SMS page handed over, once. */
export function takeHandOver() {
  const draft = handedOver;
  handedOver = null;
  return draft;
}

/** A count's label: a message status, or "Not started" for a draft's rows. */
export function countLabel(/** @type {string} */ status) {
  return status === 'draft' ? t('campaigns.count.draft') : messageStatusLabel(status);
}

/** The campaign's status in words; a finished one is "Finished" whatever became of its messages. */
export function campaignStatusLabel(/** @type {string} */ status) {
  return CAMPAIGN_STATUSES.includes(status) ? t(`campaigns.status.${status}`) : status;
}

export function campaignPill(/** @type {string} */ status) {
  return h(
    'span',
    { class: ['pill', `pill-campaign-${status}`], 'data-testid': 'campaign-status' },
    campaignStatusLabel(status),
  );
}

/** @param {Campaign} c */
function count(c, /** @type {string} */ status) {
  return c.counts?.[status] ?? 0;
}

/**
 * Progress: messages with an outcome (sent, delivered, failed) or removed, of all.
 * @param {Campaign} c
 */
export function progressOf(c) {
  const done = count(c, 'delivered') + count(c, 'failed') + count(c, 'sent') + count(c, 'canceled');
  return { done, total: c.recipients ?? 0 };
}

/** Messages of the campaign not yet with a carrier (what Remove outbox takes). */
export function outboxOf(/** @type {Campaign} */ c) {
  return c.outbox?.messages ?? OUTBOX_COUNTS.reduce((sum, s) => sum + count(c, s), 0);
}

/**
 * The outcome in a line: "3,899 sent · 1,101 removed" (sent are those a carrier took: sent and
 * delivered; failed and waiting are named when there are any); while it runs, "120 of 5,000 done".
 * @param {Campaign} c
 */
export function outcomeLine(c) {
  const { done, total } = progressOf(c);
  if (c.status === 'draft') return t('campaigns.outcome.draft', { count: total });
  if (c.status !== 'completed' && c.status !== 'canceled') {
    return t('campaigns.outcome.progress', { done, total });
  }
  const parts = [t('campaigns.outcome.sent', { count: count(c, 'sent') + count(c, 'delivered') })];
  if (count(c, 'failed')) parts.push(t('campaigns.outcome.failed', { count: count(c, 'failed') }));
  if (count(c, 'canceled')) parts.push(t('campaigns.outcome.removed', { count: count(c, 'canceled') }));
  return parts.join(' · ');
}

/** The status and the outcome: "Finished · 3,899 sent · 1,101 removed". */
export function statusLine(/** @type {Campaign} */ c) {
  return h(
    'span',
    { class: 'campaign-line', 'data-testid': 'campaign-line' },
    campaignPill(c.status),
    h('span', { class: 'muted', 'data-testid': 'campaign-outcome' }, ` · ${outcomeLine(c)}`),
  );
}

/** A progress bar with its words, for lists and the campaign's page. */
export function progressBar(/** @type {Campaign} */ c, inline = false) {
  const { done, total } = progressOf(c);
  return h('progress', {
    class: ['progress', inline && 'progress-inline'],
    max: total || 1,
    value: done,
    'aria-label': t('campaigns.outcome.progress', { done, total }),
  });
}

/** The counts per status, each a link to those messages. */
export function countsGrid(/** @type {Campaign} */ c) {
  return h(
    'ul',
    { class: 'count-grid', 'data-testid': 'campaign-counts' },
    COUNT_ORDER.filter((s) => s !== 'draft' || count(c, 'draft') > 0 || c.status === 'draft').map((s) =>
      h(
        'li',
        { class: ['count', `count-${s}`, count(c, s) ? null : 'count-zero'], 'data-status': s },
        h('span', { class: 'count-value', 'data-testid': `count-${s}` }, formatNumber(count(c, s))),
        s === 'draft'
          ? h('span', { class: 'count-label' }, countLabel(s))
          : h(
              'a',
              { class: 'count-label', href: `/messages?campaignId=${encodeURIComponent(c.id)}&status=${s}` },
              countLabel(s),
            ),
      ),
    ),
  );
}
