// @ts-check
// A confirmation in a native <dialog>: modal, focus kept inside, closed by Escape. With
// `input` it also asks for a line of text (e.g. a reason) and resolves to it.
import { h } from '../dom.js';
import { field } from '../forms.js';
import { t } from '../i18n.js';

/**
 * @typedef {object} ConfirmOptions
 * @property {string} title
 * @property {string} [text]
 * @property {string} [confirm]
 * @property {string} [cancel]
 * @property {boolean} [danger]
 * @property {{ label: string, hint?: string }} [input]
 */

/**
 * Resolves to whether it was confirmed; with `input`, to the text typed ('' when left empty)
 * or null when cancelled.
 * @param {ConfirmOptions} options
 * @returns {Promise<boolean | string | null>}
 */
export function confirmDialog({ title, text, confirm, cancel, danger = false, input }) {
  const confirmLabel = confirm ?? t('common.actions.confirm');
  const cancelLabel = cancel ?? t('common.actions.cancel');
  return new Promise((resolve) => {
    const extra = input
      ? field({ name: 'dialog-input', label: input.label, optional: true, hint: input.hint })
      : null;
    const dialog = h(
      'dialog',
      { class: 'dialog', 'aria-labelledby': 'dialog-title' },
      h(
        'form',
        { method: 'dialog', class: 'dialog-form' },
        h('h2', { id: 'dialog-title' }, title),
        text ? h('p', {}, text) : null,
        extra,
        h(
          'div',
          { class: 'form-actions' },
          h('button', { value: 'cancel', class: 'button button-secondary', autofocus: !input }, cancelLabel),
          h(
            'button',
            { value: 'confirm', class: ['button', danger ? 'button-danger' : 'button-primary'] },
            confirmLabel,
          ),
        ),
      ),
    );
    dialog.addEventListener('close', () => {
      const confirmed = dialog.returnValue === 'confirm';
      const typed = extra?.querySelector('input')?.value.trim() ?? '';
      if (input) resolve(confirmed ? typed : null);
      else resolve(confirmed);
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
    extra?.querySelector('input')?.focus();
  });
}

/**
 * A small form in a modal: `fields` are nodes from forms.field(); resolves to the form's values
 * ({name: value}, trimmed) when confirmed, or null when cancelled. Required fields are checked
 * before it closes.
 * @param {{ title: string, text?: string, fields: Node[], confirm?: string, cancel?: string, danger?: boolean }} options
 * @returns {Promise<Record<string, string> | null>}
 */
export function formDialog({ title, text, fields, confirm, cancel, danger = false }) {
  const confirmLabel = confirm ?? t('common.actions.save');
  const cancelLabel = cancel ?? t('common.actions.cancel');
  return new Promise((resolve) => {
    const form = h(
      'form',
      { method: 'dialog', class: 'dialog-form form', novalidate: true },
      h('h2', { id: 'dialog-title' }, title),
      text ? h('p', {}, text) : null,
      fields,
      h(
        'div',
        { class: 'form-actions' },
        // Not a submit button, so Enter in a field confirms rather than cancels.
        h(
          'button',
          { type: 'button', class: 'button button-secondary', onclick: () => dialog.close('cancel') },
          cancelLabel,
        ),
        h(
          'button',
          { value: 'confirm', class: ['button', danger ? 'button-danger' : 'button-primary'] },
          confirmLabel,
        ),
      ),
    );
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'dialog-title' }, form);
    const controls = () =>
      /** @type {(HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement)[]} */ (
        [...form.elements].filter(
          (el) =>
            el instanceof HTMLInputElement ||
            el instanceof HTMLSelectElement ||
            el instanceof HTMLTextAreaElement,
        )
      );
    form.addEventListener('submit', (event) => {
      const empty = controls().filter((el) => el.required && !String(el.value).trim());
      for (const el of controls()) el.removeAttribute('aria-invalid');
      for (const slot of form.querySelectorAll('.field-error'))
        if (slot instanceof HTMLElement) slot.hidden = true;
      if (empty.length) {
        event.preventDefault();
        for (const el of empty) {
          el.setAttribute('aria-invalid', 'true');
          const slot = el.closest('.field')?.querySelector('.field-error');
          if (slot instanceof HTMLElement) {
            slot.textContent = t('common.requiredShort');
            slot.hidden = false;
          }
        }
        empty[0]?.focus();
      }
    });
    dialog.addEventListener('close', () => {
      if (dialog.returnValue !== 'confirm') resolve(null);
      else {
        /** @type {Record<string, string>} */
        const values = {};
        for (const el of controls()) if (el.name) values[el.name] = String(el.value).trim();
        resolve(values);
      }
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
    const first = form.querySelector('input, select');
    if (first instanceof HTMLElement) first.focus();
  });
}
