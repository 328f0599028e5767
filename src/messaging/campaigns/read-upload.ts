// A campaign upload (multipart/form-data) read as it arrives: the fields (name, text, from,
// scheduleAt, draft) first, then the `file` part, whose CSV rows are checked, priced and
// staged in chunks while the bytes come in. The size limit is enforced on the stream (and on
// Content-Length before reading anything); a refused upload leaves nothing staged.
import { createHash } from 'node:crypto';
import type { AppContext } from '../../context.js';
import { AppError, validationFailed } from '../../http/errors.js';
import { readCsv } from './csv-records.js';
import {
  type MultipartFields,
  readFieldValue,
  UPLOAD_FIELDS,
  type UploadFieldName,
} from './upload-fields.js';
import { multipartBoundary, multipartParts } from './multipart-stream.js';
import type { RowComposer } from './row-composer.js';

/** Room for the form's fields, headers and boundaries around a file of the limit's size. */
export const MULTIPART_SLACK = 256 * 1024;

export function uploadTooLarge(limitBytes: number): AppError {
  return new AppError(
    'payload_too_large',
    `The upload is larger than the limit of ${Math.floor(limitBytes / (1024 * 1024))} MB`,
    { limitBytes },
    { connection: 'close' },
  );
}

/** The request's bytes, refusing more than `limit` (Content-Length is checked before the first byte). */
export async function* limitedBytes(
  source: AsyncIterable<Buffer>,
  contentLength: string | undefined,
  limitBytes: number,
): AsyncGenerator<Buffer, void, undefined> {
  const declared = contentLength === undefined ? Number.NaN : Number(contentLength);
  if (Number.isFinite(declared) && declared > limitBytes + MULTIPART_SLACK) throw uploadTooLarge(limitBytes);
  let seen = 0;
  for await (const chunk of source) {
    seen += chunk.length;
    if (seen > limitBytes + MULTIPART_SLACK) throw uploadTooLarge(limitBytes);
    yield chunk;
  }
}

export interface UploadHandlers {
  /** Called once the fields before the file are known; returns how to price the rows. */
  onFields(fields: MultipartFields): Promise<RowComposer> | RowComposer;
  onRow(
    composer: RowComposer,
    row: number,
    to: string,
    vars: (name: string) => string | undefined,
  ): Promise<void> | void;
}

export interface ReadUpload {
  fields: MultipartFields;
  file: { bytes: number; sha256: string; rows: number };
}

/**
 * Reads a multipart upload with a CSV in `fileField`. The text fields must come before the
 * file (the rows are priced as they arrive, so the text must be known by then).
 */
export async function readCampaignUpload(
  ctx: AppContext,
  source: AsyncIterable<Buffer>,
  headers: { 'content-type'?: string | undefined; 'content-length'?: string | undefined },
  fileField: string,
  allowed: readonly UploadFieldName[],
  handlers: UploadHandlers,
): Promise<ReadUpload> {
  const boundary = multipartBoundary(headers['content-type'] ?? '');
  if (!boundary) {
    throw validationFailed(
      [{ path: 'body', message: 'must be multipart/form-data with a boundary' }],
      'The upload is not valid multipart/form-data',
    );
  }
  const limit = ctx.config.campaigns.uploadMaxBytes;
  const fields: MultipartFields = {};
  let file: ReadUpload['file'] | null = null;
  for await (const part of multipartParts(limitedBytes(source, headers['content-length'], limit), boundary)) {
    const name = part.field ?? '';
    if (
      name === fileField ||
      (part.filename !== null && name !== '' && !UPLOAD_FIELDS.includes(name as UploadFieldName))
    ) {
      if (file) throw validationFailed([{ path: `body.${fileField}`, message: 'must be sent once' }]);
      const composer = await handlers.onFields(fields);
      const hash = createHash('sha256');
      let bytes = 0;
      const counted = async function* () {
        for await (const chunk of part.body) {
          bytes += chunk.length;
          if (bytes > limit) throw uploadTooLarge(limit);
          hash.update(chunk);
          yield chunk;
        }
      };
      // Placeholder values by lower-case column name.
      const columns = new Map<string, number>();
      let phone = 0;
      const { rows } = await readCsv(
        counted(),
        (header) => {
          header.columns.forEach((c, i) => {
            if (!columns.has(c.toLowerCase())) columns.set(c.toLowerCase(), i);
          });
          phone = header.phoneIndex;
          const missing = composer.missingPlaceholders(new Set(columns.keys()));
          if (missing.length > 0) {
            throw validationFailed(
              [
                {
                  path: 'body.text',
                  message: `uses ${missing.map((m) => `{${m}}`).join(', ')}, which the file has no column for (columns: ${header.columns.join(', ')})`,
                },
              ],
              'The text names a placeholder the file has no column for',
            );
          }
        },
        ({ row, fields: cells }) =>
          handlers.onRow(composer, row, (cells[phone] ?? '').trim(), (name) => {
            const at = columns.get(name);
            return at === undefined ? undefined : (cells[at] ?? '');
          }),
      );
      file = { bytes, sha256: hash.digest('hex'), rows };
      continue;
    }
    if (!allowed.includes(name as UploadFieldName)) {
      throw validationFailed([{ path: `body.${name}`, message: 'is not an allowed field' }]);
    }
    if (file) {
      throw validationFailed(
        [{ path: `body.${name}`, message: `must come before the ${fileField} part in the form` }],
        `Send the form's fields before the file`,
      );
    }
    fields[name as UploadFieldName] = await readFieldValue(part.body, name);
  }
  if (!file) {
    throw validationFailed(
      [{ path: `body.${fileField}`, message: `is required: send the CSV as the form field "${fileField}"` }],
      'No file in the upload',
    );
  }
  return { fields, file };
}
