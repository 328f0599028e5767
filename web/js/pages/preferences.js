// My account · Preferences: default country (for numbers written without +), currency of
// purchases and invoices, time zone of dates, language of e-mails and invoices.
import { api } from '../api.js';
import { CURRENCIES, LANGUAGES, timeZones } from '../countries.js';
import { h } from '../dom.js';
import { field, onSubmit, submitButton, summarySlot } from '../forms.js';
import { notify } from '../notices.js';
import { refreshAccount } from '../session.js';
import { countryOptions } from './billing.js';

export async function preferencesPage() {
  const account = await refreshAccount();
  const p = account.preferences ?? {};
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zones = timeZones();
  // Preferences never saved (the country is asked for on the first save): the account's time
  // zone is still the server's default, so offer this browser's instead.
  const zone = !p.country && zones.includes(browserZone) ? browserZone : (p.timezone ?? browserZone ?? 'UTC');
  const form = h(
    'form',
    { class: 'form', 'aria-label': 'Preferences' },
    summarySlot(),
    h(
      'div',
      { class: 'form-grid' },
      field({
        name: 'country',
        label: 'Default country',
        value: p.country ?? account.billing?.address?.country ?? '',
        required: true,
        options: countryOptions(),
        hint: 'Numbers written without a + and country code are taken to be from this country.',
      }),
      field({
        name: 'currency',
        label: 'Currency',
        value: p.currency ?? 'EUR',
        required: true,
        options: CURRENCIES.map((c) => ({ value: c.code, label: c.name })),
        hint: 'Prices, purchases and invoices use this currency.',
      }),
      field({
        name: 'timezone',
        label: 'Time zone',
        value: zone,
        required: true,
        options: zones.map((z) => ({ value: z, label: z.replaceAll('_', ' ') })),
        hint: 'Dates in the portal and scheduled sends use this time zone.',
      }),
      field({
        name: 'language',
        label: 'Language',
        value: p.language ?? 'en',
        required: true,
        options: LANGUAGES.map((l) => ({ value: l.code, label: l.name })),
        hint: 'Language of e-mails and invoices.',
      }),
    ),
    h('div', { class: 'form-actions' }, submitButton('Save preferences')),
  );
  onSubmit(form, async (values) => {
    await api.put('/account/preferences', values);
    await refreshAccount();
    notify('Preferences saved');
  });
  return h(
    'section',
    { class: 'page' },
    h(
      'header',
      { class: 'page-header' },
      h('h1', {}, 'Preferences'),
      h(
        'p',
        { class: 'lead' },
        'Confirm the default country and currency of your account: they matter when you buy credits.',
      ),
    ),
    h('div', { class: 'card card-form' }, form),
  );
}
