// @ts-check
// What a wrong address shows, and what a customer sees on an operator's page.
import { h } from '../dom.js';
import { t } from '../i18n.js';

export function notFoundPage() {
  return h(
    'section',
    { class: 'page page-narrow' },
    h('h1', {}, t('shell.notFound.title')),
    h('p', { class: 'lead' }, t('shell.notFound.text')),
    h('a', { href: '/', class: 'button button-secondary' }, t('shell.notFound.home')),
  );
}

/** An operator's page opened by a customer: it exists, but not for them. */
export function notAllowedPage() {
  return h(
    'section',
    { class: 'page page-narrow' },
    h('h1', {}, t('shell.notAllowed.title')),
    h('p', { class: 'lead' }, t('shell.notAllowed.text')),
    h('a', { href: '/', class: 'button button-secondary' }, t('shell.notFound.home')),
  );
}
