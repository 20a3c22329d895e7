/** Locates `../shared/fixtures` (present beside the clone in CI); tests skip with a reason without it. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SHARED_FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));

export function sharedFixture(relative: string): { path: string; skip: string | false } {
  const path = `${SHARED_FIXTURES}${relative}`;
  if (existsSync(path)) return { path, skip: false };
  const reason = `${path} not found (../shared/fixtures is absent in this clone)`;
  console.log(`# skipping: ${reason}`);
  return { path, skip: reason };
}
