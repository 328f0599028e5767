// Request validation. Bodies are checked strictly: no type coercion, no silently dropped extra
// fields (an unknown field is an error). Query strings and path parameters are text by nature,
// so they are coerced to the declared types.
import { Ajv, type ErrorObject } from 'ajv';
import * as addFormatsModule from 'ajv-formats';
import type { FastifySchemaValidationError } from 'fastify/types/schema.js';
import type { FieldProblem } from './errors.js';

// ajv-formats ships CommonJS; under ESM its function is the default export.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats = (addFormatsModule as unknown as { default: AddFormats }).default;

function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    coerceTypes: coerce ? 'array' : false,
    removeAdditional: false,
    useDefaults: true,
    strict: false,
  });
  addFormats(ajv);
  return ajv;
}

const strict = makeAjv(false);
const coercing = makeAjv(true);

export function validatorCompiler({ schema, httpPart }: { schema: object; httpPart?: string }) {
  return (httpPart === 'body' ? strict : coercing).compile(schema);
}

/** Turns ajv's errors into `{path, message}` pairs such as `body.address.country`. */
export function fieldProblems(
  errors: (ErrorObject | FastifySchemaValidationError)[],
  context: string,
): FieldProblem[] {
  return errors.map((error) => {
    const base = error.instancePath
      .split('/')
      .filter(Boolean)
      .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'required' && typeof params.missingProperty === 'string')
      base.push(params.missingProperty);
    if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
      base.push(params.additionalProperty);
      return { path: [context, ...base].join('.'), message: 'is not an allowed field' };
    }
    const message = error.keyword === 'required' ? 'is required' : (error.message ?? 'is invalid');
    return { path: [context, ...base].join('.'), message };
  });
}
