// My account · API keys: create one (shown once, then only its prefix), list, revoke.
import { api } from '../api.js';
import { h, icon } from '../dom.js';
import { dateTime, relativeTime } from '../format.js';
import { field, onSubmit, submitButton, summarySlot } from '../forms.js';
import { t } from '../i18n.js';
import { notify, notifyError } from '../notices.js';
import { confirmDialog } from './dialog.js';
import { scopeField, scopeLabel } from './key-safety.js';

function list(data) {
  return Array.isArray(data) ? data : Array.isArray(data?.data) ? data.data : [];
}

async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'Copied';
    notify('API key copied to the clipboard');
  } catch {
    // No clipboard permission: select the text so the user can copy it themselves.
    const code = button.parentElement?.querySelector('code');
    if (code) getSelection()?.selectAllChildren(code);
    notify('Select the key and copy it with Ctrl+C / ⌘C', { kind: 'info' });
  }
}

function revealKey(created) {
  const button = h(
    'button',
    { type: 'button', class: 'button button-secondary button-small' },
    icon('copy'),
    'Copy',
  );
  button.addEventListener('click', () => copy(created.key, button));
  return h(
    'div',
    { class: 'key-reveal', role: 'region', 'aria-label': 'Your new API key', tabindex: '-1' },
    h('h2', {}, `Your new key “${created.name}”`),
    h(
      'p',
      { class: 'callout callout-warning' },
      icon('alert'),
      h(
        'span',
        {},
        h('strong', {}, 'Copy it now: it is shown only this once. '),
        'We store only a hash of it. If you lose it, revoke it and create a new one.',
      ),
    ),
    h('div', { class: 'key-box' }, h('code', { 'data-testid': 'new-api-key' }, created.key), button),
    h(
      'p',
      { class: 'muted' },
      'Send it as ',
      h('code', {}, 'Authorization: Bearer <key>'),
      ' with every API request.',
    ),
  );
}

export async function apiKeysPage({ signal }) {
  const reveal = h('div');
  const tableHost = h('div');

  const load = async () => {
    const keys = list(await api.get('/api-keys', { signal }));
    if (!keys.length) {
      tableHost.replaceChildren(
        h('p', { class: 'empty' }, 'No API keys yet. Create one to send SMS from your systems.'),
      );
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
              h('th', { scope: 'col' }, 'Name'),
              h('th', { scope: 'col' }, 'Key'),
              h('th', { scope: 'col' }, t('security.apiKeys.scope')),
              h('th', { scope: 'col' }, 'Created'),
              h('th', { scope: 'col' }, 'Last used'),
              h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')),
            ),
          ),
          h(
            'tbody',
            {},
            keys.map((k) => {
              const revoke = h(
                'button',
                { type: 'button', class: 'button button-danger-ghost button-small' },
                'Revoke',
              );
              revoke.addEventListener('click', async () => {
                const ok = await confirmDialog({
                  title: `Revoke “${k.name}”?`,
                  text: 'Requests with this key will be refused at once. This cannot be undone.',
                  confirm: 'Revoke key',
                  danger: true,
                });
                if (!ok) return;
                try {
                  await api.delete(`/api-keys/${encodeURIComponent(k.id)}`);
                  notify(`API key “${k.name}” revoked`);
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
    { class: 'form form-inline', 'aria-label': 'Create an API key' },
    summarySlot(),
    field({
      name: 'name',
      label: 'Key name',
      required: true,
      placeholder: 'e.g. Shop notifications',
      hint: 'A name to recognise where the key is used.',
      attrs: { maxlength: 100 },
    }),
    scopeField(),
    h('div', { class: 'form-actions' }, submitButton('Create key')),
  );
  onSubmit(form, async (values, f) => {
    const created = await api.post('/api-keys', values);
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
      h('h1', {}, 'API keys'),
      h(
        'p',
        { class: 'lead' },
        'Keys let your systems send SMS and read your balance through the API. Keep them secret.',
      ),
    ),
    reveal,
    h('div', { class: 'card' }, h('h2', { class: 'card-title' }, 'Create a key'), form),
    h('div', { class: 'card' }, h('h2', { class: 'card-title' }, 'Your keys'), tableHost),
  );
}
