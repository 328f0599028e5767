// The renderers and the libraries they stand on, loaded together by index.ts when first used.
export { renderCii, renderUbl } from './en16931.js';
export { renderFacturX } from './facturx.js';
export { renderInvoicePdf } from './pdf.js';
