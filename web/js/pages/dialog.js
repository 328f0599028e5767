// A confirmation in a native <dialog>: modal, focus kept inside, closed by Escape. With
// `input` it also asks for a line of text (e.g. a reason) and resolves to it.
import { h } from '../dom.js';
import { field } from '../forms.js';

/**
 * Resolves to whether it was confirmed; with `input`, to the text typed ('' when left empty)
 * or null when cancelled.
 */
export function confirmDialog({
  title,
  text,
  confirm = 'Confirm',
  cancel = 'Cancel',
  danger = false,
  input,
}) {
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
          h('button', { value: 'cancel', class: 'button button-secondary', autofocus: !input }, cancel),
          h(
            'button',
            { value: 'confirm', class: ['button', danger ? 'button-danger' : 'button-primary'] },
            confirm,
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
 */
export function formDialog({ title, text, fields, confirm = 'Save', cancel = 'Cancel', danger = false }) {
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
          cancel,
        ),
        h(
          'button',
          { value: 'confirm', class: ['button', danger ? 'button-danger' : 'button-primary'] },
          confirm,
        ),
      ),
    );
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'dialog-title' }, form);
    form.addEventListener('submit', (event) => {
      const empty = [...form.elements].filter((el) => el.required && !String(el.value).trim());
      for (const el of form.elements) el.removeAttribute?.('aria-invalid');
      for (const slot of form.querySelectorAll('.field-error')) slot.hidden = true;
      if (empty.length) {
        event.preventDefault();
        for (const el of empty) {
          el.setAttribute('aria-invalid', 'true');
          const slot = el.closest('.field')?.querySelector('.field-error');
          if (slot) {
            slot.textContent = 'Required';
            slot.hidden = false;
          }
        }
        empty[0].focus();
      }
    });
    dialog.addEventListener('close', () => {
      if (dialog.returnValue !== 'confirm') resolve(null);
      else {
        const values = {};
        for (const el of form.elements) if (el.name) values[el.name] = String(el.value).trim();
        resolve(values);
      }
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
    form.querySelector('input, select')?.focus();
  });
}
