// @ts-check
// A tiny DOM builder: elements from tag, properties and children. Text is always inserted as
// text nodes, never parsed as HTML, so values from the API cannot inject markup.

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Properties set on the element itself (after its children, so a select finds its option). */
const PROPERTIES = new Set(['value', 'checked', 'selected', 'disabled', 'indeterminate']);

/**
 * What may be a child: nodes and text, nested lists of them, and nothing (null, undefined,
 * booleans are skipped, so `cond ? node : null` and `cond && node` both work).
 * @typedef {Node | string | number | bigint | boolean | null | undefined | ChildList} Child
 */
/** @typedef {Array<Child>} ChildList */

/**
 * Attributes and properties: `class` (a string or a list with falsy entries skipped),
 * `dataset`, `on<event>` listeners, the PROPERTIES above, and attributes (true is "", false,
 * null and undefined leave the attribute out).
 * @typedef {Record<string, unknown>} Props
 */

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Props | null} [props]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  /** @type {[string, unknown][]} */
  const late = [];
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') {
      el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : String(value);
    } else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), /** @type {EventListener} */ (value));
    } else if (PROPERTIES.has(key)) late.push([key, value]);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  for (const [key, value] of late) Reflect.set(el, key, value);
  return el;
}

/**
 * @template {Element | DocumentFragment} P
 * @param {P} parent
 * @param {Child[]} children
 * @returns {P}
 */
export function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false || child === true) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.append(child instanceof Node ? child : String(child));
  }
  return parent;
}

/**
 * Replaces a parent's children, skipping null, undefined and booleans like h() does.
 * @template {Element} P
 * @param {P} parent
 * @param {...Child} children
 * @returns {P}
 */
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

/**
 * Line icons, 24×24, stroked with the current colour; decorative (hidden from assistive tech).
 * @type {Record<string, string[]>}
 */
const ICONS = {
  home: ['M3 10.5 12 3l9 7.5', 'M5 9.5V21h5v-6h4v6h5V9.5'],
  billing: ['M3 6h18v12H3z', 'M3 10h18', 'M7 15h4'],
  phone: ['M7 2h10a1 1 0 0 1 1 1v18a1 1 0 0 1-1 1H7a1 1 0 0 1-1-1V3a1 1 0 0 1 1-1z', 'M11 18h2'],
  sliders: [
    'M4 6h9',
    'M17 6h3',
    'M4 12h3',
    'M11 12h9',
    'M4 18h11',
    'M19 18h1',
    'M15 4v4',
    'M9 10v4',
    'M17 16v4',
  ],
  key: ['M15 9a4 4 0 1 1-3.5-4 4 4 0 0 1 3.5 4z', 'M13.5 12.5 21 20', 'M18 17l2-2', 'M16 15l2-2'],
  lock: ['M6 11h12v10H6z', 'M8.5 11V7.5a3.5 3.5 0 0 1 7 0V11', 'M12 15v2'],
  coins: [
    'M12 3c4.4 0 8 1.3 8 3s-3.6 3-8 3-8-1.3-8-3 3.6-3 8-3z',
    'M4 6v6c0 1.7 3.6 3 8 3s8-1.3 8-3V6',
    'M4 12v6c0 1.7 3.6 3 8 3s8-1.3 8-3v-6',
  ],
  shield: ['M12 3 4 6v6c0 4.4 3.4 8.3 8 9 4.6-.7 8-4.6 8-9V6z', 'M9 12l2 2 4-4'],
  logout: ['M15 4h4v16h-4', 'M10 8l-4 4 4 4', 'M6 12h11'],
  check: ['M5 12.5 10 17 19 7'],
  circle: ['M12 3a9 9 0 1 1 0 18 9 9 0 0 1 0-18z'],
  alert: ['M12 3 2 20h20z', 'M12 10v4', 'M12 17h.01'],
  copy: ['M9 9h11v11H9z', 'M5 15H4V4h11v1'],
  close: ['M6 6l12 12', 'M18 6 6 18'],
  search: ['M11 4a7 7 0 1 1 0 14 7 7 0 0 1 0-14z', 'M16 16l5 5'],
  arrow: ['M5 12h14', 'M13 6l6 6-6 6'],
  user: ['M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8z', 'M4 21c0-4 3.6-6 8-6s8 2 8 6'],
  message: ['M4 5h16v11H9l-5 4z'],
  download: ['M12 4v11', 'M7 10l5 5 5-5', 'M5 20h14'],
  upload: ['M12 16V5', 'M7 10l5-5 5 5', 'M5 20h14'],
  card: ['M3 6h18v12H3z', 'M3 10h18', 'M7 15h2', 'M12 15h3'],
  receipt: ['M6 3h12v18l-3-2-3 2-3-2-3 2z', 'M9 8h6', 'M9 12h6'],
  list: ['M9 6h11', 'M9 12h11', 'M9 18h11', 'M4 6h.01', 'M4 12h.01', 'M4 18h.01'],
  tag: ['M3 12V3h9l9 9-9 9z', 'M8 8h.01'],
  send: ['M3 11 21 3l-8 18-2-8z', 'M11 13 21 3'],
  campaign: ['M4 10v4h3l6 4V6L7 10z', 'M16 9a4 4 0 0 1 0 6', 'M18.5 6.5a7.5 7.5 0 0 1 0 11'],
  outbox: ['M4 13h4l2 3h4l2-3h4', 'M4 13l2-8h12l2 8v6H4z'],
  clock: ['M12 3a9 9 0 1 1 0 18 9 9 0 0 1 0-18z', 'M12 7v5l3 2'],
  bank: ['M3 10 12 4l9 6', 'M5 10v8', 'M9.5 10v8', 'M14.5 10v8', 'M19 10v8', 'M3 20h18'],
  menu: ['M4 6h16', 'M4 12h16', 'M4 18h16'],
  chart: ['M4 20V10', 'M10 20V4', 'M16 20v-7', 'M3 20h18'],
  mail: ['M3 6h18v12H3z', 'M3 7l9 6 9-6'],
  link: [
    'M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1',
    'M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1',
  ],
  globe: [
    'M12 3a9 9 0 1 1 0 18 9 9 0 0 1 0-18z',
    'M3 12h18',
    'M12 3c2.5 2.5 3.5 5.5 3.5 9s-1 6.5-3.5 9',
    'M12 3c-2.5 2.5-3.5 5.5-3.5 9s1 6.5 3.5 9',
  ],
  refresh: ['M20 11a8 8 0 0 0-14.6-4.5', 'M4 4v3.5h3.5', 'M4 13a8 8 0 0 0 14.6 4.5', 'M20 20v-3.5h-3.5'],
};

/**
 * @param {string} name
 * @param {string} [className]
 * @returns {SVGSVGElement}
 */
export function icon(name, className = 'icon') {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', className);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  for (const d of ICONS[name] ?? ICONS.circle ?? []) {
    const path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', d);
    svg.append(path);
  }
  return svg;
}

let uid = 0;
/** A document-unique id for label/description wiring. */
export function uniqueId(/** @type {string} */ prefix = 'id') {
  uid += 1;
  return `${prefix}-${uid}`;
}
