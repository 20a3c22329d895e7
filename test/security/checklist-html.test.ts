/**
 * Security checklist items 25, 27 and 28 through the real Node server: hostile HTML cannot crash
 * the rewriter or make it hold a document; non-UTF-8 pages keep every byte; and how the origin
 * happens to chunk its writes never changes what the client gets.
 */
import assert from 'node:assert/strict';
import type http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { flightRows, inlinePayloads } from '../helpers/flight.ts';
import { encodeBody } from '../helpers/http-bodies.ts';
import {
  decodeAs,
  injectedTag,
  ORIGIN,
  startNodeProxy,
  wireRequest,
  type NodeProxy,
} from './harness.ts';

/** Latin-1 text and raw byte values, joined: a page written byte by byte. */
function bytes(...parts: Array<string | number[] | Buffer>): Buffer {
  const out: Buffer[] = [];
  for (const part of parts)
    out.push(typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part));
  return Buffer.concat(out);
}

/** 16 MiB of base64 in one attribute: far past the engine's 1 MiB tag limit. */
const DATA_URL_BYTES = 16 * 1024 * 1024;
const DEPTH = 70000;

const MALFORMED: Record<string, Buffer> = {
  // WHATWG script data double-escaped state: the first </script> does not end the script, so the
  // <a> after it is script text; only the <a> after the second </script> is a tag.
  'script-comment': bytes(
    `<html><head></head><body><script><!--<script></script><a href="${ORIGIN}/fake">--></script>`,
    `<a href="${ORIGIN}/real">r</a></body></html>`,
  ),
  nul: bytes(`<html><head></head><p\0 title="a\0b"><a href="${ORIGIN}/x\0y">\0</a><\0>\0</p>`),
  nested: bytes(
    '<html><head></head><body>',
    '<p>'.repeat(DEPTH),
    `<a href="${ORIGIN}/deep">d</a>`,
    '</p>'.repeat(DEPTH),
  ),
  'eof-in-attribute': bytes(`<html><head></head><a href="${ORIGIN}/x`),
  'eof-in-comment': bytes(`<html><head></head><!-- <a href="${ORIGIN}/x">`),
  'lone-angles': bytes(`<html><head></head>${'<'.repeat(256 * 1024)}<a href="${ORIGIN}/z">z</a>`),
};

const BIG_DATA_HEAD = bytes(`<html><head></head><body><img alt=x src="data:image/png;base64,`);
const BIG_DATA_TAIL = bytes(`"><a href="${ORIGIN}/after">a</a></body></html>`);

// Bytes of legacy encodings around and inside URLs (0x5C trail byte in Shift_JIS included).
const SJIS = [0x93, 0xfa, 0x96, 0x7b, 0x83, 0x5c, 0x95, 0x5c];
const CP1252 = [0x63, 0x61, 0x66, 0xe9, 0x80, 0x9f, 0xa0];
const EUCKR = [0xc7, 0xd1, 0xb1, 0xb9];
const legacyPage = (text: number[], headExtra = '') =>
  bytes(
    `<html><head>${headExtra}<title>`,
    text,
    `</title></head><body><a href="${ORIGIN}/`,
    text,
    '?q=',
    text,
    `" title="`,
    text,
    '">',
    text,
    `</a><img src="${ORIGIN}/i.png" alt="`,
    text,
    `"><style>b{background:url(${ORIGIN}/b.png)}</style></body></html>`,
  );

const CHARSETS: Record<string, { type: string; body: Buffer }> = {
  'windows-1252 (header)': { type: 'text/html; charset=windows-1252', body: legacyPage(CP1252) },
  'euc-kr (header)': { type: 'text/html; charset=euc-kr', body: legacyPage(EUCKR) },
  'shift_jis (<meta charset> past byte 512)': {
    type: 'text/html',
    body: legacyPage(SJIS, `<!-- ${'x'.repeat(600)} --><meta charset="shift_jis">`),
  },
  'utf-8 with BOM': {
    type: 'text/html',
    body: bytes(
      [0xef, 0xbb, 0xbf],
      Buffer.from(legacyPage([]).toString().replace('<title>', '<title>日本語 é')),
    ),
  },
};

const UTF16 = Buffer.concat([
  Buffer.from([0xff, 0xfe]),
  Buffer.from(`<html><head></head><a href="${ORIGIN}/x">日本</a></html>`, 'utf16le'),
]);

/** A page with a split point of every kind the rewriters must carry across chunks. */
function flightPage(): Buffer {
  const row = (id: string, content: string) =>
    `${id}:T${Buffer.byteLength(content).toString(16)},${content}`;
  const push = (payload: string) =>
    `<script>self.__next_f.push([1,${JSON.stringify(payload)}])</script>`;
  return Buffer.from(
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>日本語 — ünïcödé 🎉</title>' +
      `<script src="https://www.googletagmanager.com/gtm.js?id=GTM-TEST"></script>` +
      `<script>var u="${ORIGIN}/inline"; if (a </script> b) {}</script>` +
      `<link rel="stylesheet" href="${ORIGIN}/s.css"></head><body>` +
      `<script id="__NEXT_DATA__" type="application/json">{"props":{"u":"${ORIGIN}/n","t":"é—🎉"}}</script>` +
      push(row('1a', `{"url":"${ORIGIN}/path/é","x":"🎉"}`)) +
      push(`2:["$","a",null,{"href":"${ORIGIN}/rsc"}]\n`) +
      `<p>${'Ünïcödé 🎉 text '.repeat(80)}</p><a href="${ORIGIN}/end">end</a></body></html>`,
  );
}
const FLIGHT = flightPage();

function htmlOrigin(req: http.IncomingMessage, res: http.ServerResponse) {
  const url = new URL(req.url ?? '/', ORIGIN);
  const name = decodeURIComponent(url.pathname.slice(url.pathname.indexOf('/', 1) + 1));
  const coding = url.searchParams.get('coding') ?? 'identity';
  const send = (type: string, body: Buffer, size?: number) => {
    const encoded = encodeBody(coding, body);
    res.writeHead(200, {
      'content-type': type,
      ...(coding === 'identity' ? {} : { 'content-encoding': coding }),
    });
    if (size === undefined) return res.end(encoded);
    let offset = 0;
    const next = () => {
      if (offset >= encoded.byteLength) return res.end();
      const piece = encoded.subarray(offset, offset + size);
      offset += size;
      res.write(piece, () => setImmediate(next));
    };
    next();
  };
  if (url.pathname.startsWith('/malformed/')) {
    const body = MALFORMED[name];
    if (body) return send('text/html', body);
  }
  if (url.pathname === '/big-data-url') {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.write(BIG_DATA_HEAD);
    const filler = Buffer.alloc(1024 * 1024, 'A');
    for (let i = 0; i < DATA_URL_BYTES / filler.byteLength; i++) res.write(filler);
    return res.end(BIG_DATA_TAIL);
  }
  if (url.pathname.startsWith('/charset/')) {
    const page = CHARSETS[name];
    if (page) return send(page.type, page.body);
  }
  if (url.pathname === '/utf16') return send('text/html; charset=utf-16', UTF16);
  if (url.pathname === '/flight') {
    const size = url.searchParams.get('size');
    return send('text/html; charset=utf-8', FLIGHT, size === null ? undefined : Number(size));
  }
  res.writeHead(404);
  res.end();
}

describe('checklist 25, 27, 28: hostile and legacy HTML through the real server (Node)', () => {
  let proxy: NodeProxy;
  let self = '';
  before(async () => {
    proxy = await startNodeProxy(htmlOrigin, {
      extraToml: '[integrations.nextjs]\nenabled = true\n',
    });
    self = proxy.url;
  });
  after(async () => {
    await proxy.close();
  });

  /** The page as the client should get it: origin URLs first-party, the tsjs tag after <head>. */
  const expected = (input: Buffer, tag: string) =>
    Buffer.from(
      input
        .toString('latin1')
        .replaceAll(ORIGIN, self)
        .replaceAll('//www.origin.test', `//${new URL(self).host}`)
        .replace('<head>', `<head>${tag}`),
      'latin1',
    );

  for (const name of Object.keys(MALFORMED)) {
    it(`27: ${name} → answered whole, only origin URLs changed`, async () => {
      const started = performance.now();
      const got = await wireRequest(`${self}/malformed/${name}`);
      assert.equal(got.status, 200);
      assert.equal(got.outcome, 'complete');
      assert.ok(performance.now() - started < 10000);
      const input = MALFORMED[name] as Buffer;
      // Rewriting only ever turns the origin into the first-party host, and adds the tsjs tag.
      const html = got.body.toString('latin1');
      const tag = injectedTag(html);
      assert.equal(
        html
          .replace(tag, '')
          .replaceAll(self, ORIGIN)
          .replaceAll(`//${new URL(self).host}`, '//www.origin.test'),
        input.toString('latin1'),
      );
      if (name === 'script-comment') {
        assert.ok(html.includes(`href="${self}/real"`), 'the real tag after the script was missed');
        assert.ok(html.includes(`<a href="${ORIGIN}/fake">`), 'script text was parsed as a tag');
      }
      if (name === 'nested') assert.ok(html.includes(`href="${self}/deep"`));
    });
  }

  it(`27: a ${DATA_URL_BYTES >> 20} MiB data: attribute passes through unchanged; later links are still rewritten`, async () => {
    const got = await wireRequest(`${self}/big-data-url`, { timeoutMs: 20000 });
    assert.equal(got.status, 200);
    assert.equal(got.outcome, 'complete');
    assert.equal(
      got.body.byteLength,
      BIG_DATA_HEAD.byteLength +
        DATA_URL_BYTES +
        BIG_DATA_TAIL.byteLength +
        injectedTag(got.body.subarray(0, 4096).toString()).length -
        ORIGIN.length +
        self.length,
    );
    const tail = got.body.subarray(got.body.byteLength - 200).toString();
    assert.ok(tail.endsWith(`AAAA"><a href="${self}/after">a</a></body></html>`), tail);
    // The data: URL itself is untouched: one run of 'A's of exactly its length.
    const start = got.body.indexOf('base64,') + 'base64,'.length;
    assert.equal(got.body.indexOf('"', start) - start, DATA_URL_BYTES);
  });

  for (const [name, page] of Object.entries(CHARSETS)) {
    for (const [coding, client] of [
      ['identity', undefined],
      ['gzip', 'br'],
    ] as const) {
      it(`28: ${name} (origin ${coding}, client ${client ?? 'identity'}) keeps every byte; URLs rewritten`, async () => {
        const got = await wireRequest(
          `${self}/charset/${encodeURIComponent(name)}?coding=${coding}`,
          {
            headers: client ? { 'accept-encoding': client } : {},
          },
        );
        assert.equal(got.outcome, 'complete');
        const body = decodeAs(got.headers['content-encoding'], got.body);
        const tag = injectedTag(body.toString('latin1'));
        assert.ok(
          [...Buffer.from(tag, 'latin1')].every((byte) => byte < 0x80),
          'non-ASCII markup injected',
        );
        assert.equal(body.toString('hex'), expected(page.body, tag).toString('hex'));
      });
    }
  }

  it('28: a UTF-16 page passes through byte for byte, nothing injected', async () => {
    const got = await wireRequest(`${self}/utf16`);
    assert.equal(got.outcome, 'complete');
    assert.ok(got.body.equals(UTF16), got.body.toString('utf16le'));
  });

  it('25: the single-write page is rewritten (the reference for the chunkings below)', async () => {
    const html = (await wireRequest(`${self}/flight`)).body.toString();
    // Inline JavaScript is not a rewritten place (documented): its one origin URL stays.
    assert.deepEqual(html.match(/http:\/\/www\.origin\.test[^"]*/g), [
      'http://www.origin.test/inline',
    ]);
    assert.ok(
      html.includes(`\\"href\\":\\"${self}/rsc\\"`) && html.includes('日本語 — ünïcödé 🎉'),
      html,
    );
    const rows = flightRows(inlinePayloads(html).join(''));
    assert.deepEqual(rows.misframed, [], 'a T row length was not recomputed');
    assert.ok(
      rows.some((row) => row.includes(`"url":"${self}/path/`)),
      rows.join('|'),
    );
  });

  for (const coding of ['identity', 'gzip']) {
    it(`25: origin writes in 1, 2, 3, 7, 64 and 4096-byte chunks (${coding}) → byte-identical body`, async () => {
      const reference = await wireRequest(`${self}/flight?coding=${coding}`);
      for (const size of [1, 2, 3, 7, 64, 4096]) {
        const got = await wireRequest(`${self}/flight?coding=${coding}&size=${size}`, {
          timeoutMs: 30000,
        });
        assert.equal(got.outcome, 'complete');
        assert.equal(
          got.body.toString('hex'),
          reference.body.toString('hex'),
          `${size}-byte chunks`,
        );
      }
      assert.equal(reference.headers['content-encoding'], undefined);
    });
  }
});
