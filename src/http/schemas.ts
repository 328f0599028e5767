// Small TypeBox helpers every route module's schemas use (validation and OpenAPI at once).
import { type TSchema, Type } from '@sinclair/typebox';

/** For Type.Object: refuse fields the schema does not name. */
export const strict = { additionalProperties: false } as const;

/** One of these strings, typed as their union. */
export const literals = <T extends string>(values: readonly T[]) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values] });

/** The schema, or null. */
export const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
