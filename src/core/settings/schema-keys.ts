/**
 * Every key the schema takes, read from the schema objects themselves (not from a parsed
 * configuration), so documentation and the feature list can be checked against it.
 */
import type { Field } from './schema.ts';

export interface SchemaKey {
  /** `publisher.domain`, `ec.partners[].api_token`; `[]` is an item of an array of tables. */
  path: string;
  /** A table of its own (its keys are listed too), as opposed to a value. */
  table: boolean;
}

/** Tables, their keys and arrays of tables, depth first in schema order. */
export function schemaKeys(root: Field<unknown>): SchemaKey[] {
  const keys: SchemaKey[] = [];
  const walk = (field: Field<unknown>, path: string): void => {
    const meta = field.meta;
    if (meta.kind === 'object') {
      if (path !== '') keys.push({ path, table: true });
      for (const [key, child] of Object.entries(meta.shape)) {
        walk(child, path === '' ? key : `${path}.${key}`);
      }
    } else if (meta.kind === 'array' && meta.item.meta.kind === 'object') {
      walk(meta.item, `${path}[]`);
    } else {
      // A value: a scalar, an array of values, or a table whose keys are free (headers, bidders).
      keys.push({ path, table: false });
    }
  };
  walk(root, '');
  return keys;
}
