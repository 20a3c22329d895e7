import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { coreBoundaryRule } from '../eslint.core-boundary.js';

async function lintCore(code: string): Promise<string[]> {
  const eslint = new ESLint({
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser },
        rules: { 'no-restricted-imports': coreBoundaryRule },
      },
    ],
  });
  const [result] = await eslint.lintText(code, { filePath: 'src/core/probe.ts' });
  return (result?.messages ?? []).map((message) => message.message);
}

describe('core stays web-standard (lint rule)', () => {
  it('rejects Node, Fastly and Cloudflare modules and adapter imports in core', async () => {
    for (const line of [
      "import { readFile } from 'node:fs/promises';",
      "import http from 'http';",
      "import { env } from 'cloudflare:workers';",
      "import { KVStore } from 'fastly:kv-store';",
      "import { startNodeServer } from '../node/server.ts';",
      "export { x } from 'node:zlib';",
    ]) {
      const messages = await lintCore(line);
      assert.ok(messages.length > 0, `not rejected: ${line}`);
      assert.match(messages[0] ?? '', /web-standard|adapter/);
    }
  });

  it('allows web-standard code and relative core imports', async () => {
    assert.deepEqual(
      await lintCore(
        "import { TsError } from './errors.ts';\nexport const x = new URL('https://a.test');",
      ),
      [],
    );
  });

  it('holds for every file in src/core today', async () => {
    const root = new URL('../src/core/', import.meta.url);
    const files = (await readdir(root, { recursive: true })).filter((file) => file.endsWith('.ts'));
    assert.ok(files.length > 10);
    for (const file of files) {
      const source = await readFile(new URL(file, root), 'utf8');
      assert.doesNotMatch(source, /from ['"](node:|fastly:|cloudflare:)/, file);
    }
  });
});
