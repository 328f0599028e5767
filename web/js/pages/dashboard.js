// The home page: balance, account status and the next steps a new customer takes (the
// help-centre's order: billing data, mobile, preferences, operator review, buy credits).
import { api } from '../api.js';
import { h, icon } from '../dom.js';
import { credits, isPositive, statusLabel } from '../format.js';
import { list } from '../money.js';
import { billingComplete, refreshAccount, session } from '../session.js';
import { messageRow, messagesTable } from './messages.js';

function statusPill(status) {
  return h(
    'span',
    { class: ['pill', `pill-${status}`], 'data-testid': 'account-status' },
    statusLabel(status),
  );
}

export function nextSteps(account, { sentAny = false } = {}) {
  const prefs = account.preferences ?? {};
  return [
    {
      title: 'Log into your account',
      text: 'Your e-mail address is confirmed and you are signed in.',
      done: true,
    },
    {
      title: 'Enter your billing data',
      text: 'Legal name, address, tax and VAT ids and the e-mail for invoices.',
      done: billingComplete(account),
      href: '/account/billing',
      action: 'Add billing data',
    },
    {
      title: 'Verify your mobile number',
      text: 'We send a code by SMS so our team can verify your account.',
      done: Boolean(account.mobileVerified),
      href: '/account/mobile',
      action: 'Verify mobile',
    },
    {
      title: 'Confirm your preferences',
      text: 'Default country for numbers without +, currency of purchases and invoices, time zone.',
      done: Boolean(prefs.country && prefs.currency),
      href: '/account/preferences',
      action: 'Set preferences',
    },
    {
      title: 'Account verified by our team',
      text: 'Once the steps above are done, an operator reviews the account.',
      done: account.status !== 'pending_verification' && account.status !== 'suspended',
    },
    {
      title: 'Buy credits',
      text: 'Choose a pack or any number of messages; pay by card or bank transfer.',
      done: isPositive(account.balance?.credits),
      href: '/buy',
      action: 'Buy credits',
    },
    {
      title: 'Send your first message',
      text: 'To one number from the portal, to a list as a campaign, or from your systems with an API key.',
      done: sentAny,
      href: '/send',
      action: 'Send SMS',
    },
  ];
}

export async function dashboardPage({ signal }) {
  const [account, recent] = await Promise.all([
    refreshAccount(),
    api.get('/messages?limit=5', { signal }).then(list, (error) => {
      if (error?.name === 'AbortError') throw error;
      return null; // the dashboard works without them
    }),
  ]);
  if (signal.aborted) return h('div');
  const balance = account.balance ?? {};
  const steps = nextSteps(account, { sentAny: Boolean(recent?.length) });
  const done = steps.filter((s) => s.done).length;

  const balanceCard = h(
    'section',
    { class: 'card card-balance', 'aria-labelledby': 'dash-balance' },
    h('h2', { id: 'dash-balance', class: 'card-title' }, 'Balance'),
    h(
      'p',
      { class: 'big-number' },
      h('span', { 'data-testid': 'dashboard-available' }, credits(balance.available)),
      h('span', { class: 'big-number-unit' }, ' credits available'),
    ),
    h(
      'dl',
      { class: 'inline-stats' },
      h('div', {}, h('dt', {}, 'Held'), h('dd', {}, credits(balance.held))),
      h('div', {}, h('dt', {}, 'Balance'), h('dd', {}, credits(balance.credits))),
    ),
    h('a', { href: '/buy', class: 'button button-primary' }, 'Top up'),
  );

  const statusCard = h(
    'section',
    { class: 'card', 'aria-labelledby': 'dash-status' },
    h('h2', { id: 'dash-status', class: 'card-title' }, 'Account'),
    h('p', { class: 'card-line' }, statusPill(account.status)),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Account'),
      h('dd', {}, account.name),
      h('dt', {}, 'Mobile'),
      h(
        'dd',
        {},
        account.mobile ?? account.billing?.mobile ?? 'not set',
        account.mobileVerified ? ' · verified' : '',
      ),
      h('dt', {}, 'Billing data'),
      h('dd', {}, billingComplete(account) ? 'complete' : 'incomplete'),
    ),
    h('p', { class: 'card-foot' }, 'Account id ', h('code', {}, account.id)),
  );

  const apiCard = h(
    'section',
    { class: 'card', 'aria-labelledby': 'dash-api' },
    h('h2', { id: 'dash-api', class: 'card-title' }, 'Integrations'),
    h(
      'p',
      { class: 'muted' },
      'Send SMS from your systems with an API key. Credits are shared by the portal, plugins and the API.',
    ),
    h(
      'div',
      { class: 'button-row' },
      h('a', { href: '/account/api-keys', class: 'button button-secondary' }, 'API keys'),
      h('a', { href: '/api/docs', class: 'button button-ghost', 'data-native': '' }, 'API reference'),
    ),
  );

  const checklist = h(
    'section',
    { class: 'card card-wide', 'aria-labelledby': 'dash-steps' },
    h(
      'div',
      { class: 'card-head' },
      h('h2', { id: 'dash-steps', class: 'card-title' }, 'Next steps'),
      h('span', { class: 'muted' }, `${done} of ${steps.length} done`),
    ),
    h('progress', { class: 'progress', max: steps.length, value: done, 'aria-label': 'Set-up progress' }),
    h(
      'ol',
      { class: 'checklist' },
      steps.map((s) =>
        h(
          'li',
          { class: ['check-item', s.done && 'check-done'] },
          h('span', { class: 'check-mark' }, s.done ? icon('check') : null),
          h(
            'div',
            { class: 'check-text' },
            h(
              'p',
              { class: 'check-title' },
              s.title,
              h('span', { class: 'visually-hidden' }, s.done ? ' (done)' : ' (to do)'),
            ),
            h('p', { class: 'muted' }, s.text),
          ),
          !s.done && s.href
            ? h('a', { href: s.href, class: 'button button-secondary button-small' }, s.action)
            : null,
        ),
      ),
    ),
  );

  const recentCard = recent?.length
    ? h(
        'section',
        { class: 'card card-wide', 'aria-labelledby': 'dash-recent' },
        h(
          'div',
          { class: 'card-head' },
          h('h2', { id: 'dash-recent', class: 'card-title' }, 'Recent messages'),
          h(
            'div',
            { class: 'button-row' },
            h('a', { href: '/messages', class: 'button button-ghost button-small' }, 'All messages'),
            h('a', { href: '/send', class: 'button button-primary button-small' }, icon('send'), 'Send SMS'),
          ),
        ),
        messagesTable(
          h(
            'tbody',
            {},
            recent.map((m) => messageRow(m)),
          ),
          { campaignColumn: true },
        ),
      )
    : null;

  return h(
    'section',
    { class: 'page' },
    h(
      'header',
      { class: 'page-header' },
      h('h1', {}, `Welcome, ${session.user?.name ?? account.name}`),
      h('p', { class: 'lead' }, 'Your prepaid SMS account at a glance.'),
    ),
    h('div', { class: 'grid' }, balanceCard, statusCard, apiCard, recentCard, checklist),
  );
}
