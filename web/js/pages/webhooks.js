// @ts-check
// My account · Webhooks: the URL that receives the account's events, its signing secret (shown
// once, when the webhook is created or the secret replaced), the events it receives, a test event
// on request, and the recent deliveries with how each went (refreshed while the page is open).
import { api } from '../api.js';
import { h, icon } from '../dom.js';
import { dateTime } from '../format.js';
import { field, onSubmit, submitButton, summarySlot } from '../forms.js';
import { t } from '../i18n.js';
import { notify, notifyError } from '../notices.js';
import { confirmDialog } from './dialog.js';

/** @typedef {{ url: string, createdAt: string, updatedAt: string }} Webhook */
/** @typedef {{ webhook: Webhook | null, events: string[] }} Overview */
/**
 * @typedef {object} Delivery
 * @property {string} id
 * @property {string} type
 * @property {'pending' | 'delivered' | 'failed'} status
 * @property {number} attempts
 * @property {number | null} lastStatusCode
 * @property {string | null} lastError
 * @property {string | null} nextAttemptAt
 * @property {string} createdAt
 * @property {string | null} deliveredAt
 */
/** @typedef {{ params: Record<string, string>, query: URLSearchParams, signal: AbortSignal }} PageArgs */

const REFRESH_MS = 3000;
const PILL = { pending: 'pill-webhook-pending', delivered: 'pill-webhook-delivered', failed: 'pill-failed' };

/** The signing secret, shown once with a copy button. */
function revealSecret(/** @type {string} */ secret) {
  const code = h('code', { 'data-testid': 'webhook-secret' }, secret);
  const button = h(
    'button',
    { type: 'button', class: 'button button-secondary button-small' },
    icon('copy'),
    t('webhooks.secret.copy'),
  );
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(secret);
      notify(t('webhooks.secret.copied'));
    } catch {
      getSelection()?.selectAllChildren(code);
      notify(t('webhooks.secret.selectIt'), { kind: 'info' });
    }
  });
  return h(
    'div',
    { class: 'key-reveal', role: 'region', 'aria-label': t('webhooks.secret.title'), tabindex: '-1' },
    h('h2', {}, t('webhooks.secret.title')),
    h(
      'p',
      { class: 'callout callout-warning' },
      icon('alert'),
      h('span', {}, h('strong', {}, t('webhooks.secret.once')), ' ', t('webhooks.secret.why')),
    ),
    h('div', { class: 'key-box' }, code, button),
  );
}

/** What each event type tells (a type the server adds later is shown by its name alone). */
/** @type {Record<string, string>} */
const EVENT_TEXT = {
  'message.status': 'webhooks.events.kinds.messageStatus',
  'purchase.credited': 'webhooks.events.kinds.purchaseCredited',
  'balance.low': 'webhooks.events.kinds.balanceLow',
  'auto_refill.succeeded': 'webhooks.events.kinds.autoRefillSucceeded',
  'auto_refill.failed': 'webhooks.events.kinds.autoRefillFailed',
  'auto_refill.paused': 'webhooks.events.kinds.autoRefillPaused',
  'invoice.issued': 'webhooks.events.kinds.invoiceIssued',
  'webhook.test': 'webhooks.events.kinds.webhookTest',
};

function eventLabel(/** @type {string} */ type) {
  return h('code', {}, type);
}

function deliveriesTable(/** @type {Delivery[]} */ rows) {
  if (rows.length === 0) return h('p', { class: 'empty' }, t('webhooks.deliveries.none'));
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table', 'data-testid': 'webhook-deliveries' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, t('webhooks.deliveries.at')),
          h('th', { scope: 'col' }, t('webhooks.deliveries.event')),
          h('th', { scope: 'col' }, t('webhooks.deliveries.status')),
          h('th', { scope: 'col', class: 'num' }, t('webhooks.deliveries.attempts')),
          h('th', { scope: 'col' }, t('webhooks.deliveries.answer')),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((d) =>
          h(
            'tr',
            { 'data-delivery-id': d.id },
            h('td', { class: 'nowrap' }, dateTime(d.createdAt)),
            h('td', {}, eventLabel(d.type)),
            h(
              'td',
              {},
              h('span', { class: ['pill', PILL[d.status]] }, t(`webhooks.status.${d.status}`)),
              d.status === 'pending' && d.nextAttemptAt
                ? h(
                    'div',
                    { class: 'muted small' },
                    t('webhooks.deliveries.next', { at: dateTime(d.nextAttemptAt) }),
                  )
                : null,
            ),
            h('td', { class: 'num' }, d.attempts),
            h(
              'td',
              {},
              d.lastStatusCode !== null ? h('code', {}, `HTTP ${d.lastStatusCode}`) : null,
              d.lastError ? h('div', { class: 'muted small' }, d.lastError) : null,
              d.lastStatusCode === null && !d.lastError ? '—' : null,
            ),
          ),
        ),
      ),
    ),
  );
}

/** @param {PageArgs} args */
export async function webhooksPage({ signal }) {
  const page = h('section', { class: 'page' });
  const reveal = h('div');
  const endpoint = h('section', { class: 'card', 'aria-labelledby': 'wh-endpoint' });
  const events = h('section', { class: 'card', 'aria-labelledby': 'wh-events' });
  const deliveriesHost = h('div');
  let shownDeliveries = '';

  const loadDeliveries = async () => {
    const answer = /** @type {{ data: Delivery[] }} */ (
      await api.get('/webhooks/deliveries?limit=20', { signal })
    );
    const key = JSON.stringify(answer.data.map((d) => [d.id, d.status, d.attempts]));
    if (key === shownDeliveries) return;
    shownDeliveries = key;
    deliveriesHost.replaceChildren(deliveriesTable(answer.data));
  };

  const renderEndpoint = (/** @type {Overview} */ overview) => {
    const hook = overview.webhook;
    const form = h(
      'form',
      { class: 'form', 'aria-label': t('webhooks.endpoint.title') },
      summarySlot(),
      field({
        name: 'url',
        label: t('webhooks.endpoint.url'),
        type: 'url',
        required: true,
        value: hook?.url ?? '',
        hint: t('webhooks.endpoint.urlHint'),
        attrs: { maxlength: 2000, autocomplete: 'off', spellcheck: 'false' },
        wide: true,
      }),
      h(
        'div',
        { class: 'form-actions' },
        submitButton(t(hook ? 'webhooks.endpoint.change' : 'webhooks.endpoint.create')),
      ),
    );
    onSubmit(form, async (values) => {
      const saved = /** @type {Webhook & { secret?: string }} */ (
        await api.put('/webhooks/messages', { url: values.url })
      );
      notify(t('webhooks.endpoint.saved'));
      reveal.replaceChildren(saved.secret ? revealSecret(saved.secret) : '');
      await reload();
    });

    /** @type {HTMLElement[]} */
    const actions = [];
    if (hook) {
      const test = h(
        'button',
        { type: 'button', class: 'button button-primary' },
        icon('send'),
        t('webhooks.test.send'),
      );
      test.addEventListener('click', async () => {
        test.disabled = true;
        try {
          await api.post('/webhooks/messages/test', {});
          notify(t('webhooks.test.queued'));
          await loadDeliveries();
        } catch (error) {
          notifyError(error);
        } finally {
          test.disabled = false;
        }
      });
      const rotate = h(
        'button',
        { type: 'button', class: 'button button-secondary' },
        t('webhooks.secret.rotate'),
      );
      rotate.addEventListener('click', async () => {
        const ok = await confirmDialog({
          title: t('webhooks.secret.rotateTitle'),
          text: t('webhooks.secret.rotateText'),
          confirm: t('webhooks.secret.rotate'),
          danger: true,
        });
        if (!ok) return;
        try {
          const answer = /** @type {{ secret: string }} */ (
            await api.post('/webhooks/messages/rotate-secret', {})
          );
          reveal.replaceChildren(revealSecret(answer.secret));
        } catch (error) {
          notifyError(error);
        }
      });
      const remove = h(
        'button',
        { type: 'button', class: 'button button-danger-ghost' },
        t('webhooks.endpoint.remove'),
      );
      remove.addEventListener('click', async () => {
        const ok = await confirmDialog({
          title: t('webhooks.endpoint.removeTitle'),
          text: t('webhooks.endpoint.removeText'),
          confirm: t('webhooks.endpoint.remove'),
          danger: true,
        });
        if (!ok) return;
        try {
          await api.delete('/webhooks/messages');
          notify(t('webhooks.endpoint.removed'));
          reveal.replaceChildren();
          await reload();
        } catch (error) {
          notifyError(error);
        }
      });
      actions.push(test, rotate, remove);
    }
    endpoint.replaceChildren(
      h('h2', { class: 'card-title', id: 'wh-endpoint' }, t('webhooks.endpoint.title')),
      hook
        ? h('p', { class: 'muted' }, t('webhooks.endpoint.since', { at: dateTime(hook.createdAt) }))
        : h('p', { class: 'empty' }, t('webhooks.endpoint.none')),
      form,
      ...(actions.length ? [h('div', { class: 'button-row' }, actions)] : []),
    );
    events.replaceChildren(
      h('h2', { class: 'card-title', id: 'wh-events' }, t('webhooks.events.title')),
      h('p', { class: 'muted' }, t('webhooks.events.lead')),
      h(
        'ul',
        { class: 'plain-list event-list' },
        overview.events.map((type) => {
          const text = EVENT_TEXT[type];
          return h('li', {}, eventLabel(type), text ? ` — ${t(text)}` : null);
        }),
      ),
      h(
        'p',
        { class: 'fineprint' },
        t('webhooks.events.signature'),
        ' ',
        h('code', {}, 'Tollgate-Signature: t=…,v1=…'),
      ),
    );
  };

  const reload = async () => {
    renderEndpoint(/** @type {Overview} */ (await api.get('/webhooks', { signal })));
    await loadDeliveries();
  };
  await reload();
  const timer = setInterval(() => {
    if (document.visibilityState === 'hidden') return;
    loadDeliveries().catch(() => undefined); // the next round tries again
  }, REFRESH_MS);
  signal.addEventListener('abort', () => clearInterval(timer));

  page.append(
    h(
      'header',
      { class: 'page-header' },
      h('h1', {}, t('webhooks.title')),
      h('p', { class: 'lead' }, t('webhooks.lead')),
    ),
    reveal,
    h(
      'div',
      { class: 'grid' },
      endpoint,
      events,
      h(
        'section',
        { class: 'card card-wide', 'aria-labelledby': 'wh-deliveries' },
        h('h2', { class: 'card-title', id: 'wh-deliveries' }, t('webhooks.deliveries.title')),
        deliveriesHost,
      ),
    ),
  );
  return page;
}
