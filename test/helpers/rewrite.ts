import assert from 'node:assert/strict';
import { HtmlRewriter, type HtmlRewriterOptions } from '../../src/core/html/index.ts';

export type Setup = (rewriter: HtmlRewriter) => void;

/** Feeds `input` in pieces of `sizes` (cycled) and returns the output bytes. */
export async function rewriteBytes(
  input: Uint8Array,
  setup: Setup,
  sizes: readonly number[] = [input.byteLength || 1],
  options: Omit<HtmlRewriterOptions, 'output'> = {},
): Promise<Uint8Array> {
  const out: Uint8Array[] = [];
  const rewriter = new HtmlRewriter({ ...options, output: (chunk) => out.push(chunk.slice()) });
  setup(rewriter);
  let offset = 0;
  let turn = 0;
  while (offset < input.byteLength) {
    const size = Math.max(1, sizes[turn++ % sizes.length] as number);
    await rewriter.write(input.subarray(offset, offset + size));
    offset += size;
  }
  await rewriter.end();
  return Buffer.concat(out);
}

const CHUNKINGS = [[1], [2], [3], [7], [64], [4096], [1, 5, 2, 13]];

/**
 * Rewrites `html` whole and in every standard chunking, asserts all outputs are identical, and
 * returns the output as text.
 */
export async function rewrite(
  html: string | Uint8Array,
  setup: Setup,
  options: Omit<HtmlRewriterOptions, 'output'> = {},
): Promise<string> {
  const input = typeof html === 'string' ? new TextEncoder().encode(html) : html;
  const whole = await rewriteBytes(input, setup, undefined, options);
  for (const sizes of CHUNKINGS) {
    // Both ways of holding text that spans chunks: copies, and views of chunks that stay as
    // they are (`stableChunks`, as the Node adapter drives it; `input` is never written to).
    for (const stableChunks of [false, true]) {
      const chunked = await rewriteBytes(input, setup, sizes, { ...options, stableChunks });
      assert.equal(
        Buffer.from(chunked).toString('latin1'),
        Buffer.from(whole).toString('latin1'),
        `chunking ${sizes.join(',')}${stableChunks ? ', stable chunks' : ''}`,
      );
    }
  }
  return Buffer.from(whole).toString('utf8');
}

export function replaceHost(
  attribute: string,
  from = 'https://origin.test',
  to = 'https://fp.test',
): Setup {
  return (rewriter) =>
    rewriter.on(`[${attribute}]`, {
      element: (element) => {
        const value = element.getAttribute(attribute);
        if (value !== null && value.includes(from))
          element.setAttribute(attribute, value.split(from).join(to));
      },
    });
}
