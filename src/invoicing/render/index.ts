// TEMPORARY stand-in until the renderers (PDF, UBL, Factur-X, CII) are merged: the same names
// and signatures, each refusing. The merged src/invoicing/render/ replaces this file entirely.
import type { InvoiceDocument } from '../document.js';

export class RendererUnavailable extends Error {
  constructor(what: string) {
    super(`the ${what} renderer is not installed in this build`);
    this.name = 'RendererUnavailable';
  }
}

export async function renderInvoicePdf(_doc: InvoiceDocument): Promise<Buffer> {
  throw new RendererUnavailable('PDF');
}

export function renderUbl(_doc: InvoiceDocument): string {
  throw new RendererUnavailable('UBL');
}

export async function renderFacturX(_doc: InvoiceDocument): Promise<Buffer> {
  throw new RendererUnavailable('Factur-X');
}

export function renderCii(_doc: InvoiceDocument): string {
  throw new RendererUnavailable('CII');
}
