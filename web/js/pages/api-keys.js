// @ts-check
// My account · API keys: create one (shown once, then only its prefix), list, revoke.
import { api } from '../api.js';
import { h, icon } from '../dom.js';
import { dateTime, relativeTime } from '../format.js';
import { field, onSubmit, submitButton, summarySlot } from '../forms.js';
import { t, tNodes } from '../i18n.js';
import { notify, notifyError } from '../notices.js';
import { confirmDialog } from './dialog.js';
import { scopeField, scopeLabel } from './key-safety.js';

/**
 * @typedef {{ id: string, name: string, prefix: string, scope: string, createdAt: string,
 *   lastUsedAt: string | null }} ApiKey
 */

/** @returns {ApiKey[]} */
function list(/** @type {any} */ data) {
  return Array.isArray(data) ? data : Array.isArray(data?.data) ? data.data : [];
}

async function copy(/** @type {string} */ text, /** @type {HTMLButtonElement} */ button) {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = t('apikeys.reveal.copied');
    notify(t('apikeys.reveal.copiedNote'));
  } catch {
    // No clipboard permission: select the text so the user can copy it themselves.
    const code = button.parentElement?.querySelector('code');
    if (code) getSelection()?.selectAllChildren(code);
    notify(t('apikeys.reveal.copyFallback'), { kind: 'info' });
  }
}

function revealKey(/** @type {ApiKey & { key: string }} */ created) {
  const button = h(
    'button',
    { type: 'button', class: 'button button-secondary button-small' },
    icon('copy'),
    t('apikeys.reveal.copy'),
  );
  button.addEventListener('click', () => copy(created.key, button));
  return h(
    'div',
    { class: 'key-reveal', role: 'region', 'aria-label': t('apikeys.reveal.region'), tabindex: '-1' },
    h('h2', {}, t('apikeys.reveal.title', { name: created.name })),
    h(
      'p',
      { class: 'callout callout-warning' },
      icon('alert'),
      h('span', {}, h('strong', {}, t('apikeys.reveal.once')), ' ', t('apikeys.reveal.hash')),
    ),
    h('div', { class: 'key-box' }, h('code', { 'data-testid': 'new-api-key' }, created.key), button),
    h(
      'p',
      { class: 'muted' },
      tNodes('apikeys.reveal.use', { header: h('code', {}, 'Authorization: Bearer <key>') }),
    ),
  );
}

export async function apiKeysPage(/** @type {{ signal: AbortSignal }} */ { signal }) {
  const reveal = h('div');
  const tableHost = h('div');

  const load = async () => {
    const keys = list(await api.get('/api-keys', { signal }));
    if (!keys.length) {
      tableHost.replaceChildren(h('p', { class: 'empty' }, t('apikeys.list.empty')));
      return;
    }
    tableHost.replaceChildren(
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, t('apikeys.list.name')),
              h('th', { scope: 'col' }, t('apikeys.list.key')),
              h('th', { scope: 'col' }, t('security.apiKeys.scope')),
              h('th', { scope: 'col' }, t('apikeys.list.created')),
              h('th', { scope: 'col' }, t('apikeys.list.lastUsed')),
              h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('apikeys.list.actions'))),
            ),
          ),
          h(
            'tbody',
            {},
            keys.map((k) => {
              const revoke = h(
                'button',
                { type: 'button', class: 'button button-danger-ghost button-small' },
                t('apikeys.revoke.button'),
              );
              revoke.addEventListener('click', async () => {
                const ok = await confirmDialog({
                  title: t('apikeys.revoke.title', { name: k.name }),
                  text: t('apikeys.revoke.text'),
                  confirm: t('apikeys.revoke.confirm'),
                  danger: true,
                });
                if (!ok) return;
                try {
                  await api.delete(`/api-keys/${encodeURIComponent(k.id)}`);
                  notify(t('apikeys.revoke.done', { name: k.name }));
                  await load();
                } catch (error) {
                  notifyError(error);
                }
              });
              return h(
                'tr',
                { 'data-key-id': k.id },
                h('td', {}, k.name),
                h('td', {}, h('code', {}, `${k.prefix}…`)),
                h('td', {}, scopeLabel(k.scope)),
                h('td', {}, dateTime(k.createdAt)),
                h('td', { title: k.lastUsedAt ? dateTime(k.lastUsedAt) : '' }, relativeTime(k.lastUsedAt)),
                h('td', { class: 'cell-actions' }, revoke),
              );
            }),
          ),
        ),
      ),
    );
  };

  const form = h(
    'form',
    { class: 'form form-inline', 'aria-label': t('apikeys.create.form') },
    summarySlot(),
    field({
      name: 'name',
      label: t('apikeys.create.name'),
      required: true,
      placeholder: t('apikeys.create.placeholder'),
      hint: t('apikeys.create.hint'),
      attrs: { maxlength: 100 },
    }),
    scopeField(),
    h('div', { class: 'form-actions' }, submitButton(t('apikeys.create.submit'))),
  );
  onSubmit(form, async (values, f) => {
    const created = /** @type {ApiKey & { key: string }} */ (await api.post('/api-keys', values));
    f.reset();
    const panel = revealKey(created);
    reveal.replaceChildren(panel);
    panel.focus();
    await load();
  });

  await load();
  return h(
    'section',
    { class: 'page' },
    h(
      'header',
      { class: 'page-header' },
      h('h1', {}, t('apikeys.title')),
      h('p', { class: 'lead' }, t('apikeys.lead')),
    ),
    reveal,
    h('div', { class: 'card' }, h('h2', { class: 'card-title' }, t('apikeys.create.title')), form),
    h('div', { class: 'card' }, h('h2', { class: 'card-title' }, t('apikeys.list.title')), tableHost),
  );
}
