// Operator · Accounts: find an account, read what the customer entered, and verify, suspend
// or reactivate it.
import { t } from '../i18n.js';
import { api } from '../api.js';
import { countryName } from '../countries.js';
import { append, h, icon } from '../dom.js';
import { creditsText, dateTime, statusLabel } from '../format.js';
import { notify, notifyError } from '../notices.js';
import { navigate } from '../router.js';
import { accountMoney } from './admin-money.js';
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

function yesNo(ok, yes, no) {
  return h(
    'span',
    { class: ['tick', ok ? 'tick-yes' : 'tick-no'] },
    icon(ok ? 'check' : 'close'),
    ok ? yes : no,
  );
}

function accountsTable(rows) {
  return h(
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
          h('th', { scope: 'col' }, t('operator.search.account')),
          h('th', { scope: 'col' }, t('operator.search.ownerEmail')),
          h('th', { scope: 'col' }, t('operator.search.checks')),
          h('th', { scope: 'col' }, t('operator.search.status')),
          h('th', { scope: 'col' }, t('operator.search.created')),
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
              h('a', { href: `/admin/accounts/${encodeURIComponent(a.id)}`, class: 'strong-link' }, a.name),
              h(
                'div',
                { class: 'muted small' },
                [a.legalName, a.vatId, a.country ? countryName(a.country) : null]
                  .filter(Boolean)
                  .join(' · ') || a.id,
              ),
            ),
            h('td', {}, a.email ?? ''),
            h(
              'td',
              { class: 'checks' },
              yesNo(a.emailVerified, t('operator.search.emailCheck'), t('operator.search.emailCheck')),
              yesNo(a.mobileVerified, t('operator.search.mobileCheck'), t('operator.search.mobileCheck')),
            ),
            h('td', {}, pill(a.status)),
            h('td', { class: 'nowrap' }, dateTime(a.createdAt)),
          ),
        ),
      ),
    ),
  );
}

export async function accountsPage({ query, signal }) {
  const q = query.get('q') ?? '';
  const results = h('div', { 'aria-live': 'polite' });
  const input = h('input', {
    type: 'search',
    id: 'account-search',
    name: 'q',
    value: q,
    placeholder: t('operator.search.placeholder'),
    autocomplete: 'off',
  });

  let seq = 0;
  const search = async (text) => {
    seq += 1;
    const mine = seq;
    try {
      const rows = list(
        await api.get(`/admin/accounts${text ? `?q=${encodeURIComponent(text)}` : ''}`, { signal }),
      );
      if (mine !== seq) return;
      results.replaceChildren(
        rows.length
          ? accountsTable(rows)
          : h(
              'p',
              { class: 'empty' },
              text ? t('operator.search.noMatch', { text }) : t('operator.search.noAccounts'),
            ),
      );
    } catch (error) {
      if (error?.name !== 'AbortError') notifyError(error);
    }
  };

  let debounce;
  const searchNow = () => {
    clearTimeout(debounce);
    const text = input.value.trim();
    history.replaceState(
      null,
      '',
      text ? `/admin/accounts?q=${encodeURIComponent(text)}` : '/admin/accounts',
    );
    search(text);
  };
  input.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(searchNow, 250);
  });
  const form = h(
    'form',
    {
      class: 'search',
      role: 'search',
      onsubmit: (e) => {
        e.preventDefault();
        searchNow();
      },
    },
    h('label', { for: 'account-search', class: 'visually-hidden' }, t('operator.search.label')),
    input,
    h(
      'button',
      { type: 'submit', class: 'button button-secondary' },
      icon('search'),
      t('operator.search.submit'),
    ),
  );
  await search(q);
  return h(
    'section',
    { class: 'page' },
    h(
      'header',
      { class: 'page-header' },
      h('h1', {}, t('operator.search.title')),
      h('p', { class: 'lead' }, t('operator.search.lead')),
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

function addressLine(address) {
  if (!address) return null;
  return [
    address.line1,
    address.line2,
    `${address.postalCode ?? ''} ${address.city ?? ''}`.trim(),
    address.region,
    countryName(address.country),
  ]
    .filter(Boolean)
    .join(', ');
}

export async function accountDetailPage({ params, signal }) {
  const id = params.id;
  const base = `/admin/accounts/${encodeURIComponent(id)}`;
  const page = h('section', { class: 'page' });

  /** A button that POSTs an action; `ask` confirms first (with a reason when `reason` is set). */
  const action = (a, label, path, { danger = false, ask, reason = false } = {}) => {
    const button = h(
      'button',
      { type: 'button', class: ['button', danger ? 'button-danger' : 'button-primary'] },
      label,
    );
    button.addEventListener('click', async () => {
      let body;
      if (reason) {
        const typed = await confirmDialog({
          ...ask,
          danger,
          input: { label: t('operator.account.reason'), hint: t('operator.account.reasonHint') },
        });
        if (typed === null) return;
        body = typed ? { reason: typed } : {};
      } else if (ask && !(await confirmDialog({ ...ask, danger }))) {
        return;
      }
      button.disabled = true;
      try {
        const updated = await api.post(`${base}/${path}`, body);
        notify(
          t('operator.account.statusChanged', {
            name: a.name,
            status: statusLabel(updated.status).toLowerCase(),
          }),
        );
        render(updated);
      } catch (error) {
        notifyError(error);
        button.disabled = false;
      }
    });
    return button;
  };

  const render = (a) => {
    const billing = a.billing;
    const balance = a.balance ?? {};
    const owner = a.owner ?? {};
    const actions = [];
    if (a.status === 'pending_verification') actions.push(action(a, t('operator.account.verify'), 'verify'));
    if (a.status === 'suspended') {
      actions.push(
        action(a, t('operator.account.reactivate'), 'reactivate', {
          ask: {
            title: t('operator.account.reactivateTitle', { name: a.name }),
            text: t('operator.account.reactivateText'),
            confirm: t('operator.account.reactivate'),
          },
        }),
      );
    } else {
      actions.push(
        action(a, t('operator.account.suspend'), 'suspend', {
          danger: true,
          reason: true,
          ask: {
            title: t('operator.account.suspendTitle', { name: a.name }),
            text: t('operator.account.suspendText'),
            confirm: t('operator.account.suspendConfirm'),
          },
        }),
      );
    }
    // Adjustments, movements and purchases; an adjustment redraws the page with the new balance.
    const money = accountMoney(a, { signal, onBalance: (b) => render({ ...a, balance: b }) });
    page.replaceChildren();
    append(page, [
      h(
        'p',
        { class: 'breadcrumb' },
        h('a', { href: '/admin/accounts' }, t('operator.account.breadcrumb')),
        ' / ',
        a.name,
      ),
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
      a.status === 'suspended'
        ? h(
            'p',
            { class: 'callout callout-danger' },
            icon('alert'),
            h(
              'span',
              {},
              a.suspendedReason
                ? t('operator.account.suspendedAt', {
                    date: dateTime(a.suspendedAt),
                    reason: a.suspendedReason,
                  })
                : t('operator.account.suspendedAtNoReason', { date: dateTime(a.suspendedAt) }),
            ),
          )
        : null,
      h(
        'div',
        { class: 'grid' },
        h(
          'section',
          { class: 'card' },
          h('h2', { class: 'card-title' }, t('operator.account.verification')),
          facts([
            [
              t('operator.account.owner'),
              h('span', {}, owner.name ?? '', h('br'), h('span', { class: 'muted' }, owner.email ?? a.email)),
            ],
            [
              t('operator.account.email'),
              yesNo(a.emailVerified, t('operator.account.confirmed'), t('operator.account.notConfirmed')),
            ],
            [
              t('operator.account.mobile'),
              a.mobile
                ? h(
                    'span',
                    {},
                    `${a.mobile} `,
                    yesNo(
                      a.mobileVerified,
                      t('operator.account.verified'),
                      t('operator.account.notVerified'),
                    ),
                  )
                : t('operator.account.noMobile'),
            ],
            [
              t('operator.account.billingData'),
              yesNo(a.billingComplete, t('operator.account.complete'), t('operator.account.incomplete')),
            ],
            [
              t('operator.account.verifiedAt'),
              a.verifiedAt
                ? a.verifiedBy
                  ? t('operator.account.verifiedBy', { date: dateTime(a.verifiedAt), by: a.verifiedBy })
                  : dateTime(a.verifiedAt)
                : t('operator.account.notYet'),
            ],
            [t('operator.account.created'), dateTime(a.createdAt)],
          ]),
        ),
        h(
          'section',
          { class: 'card' },
          h('h2', { class: 'card-title' }, t('operator.account.balance')),
          facts([
            [
              t('operator.account.available'),
              h('span', { 'data-testid': 'admin-balance-available' }, creditsText(balance.available)),
            ],
            [t('operator.account.held'), creditsText(balance.held)],
            [t('operator.account.balance'), creditsText(balance.credits)],
          ]),
        ),
        a.preferences
          ? h(
              'section',
              { class: 'card' },
              h('h2', { class: 'card-title' }, t('operator.account.preferences')),
              facts([
                [
                  t('operator.account.country'),
                  a.preferences.country ? countryName(a.preferences.country) : t('operator.account.notSet'),
                ],
                [t('operator.account.currency'), a.preferences.currency],
                [t('operator.account.timezone'), a.preferences.timezone],
                [t('operator.account.language'), a.preferences.language === 'es' ? 'Español' : 'English'],
              ]),
            )
          : null,
        h(
          'section',
          { class: 'card card-wide' },
          h('h2', { class: 'card-title' }, t('operator.account.billingData')),
          billing
            ? facts([
                [t('operator.account.legalName'), billing.legalName],
                [t('operator.account.taxId'), billing.taxId],
                [t('operator.account.vatId'), billing.vatId],
                [t('operator.account.address'), addressLine(billing.address)],
                [t('operator.account.invoiceEmail'), billing.invoiceEmail],
                [t('operator.account.mobile'), billing.mobile],
              ])
            : h('p', { class: 'empty' }, t('operator.account.noBilling')),
        ),
        money.cards,
      ),
    ]);
  };

  try {
    render(await api.get(base, { signal }));
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
