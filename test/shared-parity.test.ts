/**
 * The same requests through the Node adapter and the Worker in workerd: with the project's HTML
 * engine on both, bodies are byte-identical; with the Workers-native HTMLRewriter they are
 * identical once changed attributes are written the same way (see {@link normaliseAttributes}).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HtmlRewriter } from '../src/core/html/index.ts';
import type { TestOrigin } from './helpers/origin.ts';
import { get } from './shared-suite/client.ts';
import { FIXTURE, startSuiteOrigin } from './shared-suite/origin.ts';
import { startNodeTarget, startWorkerdTarget, type Target } from './shared-suite/targets.ts';

/**
 * Re-serialises every start tag as `<name a="v" …>` from its raw attribute values, so two engines
 * that write a changed attribute differently (name spelling, quoting) compare equal.
 */
function normaliseAttributes(html: Buffer): string {
  const chunks: Uint8Array[] = [];
  const rewriter = new HtmlRewriter({ output: (chunk) => void chunks.push(chunk) });
  rewriter.on('*', {
    element: (el) => {
      for (const [name, value] of el.attributes) el.setAttribute(name, value);
    },
  });
  void rewriter.write(html);
  void rewriter.end();
  return Buffer.concat(chunks).toString();
}

const PATHS = [
  '/page',
  '/page?coding=gzip',
  '/page?coding=br',
  '/missing',
  '/style.css',
  '/app.js',
  '/api.json',
  '/fixture?coding=gzip',
];

describe('Node and workerd answer with the same bodies', () => {
  let origin: TestOrigin;
  let node: Target;
  let builtin: Target;
  let native: Target;
  before(async () => {
    origin = await startSuiteOrigin();
    const address = origin.url.replace('http://', '');
    [node, builtin, native] = await Promise.all([
      startNodeTarget(address),
      startWorkerdTarget(address, 'builtin'),
      startWorkerdTarget(address, 'htmlrewriter'),
    ]);
  });
  after(async () => {
    await Promise.all([node?.close(), builtin?.close(), native?.close()]);
    await origin?.close();
  });

  // Each runtime writes its own address into the page (also JSON-escaped): one token for both.
  const body = async (target: Target, path: string) =>
    (await get(`${target.url}${path}`, { 'accept-encoding': 'gzip' })).body
      .toString()
      .replaceAll(target.url, 'http://SELF')
      .replaceAll(target.url.replaceAll('/', '\\/'), 'http:\\/\\/SELF');

  for (const path of PATHS) {
    const skip = path.startsWith('/fixture') ? FIXTURE.skip : false;
    it(`${path}: builtin engine, byte-identical`, { skip }, async () => {
      const [fromNode, fromWorker] = await Promise.all([body(node, path), body(builtin, path)]);
      assert.ok(fromNode.length > 0);
      assert.equal(fromWorker, fromNode);
    });
    it(
      `${path}: native HTMLRewriter, identical after normalising attributes`,
      { skip },
      async () => {
        const [fromNode, fromWorker] = await Promise.all([body(node, path), body(native, path)]);
        assert.equal(
          normaliseAttributes(Buffer.from(fromWorker)),
          normaliseAttributes(Buffer.from(fromNode)),
        );
      },
    );
  }

  // Where the engines differ by design: lol_html's attribute API sees only the first of duplicate
  // attributes (as browsers do); our engine rewrites every occurrence. This also proves which ran.
  it('duplicate attributes: the native engine rewrites only the first', async () => {
    const [fromNode, fromBuiltin, fromNative] = await Promise.all([
      body(node, '/duplicate-attribute'),
      body(builtin, '/duplicate-attribute'),
      body(native, '/duplicate-attribute'),
    ]);
    assert.ok(fromNode.includes('<a href="http://SELF/1" href="http://SELF/2">'), fromNode);
    assert.equal(fromBuiltin, fromNode);
    assert.ok(
      fromNative.includes('<a href="http://SELF/1" href="http://www.origin.test/2">'),
      fromNative,
    );
  });
});
