// @ts-check
// History-API routing: patterns like "/admin/accounts/:id", same-origin links handled in place.

/**
 * @param {string} pattern
 * @returns {(pathname: string) => Record<string, string> | null}
 */
export function compile(pattern) {
  /** @type {string[]} */
  const names = [];
  const source = pattern.replace(/:([a-zA-Z]+)/g, (_, name) => {
    names.push(name);
    return '([^/]+)';
  });
  const regex = new RegExp(`^${source}/?$`);
  return (pathname) => {
    const match = regex.exec(pathname);
    if (!match) return null;
    return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')]));
  };
}

/** @typedef {(event: { initial: boolean }) => void} NavigateListener */

/** @type {Set<NavigateListener>} */
const listeners = new Set();

export function onNavigate(/** @type {NavigateListener} */ listener) {
  listeners.add(listener);
}

/**
 * @param {string} to
 * @param {{ replace?: boolean }} [options]
 */
export function navigate(to, { replace = false } = {}) {
  const url = new URL(to, location.origin);
  const next = `${url.pathname}${url.search}${url.hash}`;
  if (replace) history.replaceState(null, '', next);
  else history.pushState(null, '', next);
  for (const listener of listeners) listener({ initial: false });
}

/** Draws the current address again (after the language changed, say). */
export function redraw() {
  for (const listener of listeners) listener({ initial: false });
}

export function currentPath() {
  return `${location.pathname}${location.search}`;
}

/** Handles clicks on same-origin links without a full page load. */
export function interceptLinks(/** @type {Document | Element} */ root = document) {
  root.addEventListener('click', (event) => {
    if (!(event instanceof MouseEvent)) return;
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = event.target instanceof Element ? event.target.closest('a[href]') : null;
    if (!(link instanceof HTMLAnchorElement)) return;
    if (link.target || link.hasAttribute('download') || link.dataset.native !== undefined) return;
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
    event.preventDefault();
    navigate(`${url.pathname}${url.search}${url.hash}`);
  });
  window.addEventListener('popstate', () => {
    for (const listener of listeners) listener({ initial: false });
  });
}
