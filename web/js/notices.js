// Non-blocking notices (toasts): successes fade away, errors stay a while and carry the
// request id the operator can look up in the logs. Never a stack trace.
import { ApiError } from './api.js';
import { h, icon } from './dom.js';

const region = () => document.getElementById('notices');

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
      requestId ? h('p', { class: 'notice-meta' }, 'Request id ', h('code', {}, requestId)) : null,
    ),
    h(
      'button',
      { type: 'button', class: 'notice-close', 'aria-label': 'Dismiss', onclick: close },
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
export function notifyError(error) {
  if (error?.name === 'AbortError') return;
  if (error instanceof ApiError) {
    notify(error.message, { kind: 'error', requestId: error.requestId });
  } else {
    console.error(error);
    notify('Something went wrong in the portal. Reload the page and try again.', { kind: 'error' });
  }
}
