import { randomBytes } from 'node:crypto';

/** inv_… for invoices and credit notes, irun_… for runs. */
export function newInvoiceId(prefix: 'inv' | 'irun'): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}
