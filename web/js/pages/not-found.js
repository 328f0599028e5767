import { h } from '../dom.js';

export function notFoundPage(text = 'There is nothing at this address.') {
  return h(
    'section',
    { class: 'page page-narrow' },
    h('h1', {}, 'Page not found'),
    h('p', { class: 'lead' }, text),
    h('a', { href: '/', class: 'button button-secondary' }, 'Go to the dashboard'),
  );
}
