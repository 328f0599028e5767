// The text fields of a campaign or estimate upload, read from their multipart parts (small:
// each at most MAX_FIELD_BYTES) and checked like the JSON body's.
import { validationFailed } from '../../http/errors.js';

export const UPLOAD_FIELDS = ['name', 'text', 'from', 'scheduleAt', 'draft'] as const;
export type UploadFieldName = (typeof UPLOAD_FIELDS)[number];
export type MultipartFields = Partial<Record<UploadFieldName, string>>;

export const MAX_FIELD_BYTES = 64 * 1024;

export async function readFieldValue(body: AsyncIterable<Buffer>, name: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_FIELD_BYTES) {
      throw validationFailed([{ path: `body.${name}`, message: `must be at most ${MAX_FIELD_BYTES} bytes` }]);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `required` fields present, `draft` a boolean. */
export function checkedFields(
  fields: MultipartFields,
  required: readonly UploadFieldName[],
): { name: string; text: string; from?: string; scheduleAt?: string; draft: boolean } {
  const problems = required
    .filter((name) => fields[name] === undefined)
    .map((name) => ({ path: `body.${name}`, message: 'is required (send it before the file)' }));
  let draft = false;
  if (fields.draft !== undefined) {
    const raw = fields.draft.trim().toLowerCase();
    if (raw === 'true' || raw === '1') draft = true;
    else if (raw !== 'false' && raw !== '0' && raw !== '')
      problems.push({ path: 'body.draft', message: 'must be true or false' });
  }
  if (problems.length > 0) throw validationFailed(problems);
  return {
    name: fields.name ?? '',
    text: fields.text ?? '',
    ...(fields.from !== undefined && fields.from !== '' ? { from: fields.from } : {}),
    ...(fields.scheduleAt !== undefined && fields.scheduleAt !== '' ? { scheduleAt: fields.scheduleAt } : {}),
    draft,
  };
}
