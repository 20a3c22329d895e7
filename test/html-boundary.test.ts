/**
 * The HTML engine's public API is its index: outside src/core/html, code imports the engine from
 * core/html/index.ts only. Checked with the project's own ESLint configuration, so the file globs
 * and the way the rule combines with the core boundary are what is tested.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const eslint = new ESLint({ cwd: ROOT });

/** `no-restricted-imports` messages for `code` linted as if it were the file at `path`. */
async function restrictedImports(code: string, path: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${path}` });
  return (result?.messages ?? [])
    .filter((message) => message.ruleId === 'no-restricted-imports' || message.fatal)
    .map((message) => message.message);
}

describe('the HTML engine is imported through its index (lint rule)', () => {
  it('rejects engine internals in adapters, proxy and rewrite code', async () => {
    for (const [path, line] of [
      ['src/cloudflare/native-html.ts', "export { HtmlRewriter } from '../core/html/rewriter.ts';"],
      ['src/fastly/html-engine.ts', "export type { HandlerSet } from '../core/html/api.ts';"],
      ['src/node/transcode.ts', "export { copyInto } from '../core/html/tokenizer-bytes.ts';"],
      [
        'src/core/proxy/publisher-rewrite.ts',
        "export { htmlRewriterSink } from '../html/stream.ts';",
      ],
      ['src/core/rewrite/next-inline.ts', "export type { TextStream } from '../html/api.ts';"],
      ['src/core/services.ts', "export type { HtmlEngine } from './html/engine.ts';"],
    ] as const) {
      const messages = await restrictedImports(line, path);
      assert.equal(messages.length, 1, `${path}: ${line} → ${messages.join('; ')}`);
      assert.match(messages[0] ?? '', /import the HTML engine from core\/html\/index\.ts/);
    }
  });

  it('keeps the core boundary on core files outside core/html', async () => {
    const messages = await restrictedImports(
      "export { readFile } from 'node:fs/promises';",
      'src/core/rewrite/next-inline.ts',
    );
    assert.equal(messages.length, 1);
    assert.match(messages[0] ?? '', /core is web-standard only/);
  });

  it('allows the index everywhere, internals inside core/html, byte helpers from core/bytes', async () => {
    for (const [path, line] of [
      ['src/cloudflare/native-html.ts', "export type { HandlerSet } from '../core/html/index.ts';"],
      [
        'src/core/proxy/publisher-rewrite.ts',
        "export { htmlRewriterSink } from '../html/index.ts';",
      ],
      ['src/core/html/engine.ts', "export { HtmlRewriter } from './rewriter.ts';"],
      ['src/node/transcode.ts', "export { copyInto } from '../core/bytes/byte-arrays.ts';"],
      ['test/html-chunking.test.ts', "export { Tag } from '../src/core/html/tag-scanner.ts';"],
    ] as const) {
      assert.deepEqual(await restrictedImports(line, path), [], `${path}: ${line}`);
    }
  });

  it('holds for every file in src today', async () => {
    const root = new URL('../src/', import.meta.url);
    const files = (await readdir(root, { recursive: true })).filter(
      (file) => file.endsWith('.ts') && !file.startsWith('core/html/'),
    );
    assert.ok(files.length > 50);
    for (const file of files) {
      const source = await readFile(new URL(file, root), 'utf8');
      assert.doesNotMatch(source, /from '[^']*\/html\/(?!index\.ts')[^']*'/, file);
    }
  });
});
