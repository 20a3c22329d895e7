import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { FlightTextRewriter } from '../src/core/rewrite/flight-text.ts';
import { escapeJs, unescapeJs } from '../src/core/rewrite/js-literals.ts';
import { NextInlinePayloads } from '../src/core/rewrite/next-inline.ts';
import { OriginMatcher } from '../src/core/rewrite/origin-urls.ts';
import {
  exoticEscape,
  flightRow,
  flightRows,
  inlinePayloads,
  rewriteScript,
} from './helpers/flight.ts';
import { startOrigin } from './helpers/origin.ts';
import { startTestServer } from './helpers/server.ts';
import { sharedFixture } from './helpers/shared-fixtures.ts';
import { testSettings } from './helpers/settings.ts';

const matcher = new OriginMatcher('https://origin.example.com');
const target = { scheme: 'https', host: 'test.example.com' };
const push = (payload: string, quote = '"') => `self.__next_f.push([1,${quote}${payload}${quote}])`;

describe('Next.js inline Flight payloads', () => {
  it('unescapes JS strings and counts their UTF-8 bytes', () => {
    for (const [escaped, bytes] of [
      ['hello', 5],
      ['\\n', 1],
      ['\\r\\n', 2],
      ['\\"', 1],
      ['\\\\', 1],
      ['\\x41', 1],
      ['\\u0041', 1],
      ['\\u00e9', 2],
      ['\\ud83c\\udf89', 4],
    ] as const) {
      assert.equal(Buffer.byteLength(unescapeJs(escaped) ?? 'x'.repeat(99)), bytes, escaped);
    }
    assert.equal(unescapeJs('\\ud83c'), undefined, 'lone surrogate');
    assert.equal(unescapeJs('\\x4'), undefined);
    assert.equal(
      escapeJs('<a href="x">\'</a>\u2028', "'"),
      '\\u003ca href="x"\\u003e\\\'\\u003c/a\\u003e\\u2028',
    );
  });

  it('rewrites a T row inside one script and recomputes its length', () => {
    const inline = new NextInlinePayloads(matcher, target, 1 << 20);
    const script = push('1a:T29,{\\"url\\":\\"https://origin.example.com/path\\"}');
    const out = rewriteScript(inline, script) ?? '';
    assert.equal(
      flightRows(inlinePayloads(`<script>${out}</script>`).join('')).join('|'),
      '{"url":"https://test.example.com/path"}',
    );
    assert.match(out, /1a:T27,/);
  });

  it('rewrites payloads as written (escaped) exactly as the unescaped stream would be rewritten', () => {
    // Reference: the same Flight stream rewritten as plain text, piece by piece. The inline path
    // never unescapes; after unescaping its output, the two must agree, for any split into
    // scripts, either quoting, text full of escapes, non-ASCII and URLs in every form — and
    // payloads escaped the way other servers might write them (`\u000a` newlines, `\/`, letters
    // and dots as `\u00XX`, a raw `<` next to `/script>` in the following payload).
    const row = flightRow();
    fc.assert(
      fc.property(
        fc.array(row, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        fc.constantFrom('"', "'", 'exotic'),
        fc.integer(),
        (rows, cuts, style, seed) => {
          const stream = rows.join('');
          const points = [...new Set(cuts.map((cut) => cut % (stream.length + 1)))]
            .filter((at) => !/[\udc00-\udfff]/.test(stream[at] ?? ''))
            .sort((a, b) => a - b);
          const pieces = [0, ...points, stream.length]
            .slice(1)
            .map((end, index, ends) => stream.slice(index === 0 ? 0 : ends[index - 1], end))
            .filter((piece) => piece !== '');
          const reference = new FlightTextRewriter(matcher, target, 1 << 20);
          const expected =
            pieces.map((piece) => reference.push(piece)).join('') + reference.flush();
          const inline = new NextInlinePayloads(matcher, target, 1 << 20);
          const html =
            pieces
              .map((piece) => {
                const script =
                  style === 'exotic'
                    ? push(exoticEscape(piece, seed), '"')
                    : push(escapeJs(piece, style), style);
                return `<script>${rewriteScript(inline, script) ?? script}</script>`;
              })
              .join('') + inline.documentEnd();
          assert.equal(inlinePayloads(html).join(''), expected);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('never closes a script by joining a held T row to the next payload (a raw "<" then "/script>")', () => {
    const inline = new NextInlinePayloads(matcher, target, 1 << 20);
    const first = push('1:T25,https://origin.example.com/ <');
    const second = push('/script>2:\\"x\\"\\n');
    const out = [first, second].map((script) => rewriteScript(inline, script) ?? script);
    for (const script of out) assert.doesNotMatch(script, /<\/script/i, script);
    const html = out.map((script) => `<script>${script}</script>`).join('') + inline.documentEnd();
    const rows = flightRows(inlinePayloads(html).join(''));
    assert.deepEqual([...rows], ['https://test.example.com/ </script>', '2:"x"\n']);
    assert.deepEqual(rows.misframed, []);
  });

  it('reads a multi-megabyte payload in an unusual escaping without building it char by char', () => {
    const inline = new NextInlinePayloads(matcher, target, 1 << 30);
    const body = `0:${'a\\x41'.repeat(400_000)} https://origin.example.com/x\\n`;
    const started = performance.now();
    const out = rewriteScript(inline, push(body)) ?? '';
    assert.ok(performance.now() - started < 5000, 'linear, not quadratic');
    assert.ok(out.endsWith('aA https://test.example.com/x\\n"])'), out.slice(-80));
  });

  it('rewrites a T row that spans scripts, moving it whole into the script that completes it', () => {
    const inline = new NextInlinePayloads(matcher, target, 1 << 20);
    const first = push('other:data\\n1a:T3e,partial content');
    const second = push(' with https://origin.example.com/page goes here');
    const html = `<script>${rewriteScript(inline, first) ?? first}</script><script>${rewriteScript(inline, second) ?? second}</script>${inline.documentEnd()}`;
    const rows = flightRows(inlinePayloads(html).join(''));
    assert.deepEqual(
      [...rows],
      ['other:data\n', 'partial content with https://test.example.com/page goes here'],
    );
    assert.deepEqual(rows.misframed, []);
  });

  it('leaves payloads unchanged past max_combined_payload_bytes, and scripts without the origin byte-identical', () => {
    const inline = new NextInlinePayloads(matcher, target, 10);
    const first = push('other:data\\n1a:T40,partial content');
    assert.equal(rewriteScript(inline, first), undefined);
    const plain = new NextInlinePayloads(matcher, target, 1 << 20);
    for (const script of [
      push('0:[\\"$\\",\\"div\\"]\\n', "'"),
      'console.log("hello world");',
      push('ends with \\'),
      '(self.__next_f=self.__next_f||[]).push([0])',
    ]) {
      assert.equal(rewriteScript(plain, script), undefined, script);
    }
  });

  it('finds the prettified and window/self forms', () => {
    const inline = new NextInlinePayloads(matcher, target, 1 << 20);
    for (const script of [
      `self.__next_f.push([\n 1,\n '445:{"url":"http://origin.example.com/news"}\\n'\n]);`,
      `(self.__next_f=self.__next_f||[]).push([1,"2:[\\"https://origin.example.com/x\\"]\\n"])`,
      `window.__next_f.push([1,'3:"//origin.example.com/y"\\n']);`,
    ]) {
      const out = rewriteScript(inline, script);
      assert.ok(out?.includes('test.example.com') && !out.includes('origin.example.com'), script);
    }
  });

  const fixture = sharedFixture('publisher-page.html');
  it(
    'leaves no origin URL anywhere in the real Next.js page, and its payloads still parse',
    { skip: fixture.skip },
    async () => {
      // The page is served unchanged, by an origin named as in the page (its T-row lengths are only
      // valid for its own host name); proxy.origin_address points that name at the local server.
      const page = zlib.gzipSync(readFileSync(fixture.path));
      const origin = await startOrigin((_req, res) => {
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'content-encoding': 'gzip',
        });
        res.end(page);
      });
      const server = await startTestServer(
        testSettings('http://www.test-publisher.com', '[integrations.nextjs]\nenabled = true\n', {
          TRUSTED_SERVER__PROXY__ORIGIN_ADDRESS: new URL(origin.url).host,
        }),
      );
      try {
        const html = await new Promise<string>((resolve, reject) => {
          http
            .get(`${server.url}/`, { headers: { 'accept-encoding': 'br' } }, (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (chunk: Buffer) => chunks.push(chunk));
              res.on('end', () =>
                resolve(zlib.brotliDecompressSync(Buffer.concat(chunks)).toString()),
              );
            })
            .on('error', reject);
        });
        assert.equal(origin.seen[0]?.headers.host, 'www.test-publisher.com');
        const left = html.split('www.test-publisher.com').length - 1;
        assert.equal(left, 0, `${left} origin references left`);
        const payloads = inlinePayloads(html);
        assert.ok(payloads.length > 20, `${payloads.length} payloads`);
        assert.ok(!payloads.includes('UNREADABLE'));
        const rows = flightRows(payloads.join(''));
        const before = flightRows(inlinePayloads(readFileSync(fixture.path, 'utf8')).join(''));
        assert.equal(rows.length, before.length);
        // The fixture itself has two T rows whose lengths predate its anonymisation (their text is
        // longer than declared); every other row must still be framed exactly.
        assert.deepEqual(rows.misframed, before.misframed);
        assert.ok(rows.length > 50);
        console.log(
          `# fixture page: ${payloads.length} Flight payloads, ${rows.length} rows; misframed in the origin page and unchanged: ${before.misframed.join(', ') || 'none'}`,
        );
      } finally {
        await server.close();
        await origin.close();
      }
    },
  );
});
