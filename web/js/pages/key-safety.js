// @ts-check
// What keeps API keys safe, as the pages that handle keys show it: the scope of a key (API keys
// page) and revoking every key with a password reset (reset page).
import { h } from '../dom.js';
import { field } from '../forms.js';
import { t } from '../i18n.js';

export const SCOPES = ['full', 'send', 'billing', 'read'];

/** "Send messages", "Read only", … */
export function scopeLabel(/** @type {string} */ scope) {
  return SCOPES.includes(scope) ? t(`security.apiKeys.scopes.${scope}`) : scope;
}

/** The scope chooser of the create-key form (full by default). */
export function scopeField() {
  return field({
    name: 'scope',
    label: t('security.apiKeys.scope'),
    value: 'full',
    hint: t('security.apiKeys.scopeHint'),
    options: SCOPES.map((scope) => ({
      value: scope,
      label: `${scopeLabel(scope)} — ${t(`security.apiKeys.scopeHelp.${scope}`)}`,
    })),
  });
}

/** The reset page's offer to revoke every API key along with the password. */
export function revokeKeysField() {
  const input = h('input', { type: 'checkbox', id: 'reset-revoke-keys', name: 'revokeApiKeys' });
  return h(
    'div',
    {},
    h(
      'label',
      { class: 'checkbox', for: 'reset-revoke-keys' },
      input,
      h('span', {}, t('security.reset.revokeKeys')),
    ),
    h('p', { class: 'hint' }, t('security.reset.revokeKeysHint')),
  );
}

/** After a reset: how many keys it revoked, if any. */
export function keysRevokedNote(/** @type {number} */ count) {
  return count > 0 ? h('p', {}, t('security.reset.keysRevoked', { count })) : null;
}
