// Recharge · Buy credits. Buying needs complete billing data and a verified mobile; this page
// says what is missing and, where the server has a price list, shows the packs.
import { api } from '../api.js';
import { h, icon } from '../dom.js';
import { credits } from '../format.js';
import { billingComplete, refreshAccount } from '../session.js';

function money(m) {
  if (!m || typeof m.amount !== 'number') return '—';
  const format = new Intl.NumberFormat('en', { style: 'currency', currency: m.currency });
  return format.format(m.amount / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
}

async function packs(currency, signal) {
  try {
    const data = await api.get(`/pricing/packs?currency=${encodeURIComponent(currency)}`, { signal });
    return Array.isArray(data?.packs) ? data.packs : [];
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    return []; // no price list on this server yet
  }
}

export async function buyPage({ signal }) {
  const account = await refreshAccount();
  // What the server says blocks a purchase; older answers are judged from the fields.
  const blockers = Array.isArray(account.purchaseBlockers)
    ? account.purchaseBlockers
    : [
        ...(billingComplete(account) ? [] : ['billing_data']),
        ...(account.mobileVerified ? [] : ['mobile_verification']),
        ...(account.status === 'suspended' ? ['account_suspended'] : []),
      ];
  const requirements = [
    {
      label: 'Complete billing data',
      done: !blockers.includes('billing_data'),
      href: '/account/billing',
      action: 'Complete billing data',
    },
    {
      label: 'A verified mobile number',
      done: !blockers.includes('mobile_verification'),
      href: '/account/mobile',
      action: 'Verify mobile',
    },
    {
      label: 'Default country and currency confirmed',
      done: Boolean(account.preferences?.country && account.preferences?.currency),
      href: '/account/preferences',
      action: 'Set preferences',
      advice: true,
    },
    ...(blockers.includes('account_suspended')
      ? [{ label: 'An account that is not suspended', done: false }]
      : []),
  ];
  const missing = requirements.filter((r) => !r.done && !r.advice);
  const currency = account.preferences?.currency ?? 'EUR';
  const list = await packs(currency, signal);

  const checklist = h(
    'ul',
    { class: 'checklist checklist-compact', 'data-testid': 'buy-requirements' },
    requirements.map((r) =>
      h(
        'li',
        { class: ['check-item', r.done && 'check-done'] },
        h('span', { class: 'check-mark' }, r.done ? icon('check') : null),
        h(
          'div',
          { class: 'check-text' },
          h(
            'p',
            { class: 'check-title' },
            r.label,
            h('span', { class: 'visually-hidden' }, r.done ? ' (done)' : ' (missing)'),
          ),
        ),
        r.done || !r.href
          ? null
          : h('a', { href: r.href, class: 'button button-secondary button-small' }, r.action),
      ),
    ),
  );

  return h(
    'section',
    { class: 'page' },
    h(
      'header',
      { class: 'page-header' },
      h('h1', {}, 'Buy credits'),
      h(
        'p',
        { class: 'lead' },
        'Choose a pack or any number of messages, then pay by card or bank transfer. Credits never expire.',
      ),
    ),
    h(
      'div',
      { class: 'card' },
      h('h2', { class: 'card-title' }, 'Before you buy'),
      missing.length
        ? h(
            'p',
            { class: 'callout callout-warning' },
            icon('alert'),
            h(
              'span',
              {},
              'The purchase flow needs complete billing data and a verified mobile number. Still missing: ',
              missing.map((m) => m.label.toLowerCase()).join(', '),
              '.',
            ),
          )
        : h(
            'p',
            { class: 'callout callout-success' },
            'Your account has everything a purchase needs. Online purchase opens on this page as soon as the operator enables it.',
          ),
      checklist,
    ),
    list.length
      ? h(
          'div',
          { class: 'card' },
          h('h2', { class: 'card-title' }, `Packs in ${currency}`),
          h(
            'ul',
            { class: 'packs' },
            list.map((p) =>
              h(
                'li',
                { class: 'pack' },
                h('p', { class: 'pack-credits' }, credits(p.credits), h('span', {}, ' credits')),
                h('p', { class: 'pack-price' }, money(p.price)),
              ),
            ),
          ),
        )
      : null,
    h(
      'p',
      { class: 'muted page-note' },
      'Your balance: ',
      h('strong', {}, `${credits(account.balance?.available)} credits`),
      ' available.',
    ),
  );
}
