// A confirmation in a native <dialog>: modal, focus-trapped and closed by Escape.
import { h } from '../dom.js';

export function confirmDialog({ title, text, confirm = 'Confirm', cancel = 'Cancel', danger = false }) {
  return new Promise((resolve) => {
    const dialog = h(
      'dialog',
      { class: 'dialog', 'aria-labelledby': 'dialog-title' },
      h(
        'form',
        { method: 'dialog' },
        h('h2', { id: 'dialog-title' }, title),
        text ? h('p', {}, text) : null,
        h(
          'div',
          { class: 'form-actions' },
          h('button', { value: 'cancel', class: 'button button-secondary', autofocus: true }, cancel),
          h(
            'button',
            { value: 'confirm', class: ['button', danger ? 'button-danger' : 'button-primary'] },
            confirm,
          ),
        ),
      ),
    );
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'confirm');
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
