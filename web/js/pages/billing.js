// My account · Billing data: who is invoiced and where. A purchase needs it complete, plus a
// verified mobile; a changed mobile number has to be verified again.
import { api } from '../api.js';
import { h } from '../dom.js';
import { countries } from '../countries.js';
import { field, onSubmit, submitButton, summarySlot } from '../forms.js';
import { t } from '../i18n.js';
import { notify } from '../notices.js';
import { navigate } from '../router.js';
import { refreshAccount, session } from '../session.js';

export function countryOptions(placeholder = t('billing.chooseCountry')) {
  return [{ value: '', label: placeholder }, ...countries().map((c) => ({ value: c.code, label: c.name }))];
}

export async function billingPage() {
  const account = await refreshAccount();
  const b = account.billing ?? {};
  const a = b.address ?? {};
  const form = h(
    'form',
    { class: 'form', 'aria-label': t('billing.title') },
    summarySlot(),
    h(
      'fieldset',
      { class: 'fieldset' },
      h('legend', {}, t('billing.invoiced')),
      h(
        'div',
        { class: 'form-grid' },
        field({
          name: 'legalName',
          label: t('billing.legalName'),
          value: b.legalName,
          required: true,
          autocomplete: 'organization',
          wide: true,
        }),
        field({
          name: 'taxId',
          label: t('billing.taxId'),
          value: b.taxId,
          optional: true,
          hint: t('billing.taxIdHint'),
        }),
        field({
          name: 'vatId',
          label: t('billing.vatId'),
          value: b.vatId,
          optional: true,
          hint: t('billing.vatIdHint'),
        }),
      ),
    ),
    h(
      'fieldset',
      { class: 'fieldset' },
      h('legend', {}, t('billing.address')),
      h(
        'div',
        { class: 'form-grid' },
        field({
          name: 'address.line1',
          label: t('billing.line1'),
          value: a.line1,
          required: true,
          autocomplete: 'address-line1',
          wide: true,
        }),
        field({
          name: 'address.line2',
          label: t('billing.line2'),
          value: a.line2,
          optional: true,
          autocomplete: 'address-line2',
          wide: true,
        }),
        field({
          name: 'address.city',
          label: t('billing.city'),
          value: a.city,
          required: true,
          autocomplete: 'address-level2',
        }),
        field({
          name: 'address.postalCode',
          label: t('billing.postalCode'),
          value: a.postalCode,
          required: true,
          autocomplete: 'postal-code',
        }),
        field({
          name: 'address.region',
          label: t('billing.region'),
          value: a.region,
          optional: true,
          autocomplete: 'address-level1',
        }),
        field({
          name: 'address.country',
          label: t('billing.country'),
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
      h('legend', {}, t('billing.contact')),
      h(
        'div',
        { class: 'form-grid' },
        field({
          name: 'invoiceEmail',
          label: t('billing.invoiceEmail'),
          type: 'email',
          // Until billing data is saved, the address the account logs in with.
          value: b.invoiceEmail ?? session.user?.email ?? '',
          required: true,
          autocomplete: 'email',
          hint: t('billing.invoiceEmailHint'),
        }),
        field({
          name: 'mobile',
          label: t('billing.mobile'),
          type: 'tel',
          value: b.mobile,
          required: true,
          autocomplete: 'tel',
          hint: t('billing.mobileHint'),
        }),
      ),
    ),
    h('div', { class: 'form-actions' }, submitButton(t('billing.save'))),
  );
  onSubmit(form, async (values) => {
    const before = account.billing?.mobile;
    await api.put('/account/billing', values);
    const updated = await refreshAccount();
    notify(t('billing.saved'));
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
      h('h1', {}, t('billing.title')),
      h('p', { class: 'lead' }, t('billing.lead')),
    ),
    h('div', { class: 'card card-form' }, form),
  );
}
