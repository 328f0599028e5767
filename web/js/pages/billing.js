// My account · Billing data: who is invoiced and where. A purchase needs it complete, plus a
// verified mobile; a changed mobile number has to be verified again.
import { api } from '../api.js';
import { h } from '../dom.js';
import { countries } from '../countries.js';
import { field, onSubmit, submitButton, summarySlot } from '../forms.js';
import { notify } from '../notices.js';
import { navigate } from '../router.js';
import { refreshAccount, session } from '../session.js';

export function countryOptions(placeholder = 'Choose a country') {
  return [{ value: '', label: placeholder }, ...countries().map((c) => ({ value: c.code, label: c.name }))];
}

export async function billingPage() {
  const account = await refreshAccount();
  const b = account.billing ?? {};
  const a = b.address ?? {};
  const form = h(
    'form',
    { class: 'form', 'aria-label': 'Billing data' },
    summarySlot(),
    h(
      'fieldset',
      { class: 'fieldset' },
      h('legend', {}, 'Company or person invoiced'),
      h(
        'div',
        { class: 'form-grid' },
        field({
          name: 'legalName',
          label: 'Legal name',
          value: b.legalName,
          required: true,
          autocomplete: 'organization',
          wide: true,
        }),
        field({
          name: 'taxId',
          label: 'Tax id',
          value: b.taxId,
          optional: true,
          hint: 'Company or personal tax number.',
        }),
        field({
          name: 'vatId',
          label: 'VAT id',
          value: b.vatId,
          optional: true,
          hint: 'EU VAT number with its country prefix, e.g. ESB12345674.',
        }),
      ),
    ),
    h(
      'fieldset',
      { class: 'fieldset' },
      h('legend', {}, 'Address'),
      h(
        'div',
        { class: 'form-grid' },
        field({
          name: 'address.line1',
          label: 'Address line 1',
          value: a.line1,
          required: true,
          autocomplete: 'address-line1',
          wide: true,
        }),
        field({
          name: 'address.line2',
          label: 'Address line 2',
          value: a.line2,
          optional: true,
          autocomplete: 'address-line2',
          wide: true,
        }),
        field({
          name: 'address.city',
          label: 'City',
          value: a.city,
          required: true,
          autocomplete: 'address-level2',
        }),
        field({
          name: 'address.postalCode',
          label: 'Postal code',
          value: a.postalCode,
          required: true,
          autocomplete: 'postal-code',
        }),
        field({
          name: 'address.region',
          label: 'Region or province',
          value: a.region,
          optional: true,
          autocomplete: 'address-level1',
        }),
        field({
          name: 'address.country',
          label: 'Country',
          value: a.country ?? account.preferences?.country ?? '',
          required: true,
          options: countryOptions(),
          autocomplete: 'country',
        }),
      ),
    ),
    h(
      'fieldset',
      { class: 'fieldset' },
      h('legend', {}, 'Contact'),
      h(
        'div',
        { class: 'form-grid' },
        field({
          name: 'invoiceEmail',
          label: 'Invoice e-mail',
          type: 'email',
          // Until billing data is saved, the address the account logs in with.
          value: b.invoiceEmail ?? session.user?.email ?? '',
          required: true,
          autocomplete: 'email',
          hint: 'Invoices are sent here on the first business day of each month.',
        }),
        field({
          name: 'mobile',
          label: 'Mobile number',
          type: 'tel',
          value: b.mobile,
          required: true,
          autocomplete: 'tel',
          hint: 'In international format, e.g. +34 612 345 678. We verify it with a code by SMS.',
        }),
      ),
    ),
    h('div', { class: 'form-actions' }, submitButton('Save billing data')),
  );
  onSubmit(form, async (values) => {
    const before = account.billing?.mobile;
    await api.put('/account/billing', values);
    const updated = await refreshAccount();
    notify('Billing data saved');
    if (!updated.mobileVerified && updated.billing?.mobile && before !== updated.billing.mobile) {
      navigate('/account/mobile');
    }
  });
  return h(
    'section',
    { class: 'page' },
    h(
      'header',
      { class: 'page-header' },
      h('h1', {}, 'Billing data'),
      h(
        'p',
        { class: 'lead' },
        'Enter all the data and verify a mobile number so our team can verify your account. Purchases need complete billing data.',
      ),
    ),
    h('div', { class: 'card card-form' }, form),
  );
}
