/** Reading Flight data back out of rewritten pages, to check it still parses. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HtmlRewriter } from '../../src/core/html/index.ts';
import { byteStringOfText, textOfByteString } from '../../src/core/bytes/byte-strings.ts';
import { unescapeJs } from '../../src/core/rewrite/js-literals.ts';
import type { NextInlinePayloads } from '../../src/core/rewrite/next-inline.ts';

/**
 * The rows of a Flight stream, and the ids of `T` rows whose declared byte length does not land on
 * the next row's header (a wrong length). Throws if a `T` row claims bytes past the end.
 */
export function flightRows(stream: string): string[] & { misframed: string[] } {
  const bytes = Buffer.from(stream);
  const rows = Object.assign([] as string[], { misframed: [] as string[] });
  let i = 0;
  while (i < bytes.length) {
    const header = /^([0-9a-f]*):T([0-9a-f]+),/.exec(bytes.subarray(i, i + 40).toString('latin1'));
    if (header) {
      const start = i + header[0].length;
      const length = parseInt(header[2] as string, 16);
      assert.ok(
        start + length <= bytes.length,
        `T row ${header[1]} claims ${length} bytes past the end`,
      );
      rows.push(bytes.subarray(start, start + length).toString());
      i = start + length;
      const next = bytes.subarray(i, i + 12).toString('latin1');
      if (next !== '' && !/^[0-9a-f]+:/.test(next)) rows.misframed.push(header[1] as string);
    } else {
      const newline = bytes.indexOf(0x0a, i);
      const end = newline === -1 ? bytes.length : newline + 1;
      rows.push(bytes.subarray(i, end).toString());
      i = end;
    }
  }
  return rows;
}

/** The unescaped `self.__next_f.push([1, …])` payloads of a page, in order. */
export function inlinePayloads(html: string): string[] {
  const out: string[] = [];
  const rewriter = new HtmlRewriter({ output: () => {} });
  rewriter.on('script', {
    text: (text) => {
      const match = /__next_f\.push\(\[\s*1\s*,\s*(["'])([\s\S]*)\1\s*\]\)/.exec(text.text);
      if (match) out.push(unescapeJs(match[2] as string, match[1]) ?? 'UNREADABLE');
    },
  });
  void rewriter.write(Buffer.from(html));
  void rewriter.end();
  return out;
}

/** `inline.rewriteScriptBytes` for a script's text, as the HTML rule calls it with its bytes. */
export function rewriteScript(inline: NextInlinePayloads, text: string): string | undefined {
  const rewritten = inline.rewriteScriptBytes(byteStringOfText(text));
  return rewritten === undefined ? undefined : textOfByteString(rewritten);
}

/**
 * A valid double-quoted JS literal body for `value`, escaped unlike Next.js: chars picked by
 * `seed` are written as `\u00XX` (newlines, dots, letters, `@`, `:`), `/` sometimes as `\/`, and
 * `<` sometimes raw (never as `</` or `<!` inside one literal: a page that wrote that would end
 * its own script).
 */
export function exoticEscape(value: string, seed: number): string {
  let state = seed | 0;
  const coin = () => {
    state = (Math.imul(state, 1103515245) + 12345) | 0;
    return (state >>> 16) % 3 === 0;
  };
  let out = '';
  const chars = [...value];
  for (const [index, char] of chars.entries()) {
    const code = char.codePointAt(0) as number;
    // A raw `<` only where the page itself stays valid (not `</` or `<!` within this literal).
    const rawLessThan = !['/', '!'].includes(chars[index + 1] ?? '');
    const hex = `\\u${code.toString(16).padStart(4, '0')}`;
    if (char === '"' || char === '\\') out += coin() ? hex : `\\${char}`;
    else if (code < 0x20) out += coin() ? hex : JSON.stringify(char).slice(1, -1);
    else if (char === '/') out += coin() ? '\\/' : coin() ? hex : '/';
    else if (char === '<') out += rawLessThan && coin() ? '<' : '\\u003c';
    else if (code < 0x80 && coin()) out += hex;
    else if (char === '\u2028' || char === '\u2029') out += hex;
    else out += char;
  }
  return out;
}

/**
 * A Flight row for property tests: newline rows, `T` rows with their byte length, `I` rows, with
 * text full of escapes, non-ASCII and origin URLs in every form (and look-alikes that must stay).
 */
export function flightRow(): fc.Arbitrary<string> {
  const url = fc.constantFrom(
    'https://origin.example.com/a?b=1',
    'http://origin.example.com',
    '//origin.example.com/x',
    'https:\\/\\/origin.example.com\\/y',
    'origin.example.com/bare',
    'https://origin.example.com.evil.net/',
    'https://origin.example.com:8443/other-port',
    'notorigin.example.com',
  );
  const text = fc
    .array(
      fc.oneof(
        url,
        fc.constantFrom(
          '\n',
          '"',
          "'",
          '\\',
          '<',
          '>',
          '&',
          '\u2028',
          'é',
          '😀',
          '\t',
          ' ',
          '/script>',
        ),
        fc.string({ maxLength: 6 }),
      ),
      { maxLength: 12 },
    )
    .map((parts) => parts.join(''));
  return fc.oneof(
    text.map((body) => `a:${JSON.stringify(body)}\n`),
    text.map((body) => `b:T${Buffer.byteLength(body).toString(16)},${body}`),
    text.map((body) => `c:I["${body.replace(/[\n"\\]/g, '')}"]\n`),
  );
}
