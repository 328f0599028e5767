// @ts-check
// Form building blocks: labelled fields with hints and error slots, nested values from dotted
// names ("address.city"), and the API's field errors shown next to the field they concern.
import { ApiError } from './api.js';
import { h, uniqueId } from './dom.js';
import { t } from './i18n.js';
import { dismissErrors, notifyError } from './notices.js';

/** @typedef {{ path: string, message: string }} FieldProblem */
/** @typedef {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} Control */
/** @typedef {{ [name: string]: string | boolean | FormValues }} FormValues */

/**
 * @typedef {object} FieldOptions
 * @property {string} name
 * @property {string} label
 * @property {string} [type]
 * @property {string | null} [value]
 * @property {boolean} [required]
 * @property {boolean} [optional]
 * @property {string} [hint]
 * @property {{ value: string, label: string }[]} [options]
 * @property {string} [placeholder]
 * @property {string} [autocomplete]
 * @property {Record<string, unknown>} [attrs]
 * @property {boolean} [wide]
 */

/**
 * A labelled control. `options` ([{value, label}]) makes a select. The error slot is wired
 * with aria-describedby so screen readers read it with the field.
 * @param {FieldOptions} options
 */
export function field({
  name,
  label,
  type = 'text',
  value = '',
  required = false,
  optional = false,
  hint,
  options,
  placeholder,
  autocomplete,
  attrs = {},
  wide = false,
}) {
  const id = uniqueId(`f-${name.replaceAll('.', '-')}`);
  const hintId = hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  const common = {
    id,
    name,
    required: required || undefined,
    'aria-describedby': [hintId, errorId].filter(Boolean).join(' '),
    autocomplete,
    placeholder,
    ...attrs,
  };
  let control;
  if (options) {
    // A stored value the list does not know (an older zone name, say) is kept, not replaced.
    if (value && !options.some((o) => o.value === value)) options = [{ value, label: value }, ...options];
    control = h(
      'select',
      { ...common, value: value ?? '' },
      options.map((o) => h('option', { value: o.value }, o.label)),
    );
  } else {
    control = h('input', { ...common, type, value: value ?? '' });
  }
  return h(
    'div',
    { class: ['field', wide && 'field-wide'] },
    h(
      'label',
      { for: id },
      label,
      optional ? h('span', { class: 'optional' }, ` ${t('common.optional')}`) : null,
      required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null,
    ),
    control,
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    h('p', { class: 'field-error', id: errorId, hidden: true }),
  );
}

/** The form's named controls. */
function controls(/** @type {HTMLFormElement} */ form) {
  return /** @type {Control[]} */ (
    [...form.elements].filter(
      (el) =>
        el instanceof HTMLInputElement ||
        el instanceof HTMLSelectElement ||
        el instanceof HTMLTextAreaElement,
    )
  );
}

/**
 * Form values as a nested object; empty optional fields are left out.
 * @param {HTMLFormElement} form
 * @returns {FormValues}
 */
export function formValues(form) {
  /** @type {FormValues} */
  const out = {};
  for (const el of controls(form)) {
    if (!el.name || el.disabled || el.type === 'submit' || el.type === 'button') continue;
    const value = el instanceof HTMLInputElement && el.type === 'checkbox' ? el.checked : el.value.trim();
    if (value === '' && !el.required) continue;
    const parts = el.name.split('.');
    let target = out;
    for (const part of parts.slice(0, -1)) {
      const inner = target[part];
      const next = typeof inner === 'object' ? inner : {};
      target[part] = next;
      target = next;
    }
    target[parts[parts.length - 1] ?? el.name] = el.type === 'password' ? el.value : value;
  }
  return out;
}

export function clearErrors(/** @type {HTMLFormElement} */ form) {
  for (const el of form.querySelectorAll('[aria-invalid="true"]')) el.removeAttribute('aria-invalid');
  for (const el of form.querySelectorAll('.field-error')) {
    if (!(el instanceof HTMLElement)) continue;
    el.textContent = '';
    el.hidden = true;
  }
  const summary = form.querySelector('.form-summary');
  if (summary instanceof HTMLElement) {
    summary.replaceChildren();
    summary.hidden = true;
  }
}

function controlFor(/** @type {HTMLFormElement} */ form, /** @type {string} */ path) {
  // Exact name first, then the nearest enclosing name ("address" for "address.line1" or vice versa).
  const byName = (/** @type {string} */ name) => controls(form).find((el) => el.name === name);
  let parts = path.split('.');
  while (parts.length) {
    const found = byName(parts.join('.'));
    if (found) return found;
    parts = parts.slice(0, -1);
  }
  return null;
}

/**
 * Shows [{path, message}] next to the fields; what matches no field goes to the summary.
 * @param {HTMLFormElement} form
 * @param {FieldProblem[]} fields
 */
export function showErrors(form, fields) {
  clearErrors(form);
  /** @type {string[]} */
  const unmatched = [];
  /** @type {Control | null} */
  let first = null;
  for (const { path, message } of fields) {
    const control = path ? controlFor(form, path) : null;
    if (!control) {
      unmatched.push(path ? `${path} ${message}` : message);
      continue;
    }
    control.setAttribute('aria-invalid', 'true');
    const slot = control.closest('.field')?.querySelector('.field-error');
    if (slot instanceof HTMLElement) {
      slot.textContent = slot.textContent ? `${slot.textContent}; ${message}` : capitalise(message);
      slot.hidden = false;
    }
    first ??= control;
  }
  const summary = form.querySelector('.form-summary');
  if (summary instanceof HTMLElement && unmatched.length) {
    summary.replaceChildren(
      h(
        'ul',
        {},
        unmatched.map((m) => h('li', {}, capitalise(m))),
      ),
    );
    summary.hidden = false;
  }
  /** @type {Control | null} */ (first)?.focus();
}

function capitalise(/** @type {unknown} */ text) {
  const s = String(text ?? '');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Required fields that are empty, as field problems (checked before calling the API). */
function missingRequired(/** @type {HTMLFormElement} */ form) {
  return controls(form)
    .filter((el) => el.required && !el.disabled && String(el.value).trim() === '')
    .map((el) => ({ path: el.name, message: t('common.required') }));
}

/**
 * Wires a form: on submit, checks required fields, disables the submit button while `action`
 * runs and shows API errors (field errors next to fields, the message and request id as a notice).
 * @param {HTMLFormElement} form
 * @param {(values: FormValues, form: HTMLFormElement) => unknown} action
 */
export function onSubmit(form, action) {
  form.noValidate = true;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const missing = missingRequired(form);
    if (missing.length) {
      showErrors(form, missing);
      return;
    }
    clearErrors(form);
    dismissErrors();
    const buttons = [...form.querySelectorAll('button[type="submit"]')].filter(
      (b) => b instanceof HTMLButtonElement,
    );
    for (const b of buttons) {
      b.disabled = true;
      b.setAttribute('aria-busy', 'true');
    }
    try {
      await action(formValues(form), form);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'validation_failed') showErrors(form, error.fields);
      notifyError(error);
    } finally {
      for (const b of buttons) {
        b.disabled = false;
        b.removeAttribute('aria-busy');
      }
    }
  });
  return form;
}

export function summarySlot() {
  return h('div', { class: 'form-summary', role: 'alert', hidden: true });
}

/** @param {string} label @param {string} [kind] */
export function submitButton(label, kind = 'primary') {
  return h('button', { type: 'submit', class: ['button', `button-${kind}`] }, label);
}

/**
 * A button that runs `action` on click: disabled while it runs (no double clicks), and an API
 * error shown as a notice. The "Show more" buttons of the list pages use it.
 */
export function onBusyClick(
  /** @type {HTMLButtonElement} */ button,
  /** @type {() => Promise<unknown>} */ action,
) {
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await action();
    } catch (error) {
      notifyError(error);
    } finally {
      button.disabled = false;
    }
  });
}
