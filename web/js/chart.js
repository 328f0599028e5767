// @ts-check
// Small bar charts in SVG for the dashboard, drawn here (no library, nothing from elsewhere,
// so the Content-Security-Policy stays 'self'): one bar per day or hour, stacked by series,
// with a few gridlines and labels. Each chart is an image with a name that says what it shows;
// the same figures are in a table beside it for anyone who cannot see the bars.
import { append, h } from './dom.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * @param {string} tag
 * @param {Record<string, string | number>} [attrs]
 * @param {...(SVGElement | string)} children
 */
function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  for (const child of children) el.append(child);
  return el;
}

/** A round step for gridlines: 1, 2 or 5 times a power of ten, about four lines up to max. */
export function niceStep(/** @type {number} */ max) {
  if (!(max > 0)) return 1;
  const rough = max / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const steps = [1, 2, 5, 10].map((m) => m * power);
  return steps.find((s) => s >= rough) ?? 10 * power;
}

/**
 * @typedef {object} Series
 * @property {string} key
 * @property {string} label
 * @property {string} className Its colour (a CSS class).
 */

/**
 * @typedef {object} ChartOptions
 * @property {string} label What the chart shows, for screen readers.
 * @property {string[]} categories The label of each bar (a day, an hour).
 * @property {Series[]} series Stacked bottom to top.
 * @property {Record<string, number>[]} values One record per category, a value per series key.
 * @property {(n: number) => string} format Numbers on the axis.
 * @property {number} [height]
 */

/**
 * A stacked bar chart, drawn to the width of its box (it scales with the viewBox).
 * @param {ChartOptions} options
 */
export function barChart({ label, categories, series, values, format, height = 180 }) {
  const width = 640;
  const pad = { top: 10, right: 8, bottom: 24, left: 44 };
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const totals = values.map((v) => series.reduce((sum, s) => sum + (v[s.key] ?? 0), 0));
  const max = Math.max(0, ...totals);
  const step = niceStep(max);
  const top = Math.max(step, Math.ceil(max / step) * step);
  const y = (/** @type {number} */ n) => pad.top + innerH - (n / top) * innerH;
  const slot = innerW / Math.max(1, categories.length);
  const barW = Math.max(1, slot * 0.7);

  const grid = svg('g', { class: 'chart-grid', 'aria-hidden': 'true' });
  for (let n = 0; n <= top + step / 2; n += step) {
    grid.append(
      svg('line', { x1: pad.left, x2: width - pad.right, y1: y(n), y2: y(n) }),
      svg('text', { x: pad.left - 6, y: y(n) + 4, 'text-anchor': 'end' }, format(n)),
    );
  }
  const bars = svg('g', { class: 'chart-bars', 'aria-hidden': 'true' });
  values.forEach((v, i) => {
    let base = 0;
    const x = pad.left + i * slot + (slot - barW) / 2;
    for (const s of series) {
      const n = v[s.key] ?? 0;
      if (n > 0) {
        bars.append(
          svg('rect', {
            class: s.className,
            x,
            y: y(base + n),
            width: barW,
            height: Math.max(0.5, y(base) - y(base + n)),
          }),
        );
      }
      base += n;
    }
  });
  // A label under every few bars, so they never overlap.
  const labels = svg('g', { class: 'chart-labels', 'aria-hidden': 'true' });
  const every = Math.ceil(categories.length / 7);
  const last = categories.length - 1;
  categories.forEach((c, i) => {
    // Every few bars, and the last one, unless it would sit on the one before it.
    const shown = i === last || (i % every === 0 && last - i >= every);
    if (!shown) return;
    labels.append(
      svg('text', { x: pad.left + i * slot + slot / 2, y: height - 6, 'text-anchor': 'middle' }, c),
    );
  });
  const chart = svg(
    'svg',
    {
      class: 'chart',
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-label': label,
      preserveAspectRatio: 'none',
    },
    grid,
    bars,
    labels,
  );
  const legend =
    series.length > 1
      ? h(
          'ul',
          { class: 'chart-legend' },
          series.map((s) =>
            h('li', {}, h('span', { class: ['chart-swatch', s.className], 'aria-hidden': 'true' }), s.label),
          ),
        )
      : null;
  return append(h('figure', { class: 'chart-figure' }), [chart, legend]);
}
