import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HtmlRewriter } from '../src/core/html/index.ts';
import { replaceHost, rewrite, rewriteBytes, type Setup } from './helpers/rewrite.ts';

const bytes = (...parts: Array<string | number[]>) =>
  Buffer.concat(
    parts.map((part) =>
      typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part),
    ),
  );

const rules: Setup = (rewriter) => {
  replaceHost('href')(rewriter);
  replaceHost('src')(rewriter);
  rewriter.on('script', {
    text: (text) => text.replace(text.text.replaceAll('https://origin.test', 'https://fp.test')),
  });
  rewriter.on('head', { element: (el) => el.prepend('<script src="/tsjs"></script>') });
};

describe('encodings', () => {
  // Characters in legacy encodings, written as their bytes.
  const samples: Array<[string, number[]]> = [
    ['windows-1252', [0x63, 0x61, 0x66, 0xe9, 0x20, 0x80, 0x9f]], // "café €Ÿ"
    ['shift_jis', [0x93, 0xfa, 0x96, 0x7b, 0x83, 0x5c]], // 日本ソ (0x5C trail byte)
    ['euc-jp', [0xc6, 0xfc, 0xcb, 0xdc]], // 日本
    ['euc-kr', [0xc7, 0xd1, 0xb1, 0xb9]], // 한국
    ['gbk', [0xd6, 0xd0, 0xce, 0xc4]], // 中文
    ['iso-8859-2', [0xa1, 0xb1, 0xe8]],
  ];
  for (const [encoding, text] of samples) {
    it(`keeps every ${encoding} byte outside the mutations`, async () => {
      const input = bytes(
        '<head><title>',
        text,
        '</title></head><a href="https://origin.test/',
        text,
        '?q=',
        text,
        '" title="',
        text,
        '">',
        text,
        '</a><script>var u="https://origin.test/',
        text,
        '";</script>',
      );
      const expected = bytes(
        '<head><script src="/tsjs"></script><title>',
        text,
        '</title></head><a href="https://fp.test/',
        text,
        '?q=',
        text,
        '" title="',
        text,
        '">',
        text,
        '</a><script>var u="https://fp.test/',
        text,
        '";</script>',
      );
      const out = await rewrite(input, rules, { encoding });
      assert.equal(Buffer.from(out, 'utf8').length > 0, true);
      const raw = await rewriteBytes(input, rules, [3], { encoding });
      assert.equal(Buffer.from(raw).toString('hex'), expected.toString('hex'));
    });
  }

  it('never drops or alters invalid UTF-8, even inside a rewritten value or script', async () => {
    const junk = [0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0xf0, 0x9f];
    const input = bytes(
      '<a href="https://origin.test/',
      junk,
      '">',
      junk,
      '</a><script>x="https://origin.test/',
      junk,
      '"</script>',
    );
    const expected = bytes(
      '<a href="https://fp.test/',
      junk,
      '">',
      junk,
      '</a><script>x="https://fp.test/',
      junk,
      '"</script>',
    );
    for (const sizes of [[1], [2], [5], [1000]]) {
      const out = await rewriteBytes(input, rules, sizes);
      assert.equal(
        Buffer.from(out).toString('hex'),
        expected.toString('hex'),
        `chunks of ${sizes[0]}`,
      );
    }
  });

  it('writes replaced script text as exact UTF-8, ASCII or not, short or long', async () => {
    const texts = [
      'x'.repeat(300),
      `${'a'.repeat(300)}é😀`,
      '思'.repeat(400), // three bytes a char: past the encoder's headroom, the plain path
      `${'😀'.repeat(200)}${'b'.repeat(100)}`,
      'short é',
    ];
    for (const replacement of texts) {
      const setup: Setup = (rewriter) =>
        rewriter.on('script', { text: (text) => text.replace(replacement) });
      const out = await rewriteBytes(new TextEncoder().encode('<script>old</script>'), setup, [3]);
      assert.equal(
        Buffer.from(out).toString('hex'),
        Buffer.from(`<script>${replacement}</script>`).toString('hex'),
      );
    }
  });

  it('passes UTF-16 documents (BOM or declared) through untouched', async () => {
    const utf16 = Buffer.from('<head><a href="https://origin.test/">x</a>', 'utf16le');
    const withBom = Buffer.concat([Buffer.from([0xff, 0xfe]), utf16]);
    for (const sizes of [[1], [3], [10000]]) {
      assert.ok(Buffer.from(await rewriteBytes(withBom, rules, sizes)).equals(withBom));
      const bigEndian = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(utf16).swap16()]);
      assert.ok(Buffer.from(await rewriteBytes(bigEndian, rules, sizes)).equals(bigEndian));
      assert.ok(
        Buffer.from(await rewriteBytes(utf16, rules, sizes, { encoding: 'UTF-16LE' })).equals(
          utf16,
        ),
      );
    }
  });

  it('handles a one-byte document and an empty one', async () => {
    assert.equal(Buffer.from(await rewriteBytes(bytes('<'), rules)).toString(), '<');
    assert.equal((await rewriteBytes(new Uint8Array(0), rules)).byteLength, 0);
  });
});

/** Feeds `total` bytes from `source(offset, size)` and records the most input ever held back. */
async function maxHeld(
  source: (offset: number, size: number) => Uint8Array,
  total: number,
  chunk: number,
  setup: Setup,
  options: { maxTagBytes?: number; maxTextBytes?: number } = {},
) {
  let emitted = 0;
  let fed = 0;
  let held = 0;
  const warnings: string[] = [];
  const rewriter = new HtmlRewriter({
    ...options,
    output: (bytes) => void (emitted += bytes.byteLength),
    log: { warn: (m: string) => void warnings.push(m), info() {}, debug() {}, error() {} },
  });
  setup(rewriter);
  for (let offset = 0; offset < total; offset += chunk) {
    const piece = source(offset, Math.min(chunk, total - offset));
    await rewriter.write(piece);
    fed += piece.byteLength;
    held = Math.max(held, fed - emitted);
  }
  await rewriter.end();
  return { held, emitted, warnings };
}

describe('bounded memory', () => {
  it('passes a 20 MB attribute through unchanged once it exceeds maxTagBytes, holding about the cap', async () => {
    const head = bytes('<p>x</p><img alt=big src="data:image/png;base64,');
    const tail = bytes('" id=after><a href="https://origin.test/next">n</a>');
    const total = 20 * 1024 * 1024;
    const filler = Buffer.alloc(65536, 0x41);
    const source = (offset: number, size: number) => {
      if (offset === 0) return Buffer.concat([head, filler]).subarray(0, size);
      if (offset + size >= total)
        return Buffer.concat([filler.subarray(0, size - tail.length), tail]);
      return filler.subarray(0, size);
    };
    let touched = false;
    const result = await maxHeld(
      source,
      total,
      65536,
      (r) => {
        r.on('img', { element: () => void (touched = true) });
        replaceHost('href')(r);
      },
      { maxTagBytes: 1024 * 1024 },
    );
    assert.equal(touched, false, 'an oversized tag is not given to handlers');
    assert.ok(result.held <= 1024 * 1024 + 2 * 65536, `held ${result.held} bytes`);
    assert.equal(result.emitted, total + 'fp.test'.length - 'origin.test'.length);
    assert.ok(result.warnings.some((w) => w.includes('maxTagBytes')));
  });

  it('holds almost nothing for a long ordinary document, whatever its size', async () => {
    const unit = bytes('<p class="c">Paragraph <a href="https://origin.test/x">link</a> é思</p>\n');
    const total = 20 * 1024 * 1024;
    const block = Buffer.concat(
      Array.from({ length: Math.ceil(65536 / unit.length) + 1 }, () => unit),
    );
    const source = (offset: number, size: number) =>
      block.subarray(offset % unit.length, (offset % unit.length) + size);
    // Same-length replacement, so "fed − emitted" is exactly what is held back.
    const result = await maxHeld(source, total, 65536, (r) =>
      replaceHost('href', 'https://origin.test', 'https://first.party')(r),
    );
    assert.ok(result.held < unit.length * 2, `held ${result.held} bytes`);
    assert.equal(result.emitted, total);
  });

  it('holds script text for a text handler only up to maxTextBytes', async () => {
    const total = 8 * 1024 * 1024;
    const open = bytes('<script>');
    const source = (offset: number, size: number) =>
      offset === 0
        ? Buffer.concat([open, Buffer.alloc(size - open.length, 0x78)])
        : Buffer.alloc(size, 0x78);
    let called = false;
    const result = await maxHeld(
      source,
      total,
      65536,
      (r) => r.on('script', { text: () => void (called = true) }),
      {
        maxTextBytes: 512 * 1024,
      },
    );
    assert.equal(called, false);
    assert.ok(result.held <= 512 * 1024 + 65536, `held ${result.held} bytes`);
    assert.equal(result.emitted, total);
  });
});
