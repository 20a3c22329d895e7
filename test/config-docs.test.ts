/**
 * docs/configuration.md and the schema agree: every key the schema takes is documented, and every
 * documented key exists. The key list comes from the schema objects (schema-keys.ts), so a
 * section added later (`[store]`, `[geo]`) fails here until its keys are documented.
 *
 * How the page documents a key: a heading naming a table in backticks (`` ## `[proxy]` ``,
 * `` ### `[[ec.partners]]` ``) opens that table; a table row whose first cell starts with a key
 * in backticks (`` | `connect_timeout_ms` | … ``) documents `proxy.connect_timeout_ms`. Dotted
 * and `[]` keys are relative to the heading (`gdpr.applies_in`, `formats[].width`). A heading
 * alone documents a table whose keys are free (`[response_headers]`).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { schemaKeys } from '../src/core/settings/schema-keys.ts';
import { settingsSchema } from '../src/core/settings/settings-schema.ts';

const DOC = new URL('../docs/configuration.md', import.meta.url);

interface Documented {
  headings: Map<string, number>;
  rows: Map<string, number>;
}

function documentedKeys(markdown: string): Documented {
  const headings = new Map<string, number>();
  const rows = new Map<string, number>();
  let table: string | undefined;
  let fenced = false;
  markdown.split('\n').forEach((line, index) => {
    if (line.startsWith('```')) fenced = !fenced;
    if (fenced) return;
    const heading = /^#{2,6} (.*)$/.exec(line);
    if (heading) {
      table = undefined;
      for (const [, token] of (heading[1] ?? '').matchAll(/`([^`]+)`/g)) {
        const name = /^(\[\[?)([A-Za-z0-9_.]+)\]\]?$/.exec(token ?? '');
        if (!name) continue;
        table = name[1] === '[[' ? `${name[2]}[]` : name[2];
        if (table !== undefined) headings.set(table, index + 1);
        break;
      }
      return;
    }
    const row = /^\|\s*`([^`]+)`/.exec(line);
    if (row && table !== undefined) rows.set(`${table}.${row[1]}`, index + 1);
  });
  return { headings, rows };
}

describe('docs/configuration.md documents the schema', () => {
  const keys = schemaKeys(settingsSchema);
  const known = new Set(keys.map((key) => key.path));
  const { headings, rows } = documentedKeys(readFileSync(DOC, 'utf8'));

  it('documents every key of the schema', () => {
    const missing = keys
      .filter((key) => !key.table && !rows.has(key.path) && !headings.has(key.path))
      .map((key) => key.path);
    assert.deepEqual(
      missing,
      [],
      `keys without a row in docs/configuration.md:\n${missing.join('\n')}`,
    );
  });

  it('documents no key the schema does not take', () => {
    const unknown = [...rows, ...headings]
      .filter(([path]) => !known.has(path))
      .map(([path, line]) => `${path} (docs/configuration.md:${line})`);
    assert.deepEqual(
      unknown,
      [],
      `documented keys the schema does not have:\n${unknown.join('\n')}`,
    );
  });

  it('reads the conventions it relies on (so a broken parser cannot pass vacuously)', () => {
    assert.equal(rows.get('proxy.connect_timeout_ms') !== undefined, true);
    assert.equal(rows.get('ec.partners[].api_token') !== undefined, true);
    assert.equal(headings.get('response_headers') !== undefined, true);
    assert.ok(rows.size > 200, `only ${rows.size} documented keys found`);
  });
});
