// Operator · Accounts: find an account, read what the customer entered, and verify, suspend
// or reactivate it.
import { api } from '../api.js';
import { countryName } from '../countries.js';
import { h } from '../dom.js';
import { credits, dateTime, statusLabel } from '../format.js';
import { notify, notifyError } from '../notices.js';
import { navigate } from '../router.js';
import { confirmDialog } from './dialog.js';

function list(data) {
  return Array.isArray(data) ? data : Array.isArray(data?.data) ? data.data : [];
}

function pill(status) {
  return h(
    'span',
    { class: ['pill', `pill-${status}`], 'data-testid': 'account-status' },
    statusLabel(status),
  );
}

function accountEmail(a) {
  return a.email ?? a.ownerEmail ?? a.users?.[0]?.email ?? '';
}

export async function accountsPage({ query, signal }) {
  const q = query.get('q') ?? '';
  const results = h('div', { 'aria-live': 'polite' });
  const input = h('input', {
    type: 'search',
    id: 'account-search',
    name: 'q',
    value: q,
    placeholder: 'Name, e-mail, account id, VAT id…',
    autocomplete: 'off',
  });

  let seq = 0;
  const search = async (text) => {
    seq += 1;
    const mine = seq;
    const params = text ? `?q=${encodeURIComponent(text)}` : '';
    try {
      const rows = list(await api.get(`/admin/accounts${params}`, { signal }));
      if (mine !== seq) return;
      results.replaceChildren(
        rows.length
          ? h(
              'div',
              { class: 'table-wrap' },
              h(
                'table',
                { class: 'table table-hover' },
                h(
                  'thead',
                  {},
                  h(
                    'tr',
                    {},
                    h('th', { scope: 'col' }, 'Account'),
                    h('th', { scope: 'col' }, 'E-mail'),
                    h('th', { scope: 'col' }, 'Status'),
                    h('th', { scope: 'col' }, 'Created'),
                  ),
                ),
                h(
                  'tbody',
                  {},
                  rows.map((a) =>
                    h(
                      'tr',
                      {},
                      h(
                        'td',
                        {},
                        h(
                          'a',
                          { href: `/admin/accounts/${encodeURIComponent(a.id)}`, class: 'strong-link' },
                          a.name,
                        ),
                        h('div', { class: 'muted small' }, h('code', {}, a.id)),
                      ),
                      h('td', {}, accountEmail(a)),
                      h('td', {}, pill(a.status)),
                      h('td', {}, dateTime(a.createdAt)),
                    ),
                  ),
                ),
              ),
            )
          : h('p', { class: 'empty' }, text ? `No account matches “${text}”.` : 'No accounts yet.'),
      );
    } catch (error) {
      if (error?.name !== 'AbortError') notifyError(error);
    }
  };

  let debounce;
  input.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      const text = input.value.trim();
      history.replaceState(
        null,
        '',
        text ? `/admin/accounts?q=${encodeURIComponent(text)}` : '/admin/accounts',
      );
      search(text);
    }, 250);
  });
  const form = h(
    'form',
    {
      class: 'search',
      role: 'search',
      onsubmit: (e) => {
        e.preventDefault();
        clearTimeout(debounce);
        search(input.value.trim());
      },
    },
    h('label', { for: 'account-search', class: 'visually-hidden' }, 'Search accounts'),
    input,
    h('button', { type: 'submit', class: 'button button-secondary' }, 'Search'),
  );
  await search(q);
  return h(
    'section',
    { class: 'page' },
    h(
      'header',
      { class: 'page-header' },
      h('h1', {}, 'Accounts'),
      h('p', { class: 'lead' }, 'Review new accounts, verify them, or suspend one that misbehaves.'),
    ),
    h('div', { class: 'card' }, form, results),
  );
}

function facts(pairs) {
  return h(
    'dl',
    { class: 'facts' },
    pairs.filter(Boolean).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')]),
  );
}

export async function accountDetailPage({ params, signal }) {
  const id = params.id;
  const page = h('section', { class: 'page' });

  const render = (a) => {
    const billing = a.billing ?? {};
    const address = billing.address ?? {};
    const balance = a.balance ?? {};
    const act = (label, path, { danger = false, ask } = {}) => {
      const button = h(
        'button',
        { type: 'button', class: ['button', danger ? 'button-danger' : 'button-primary'] },
        label,
      );
      button.addEventListener('click', async () => {
        if (ask && !(await confirmDialog({ ...ask, danger }))) return;
        button.disabled = true;
        try {
          const updated = await api.post(`/admin/accounts/${encodeURIComponent(id)}/${path}`);
          notify(`${a.name}: ${label.toLowerCase()} done`);
          render(
            updated?.id ? { ...a, ...updated } : await api.get(`/admin/accounts/${encodeURIComponent(id)}`),
          );
        } catch (error) {
          notifyError(error);
          button.disabled = false;
        }
      });
      return button;
    };
    const actions = [];
    if (a.status === 'pending_verification') actions.push(act('Verify', 'verify'));
    if (a.status === 'suspended') {
      actions.push(
        act('Reactivate', 'reactivate', {
          ask: {
            title: `Reactivate ${a.name}?`,
            text: 'The customer can send and buy again.',
            confirm: 'Reactivate',
          },
        }),
      );
    } else {
      actions.push(
        act('Suspend', 'suspend', {
          danger: true,
          ask: {
            title: `Suspend ${a.name}?`,
            text: 'Sending and purchases stop at once. You can reactivate the account later.',
            confirm: 'Suspend account',
          },
        }),
      );
    }
    const users = Array.isArray(a.users) ? a.users : [];
    page.replaceChildren(
      h('p', { class: 'breadcrumb' }, h('a', { href: '/admin/accounts' }, 'Accounts'), ' / ', a.name),
      h(
        'header',
        { class: 'page-header page-header-row' },
        h(
          'div',
          {},
          h('h1', {}, a.name),
          h('p', { class: 'lead' }, pill(a.status), ' ', h('code', {}, a.id)),
        ),
        h('div', { class: 'button-row' }, actions),
      ),
      h(
        'div',
        { class: 'grid' },
        h(
          'section',
          { class: 'card' },
          h('h2', { class: 'card-title' }, 'Verification'),
          facts([
            ['Status', statusLabel(a.status)],
            ['E-mail', accountEmail(a) || null],
            [
              'Mobile',
              billing.mobile
                ? `${billing.mobile}${a.mobileVerified ? ' · verified' : ' · not verified'}`
                : null,
            ],
            ['Created', dateTime(a.createdAt)],
          ]),
        ),
        h(
          'section',
          { class: 'card' },
          h('h2', { class: 'card-title' }, 'Balance'),
          facts([
            ['Available', `${credits(balance.available)} credits`],
            ['Held', `${credits(balance.held)} credits`],
            ['Balance', `${credits(balance.credits)} credits`],
          ]),
        ),
        h(
          'section',
          { class: 'card' },
          h('h2', { class: 'card-title' }, 'Billing data'),
          a.billing
            ? facts([
                ['Legal name', billing.legalName],
                ['Tax id', billing.taxId],
                ['VAT id', billing.vatId],
                [
                  'Address',
                  [
                    address.line1,
                    address.line2,
                    `${address.postalCode ?? ''} ${address.city ?? ''}`.trim(),
                    address.region,
                    countryName(address.country),
                  ]
                    .filter(Boolean)
                    .join(', '),
                ],
                ['Invoice e-mail', billing.invoiceEmail],
              ])
            : h('p', { class: 'empty' }, 'The customer has not entered billing data yet.'),
        ),
        users.length
          ? h(
              'section',
              { class: 'card' },
              h('h2', { class: 'card-title' }, 'Users'),
              h(
                'ul',
                { class: 'plain-list' },
                users.map((u) =>
                  h(
                    'li',
                    {},
                    h('strong', {}, u.name ?? u.email),
                    ' ',
                    h('span', { class: 'muted' }, `${u.email}${u.role ? ` · ${u.role}` : ''}`),
                  ),
                ),
              ),
            )
          : null,
      ),
    );
  };

  try {
    render(await api.get(`/admin/accounts/${encodeURIComponent(id)}`, { signal }));
  } catch (error) {
    if (error.status === 404) {
      notifyError(error);
      navigate('/admin/accounts', { replace: true });
      return h('div');
    }
    throw error;
  }
  return page;
}
