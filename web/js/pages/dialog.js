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
