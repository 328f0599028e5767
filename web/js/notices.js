// @ts-check
// Non-blocking notices (toasts): successes fade away, errors stay a while and carry the
// request id the operator can look up in the logs. Never a stack trace.
import { ApiError, isAbort } from './api.js';
import { h, icon } from './dom.js';
import { t } from './i18n.js';

const region = () => document.getElementById('notices');

/**
 * @param {string} message
 * @param {{ kind?: 'success' | 'info' | 'error', requestId?: string | null, timeout?: number }} [options]
 */
export function notify(message, { kind = 'success', requestId = null, timeout } = {}) {
  const host = region();
  if (!host) return;
  const close = () => notice.remove();
  const notice = h(
    'div',
    { class: ['notice', `notice-${kind}`], role: kind === 'error' ? 'alert' : 'status' },
    icon(kind === 'error' ? 'alert' : 'check', 'icon notice-icon'),
    h(
      'div',
      { class: 'notice-body' },
      h('p', { class: 'notice-message' }, message),
      requestId
        ? h('p', { class: 'notice-meta' }, t('shell.requestId'), ' ', h('code', {}, requestId))
        : null,
    ),
    h(
      'button',
      { type: 'button', class: 'notice-close', 'aria-label': t('shell.dismiss'), onclick: close },
      icon('close'),
    ),
  );
  host.append(notice);
  while (host.children.length > 4) host.firstElementChild?.remove();
  const ms = timeout ?? (kind === 'error' ? 15000 : 5000);
  if (ms > 0) setTimeout(close, ms);
  return notice;
}

/** Removes the error notices on screen (a new attempt makes the old failures moot). */
export function dismissErrors() {
  for (const notice of region()?.querySelectorAll('.notice-error') ?? []) notice.remove();
}

/** Shows any failure: the API's message and request id, or a plain sentence for the rest. */
export function notifyError(/** @type {unknown} */ error) {
  if (isAbort(error)) return;
  if (error instanceof ApiError) {
    notify(error.message, { kind: 'error', requestId: error.requestId });
  } else {
    console.error(error);
    notify(t('shell.portalError'), { kind: 'error' });
  }
}
