// My account · Preferences: default country (for numbers written without +), currency of
// purchases and invoices, time zone of dates, language of e-mails and invoices; and the
// low-balance alert — on or off, and its limit (empty: 10% of the last purchase).
import { api } from '../api.js';
import { CURRENCIES, LANGUAGES, timeZones } from '../countries.js';
import { h } from '../dom.js';
import { creditsText } from '../format.js';
import { field, onSubmit, submitButton, summarySlot } from '../forms.js';
import { intlLocale, language, t } from '../i18n.js';
import { notify } from '../notices.js';
import { refreshAccount } from '../session.js';
import { countryOptions } from './billing.js';

/** "Euro (EUR)" / "euro (EUR)": the currency's name in the portal's language. */
function currencyName(currency) {
  try {
    const name = new Intl.DisplayNames([intlLocale()], { type: 'currency' }).of(currency.code);
    return name ? `${name.charAt(0).toUpperCase()}${name.slice(1)} (${currency.code})` : currency.name;
  } catch {
    return currency.name;
  }
}

/** "1.500,5" (Spanish) or "1,500.5" (English) as the API's "1500.5"; anything else as typed. */
function decimalText(text) {
  const [group, decimal] = language() === 'es' ? ['.', ','] : [',', '.'];
  const plain = text.replace(/\s/g, '').replaceAll(group, '').replace(decimal, '.');
  return /^\d+(\.\d+)?$/.test(plain) ? plain : text;
}

/** Where the alert stands: the limit in force and whether it was sent. */
function alertStatus(account) {
  const alert = account.lowBalanceAlert ?? {};
  const prefs = account.preferences ?? {};
  let text;
  if (prefs.lowBalanceAlertEnabled === false) text = t('preferences.alert.statusOff');
  else if (alert.limit === null || alert.limit === undefined) text = t('preferences.alert.statusNoLimit');
  else if (alert.armed === false)
    text = t('preferences.alert.statusSent', { limit: creditsText(alert.limit) });
  else text = t('preferences.alert.statusArmed', { limit: creditsText(alert.limit) });
  return h('p', { class: 'hint', 'data-testid': 'low-balance-status', role: 'status' }, text);
}

function alertSection(account) {
  const prefs = account.preferences ?? {};
  const enabled = h('input', {
    type: 'checkbox',
    id: 'pref-low-balance-enabled',
    name: 'lowBalanceAlertEnabled',
    checked: prefs.lowBalanceAlertEnabled !== false,
  });
  return h(
    'fieldset',
    { class: 'fieldset' },
    h('legend', {}, t('preferences.alert.title')),
    h(
      'div',
      { class: 'form-grid' },
      h(
        'div',
        { class: 'field field-wide' },
        h(
          'label',
          { class: 'checkbox', for: 'pref-low-balance-enabled' },
          enabled,
          h('span', {}, t('preferences.alert.enabled')),
        ),
      ),
      field({
        name: 'lowBalanceAlertCredits',
        label: t('preferences.alert.limit'),
        value: prefs.lowBalanceAlertCredits ?? '',
        optional: true,
        placeholder: t('preferences.alert.placeholder'),
        hint: t('preferences.alert.limitHint'),
        attrs: { inputmode: 'decimal', maxlength: 24, spellcheck: 'false' },
      }),
    ),
    alertStatus(account),
  );
}

export async function preferencesPage() {
  const account = await refreshAccount();
  const p = account.preferences ?? {};
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const status = { node: null };
  const zones = timeZones();
  // Preferences never saved (the country is asked for on the first save): the account's time
  // zone is still the server's default, so offer this browser's instead.
  const zone = !p.country && zones.includes(browserZone) ? browserZone : (p.timezone ?? browserZone ?? 'UTC');
  const form = h(
    'form',
    { class: 'form', 'aria-label': t('preferences.title') },
    summarySlot(),
    h(
      'fieldset',
      { class: 'fieldset' },
      h('legend', {}, t('preferences.general')),
      h(
        'div',
        { class: 'form-grid' },
        field({
          name: 'country',
          label: t('preferences.country'),
          value: p.country ?? account.billing?.address?.country ?? '',
          required: true,
          options: countryOptions(t('preferences.chooseCountry')),
          hint: t('preferences.countryHint'),
        }),
        field({
          name: 'currency',
          label: t('preferences.currency'),
          value: p.currency ?? 'EUR',
          required: true,
          options: CURRENCIES.map((c) => ({ value: c.code, label: currencyName(c) })),
          hint: t('preferences.currencyHint'),
        }),
        field({
          name: 'timezone',
          label: t('preferences.timezone'),
          value: zone,
          required: true,
          options: zones.map((z) => ({ value: z, label: z.replaceAll('_', ' ') })),
          hint: t('preferences.timezoneHint'),
        }),
        field({
          name: 'language',
          label: t('preferences.language'),
          value: p.language ?? 'en',
          required: true,
          options: LANGUAGES.map((l) => ({ value: l.code, label: l.name })),
          hint: t('preferences.languageHint'),
        }),
      ),
    ),
    alertSection(account),
    h('div', { class: 'form-actions' }, submitButton(t('preferences.save'))),
  );
  status.node = form.querySelector('[data-testid="low-balance-status"]');
  onSubmit(form, async (values) => {
    // An empty limit means the default rule (null), not "unchanged".
    const limit = typeof values.lowBalanceAlertCredits === 'string' ? values.lowBalanceAlertCredits : '';
    await api.put('/account/preferences', {
      ...values,
      lowBalanceAlertEnabled: values.lowBalanceAlertEnabled === true,
      lowBalanceAlertCredits: limit === '' ? null : decimalText(limit),
    });
    const updated = await refreshAccount();
    const fresh = alertStatus(updated);
    status.node?.replaceWith(fresh);
    status.node = fresh;
    notify(t('preferences.saved'));
  });
  return h(
    'section',
    { class: 'page' },
    h(
      'header',
      { class: 'page-header' },
      h('h1', {}, t('preferences.title')),
      h('p', { class: 'lead' }, t('preferences.lead')),
    ),
    h('div', { class: 'card card-form' }, form),
  );
}
