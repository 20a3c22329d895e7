import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { OriginMatcher } from '../src/core/rewrite/origin-urls.ts';
import { FlightByteRewriter as FlightRewriter } from '../src/core/rewrite/rsc-flight.ts';
import { startOrigin } from './helpers/origin.ts';
import { startTestServer } from './helpers/server.ts';
import { testSettings } from './helpers/settings.ts';

const matcher = new OriginMatcher('https://origin.example.com');
const target = { scheme: 'https', host: 'proxy.example.com' };

function rewrite(input: string | Uint8Array, size: number, maxRowBytes = 1 << 20): string {
  const bytes = typeof input === 'string' ? Buffer.from(input) : Buffer.from(input);
  const rewriter = new FlightRewriter(matcher, target, maxRowBytes);
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) rewriter.push(bytes.subarray(i, i + size), out);
  rewriter.flush(out);
  return Buffer.concat(out).toString('utf8');
}

const tRow = (id: string, text: string) => `${id}:T${Buffer.byteLength(text).toString(16)},${text}`;

/** Parses a Flight stream the way React's client does, enough to check every row's framing. */
function parseFlight(stream: string): Array<[string, string]> {
  const bytes = Buffer.from(stream);
  const rows: Array<[string, string]> = [];
  let i = 0;
  while (i < bytes.length) {
    const colon = bytes.indexOf(0x3a, i);
    const id = bytes.subarray(i, colon).toString();
    const tag = bytes[colon + 1];
    if (tag === 0x54) {
      const comma = bytes.indexOf(0x2c, colon);
      const length = parseInt(bytes.subarray(colon + 2, comma).toString(), 16);
      rows.push([id, bytes.subarray(comma + 1, comma + 1 + length).toString()]);
      i = comma + 1 + length;
    } else {
      const newline = bytes.indexOf(0x0a, colon);
      assert.notEqual(newline, -1, `row ${id} has no newline`);
      rows.push([id, bytes.subarray(colon + 1, newline).toString()]);
      i = newline + 1;
    }
  }
  return rows;
}

describe('RSC Flight rewriting', () => {
  it('rewrites newline rows (8-byte chunks)', () => {
    assert.equal(
      rewrite('0:["https://origin.example.com/page"]\n', 8),
      '0:["https://proxy.example.com/page"]\n',
    );
  });

  it('rewrites T rows and recomputes their byte length, whatever the chunking', () => {
    const text = '{"url":"https://origin.example.com/page"}';
    const input = `${tRow('1', text)}2:["ok"]\n`;
    const expected = `${tRow('1', text.replace('origin.example.com', 'proxy.example.com'))}2:["ok"]\n`;
    for (const size of [1, 3, 7, 1000])
      assert.equal(rewrite(input, size), expected, `chunks of ${size}`);
    assert.match(expected, /^1:T28,/);
  });

  it('counts UTF-8 bytes, keeps V rows and host boundaries', () => {
    const text = 'é → https://origin.example.com/x and origin.example.com.evil.net';
    const rest =
      '2:"https://origin.example.com"\n3:["cdn.origin.example.com","notorigin.example.com","origin.example.com/news"]\n';
    const input = `${tRow('a', text)}b:V3,https${rest}`;
    const expected =
      tRow('a', text.replace('origin.example.com/x', 'proxy.example.com/x')) +
      'b:V3,https' +
      rest
        .replace('"https://origin.example.com"', '"https://proxy.example.com"')
        .replace('"origin.example.com/news"', '"proxy.example.com/news"');
    for (const size of [1, 5, 1000])
      assert.equal(rewrite(input, size), expected, `chunks of ${size}`);
  });

  it('passes a body that stops being UTF-8 through untouched from the bad byte on', () => {
    const good = '0:["https://origin.example.com/a"]\n1:["https://origin.example.com/';
    const input = Buffer.concat([
      Buffer.from(good),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('b"]\n'),
    ]);
    for (const size of [1, 4, 1000]) {
      const out = Buffer.from(rewrite(input, size), 'utf8');
      const rewriter = new FlightRewriter(matcher, target, 1 << 20);
      const parts: Uint8Array[] = [];
      for (let i = 0; i < input.length; i += size)
        rewriter.push(input.subarray(i, i + size), parts);
      rewriter.flush(parts);
      const bytes = Buffer.concat(parts);
      assert.ok(bytes.includes(Buffer.from([0xff, 0xfe])), `chunks of ${size}: invalid bytes kept`);
      assert.ok(
        bytes.includes(Buffer.from('0:["https://proxy.example.com/a"]\n')),
        `chunks of ${size}`,
      );
      assert.ok(out.length > 0);
    }
  });

  it('passes a T row over the size cap through unchanged', () => {
    const input = `${tRow('1', `{"u":"https://origin.example.com/${'x'.repeat(100)}"}`)}2:[]\n`;
    assert.equal(rewrite(input, 9, 50), input);
  });

  it('gives identical output for every chunking (fast-check) and keeps the stream parseable', () => {
    const texts = fc
      .array(
        fc.constantFrom(
          'https://origin.example.com/a',
          '//origin.example.com/b',
          'é',
          '🎉',
          'x',
          '"',
          ' ',
        ),
        { maxLength: 8 },
      )
      .map((p) => p.join(''));
    const row = fc.oneof(
      texts.map((t) => tRow('1f', t)),
      texts.map((t) => `2:${JSON.stringify([t])}\n`),
      texts.map((t) => `3:I${JSON.stringify({ t })}\n`),
    );
    fc.assert(
      fc.property(
        fc.array(row, { maxLength: 10 }),
        fc.integer({ min: 1, max: 20 }),
        (rows, size) => {
          const input = rows.join('');
          const whole = rewrite(input, input.length || 1);
          assert.equal(rewrite(input, size), whole);
          const parsed = parseFlight(whole);
          assert.equal(parsed.length, rows.length);
          assert.ok(!whole.includes('origin.example.com/'));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rewrites text/x-component responses through the proxy only when Next.js is enabled', async () => {
    const body = (host: string) =>
      `0:["$","a",null,{"href":"${host}/x"}]\n${tRow('1', `<p>${host}/y</p>`)}`;
    const origin = await startOrigin((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/x-component' });
      res.end(body(base));
    });
    const base = origin.url;
    const enabled = await startTestServer(
      testSettings(origin.url, '[integrations.nextjs]\nenabled = true\n'),
    );
    const disabled = await startTestServer(testSettings(origin.url));
    const fetchText = (url: string) =>
      new Promise<string>((resolve, reject) => {
        http
          .get(url, { headers: { rsc: '1' } }, (res) => {
            let text = '';
            res.on('data', (chunk: Buffer) => (text += chunk.toString()));
            res.on('end', () => resolve(text));
          })
          .on('error', reject);
      });
    try {
      const rewritten = await fetchText(`${enabled.url}/page`);
      assert.equal(rewritten, body(enabled.url));
      assert.deepEqual(
        parseFlight(rewritten).map(([id]) => id),
        ['0', '1'],
      );
      assert.equal(await fetchText(`${disabled.url}/page`), body(base));
    } finally {
      await enabled.close();
      await disabled.close();
      await origin.close();
    }
  });
});
