/**
 * Creative rewriting (issue 18 item 7): auction markup (`adm`, string mode) and HTML proxied
 * through `/first-party/proxy` (streaming mode) get the same rules (creative-rewrite-rules.ts), on
 * the project's own HTML engine unless the platform passes its own.
 *
 * Both modes fail closed. A creative that cannot be rewritten completely is refused rather than
 * passed on half mediated: a handler error, invalid UTF-8, input or output over `maxBytes`, or
 * markup that ends inside a tag, comment, `<script>`/`<style>`/`<textarea>` text or an element
 * the sanitiser is removing (such a tail would swallow or reopen whatever the page puts after the
 * creative). The last is detected with a marker tag appended to the input: it is only seen as a
 * tag if the markup left the tokenizer in plain data. In streaming mode the refusal errors the
 * stream, so the client gets a truncated body, never unrewritten bytes.
 *
 * The output cap is upstream's answer to amplification: every short URL becomes a ~150-byte
 * signed one, so a creative well under the input cap can still grow past it.
 */
import { concatBytes } from '../bytes/byte-arrays.ts';
import { TsError } from '../errors.ts';
import {
  HtmlRewriter,
  htmlRewriterStream,
  type HtmlEngine,
  type HtmlRuleTarget,
} from '../html/index.ts';
import type { ByteTransform } from '../services.ts';
import type { CreativeRewriters } from './proxy-route.ts';
import type { ProxyTokenSigner } from './token.ts';
import { creativeRules, type CreativeRules } from './creative-rewrite-rules.ts';
import { rewriteCssUrls } from './css-urls.ts';
import { memoisedFirstPartyUrls } from './first-party-urls.ts';

export interface CreativeRewriteOptions {
  signer: ProxyTokenSigner;
  /** `rewrite.exclude_domains`. */
  excludeDomains: readonly string[];
  /**
   * The tag injected once (the creative runtime): raw HTML. Empty injects nothing. A promise
   * (`creativeRuntimeTag()`, which hashes the bundle) is awaited where the tag goes.
   */
  runtimeTag: string | Promise<string>;
  /** `auction.sanitize_creatives`. */
  sanitize: boolean;
  /** Cap on markup in string mode and on the streamed document, in and out (default 1 MiB). */
  maxBytes?: number;
  /** `services.htmlEngine`; the project's own when absent. */
  engine?: HtmlEngine;
  /**
   * A proxied document's (or stylesheet's) own URL, after redirects. With it, relative URLs
   * resolve against it (and a document's first `<base href>`) and go through the proxy like
   * absolute ones: left as written, the browser would resolve them against `/first-party/proxy`
   * on the publisher's origin. Absent (auction `adm`), relative URLs are left as written.
   */
  baseUrl?: URL;
}

export const DEFAULT_CREATIVE_MAX_BYTES = 1024 * 1024;

const encoder = new TextEncoder();

/**
 * String mode, for auction markup (`adm`). Fails closed: throws TsError on parser errors,
 * invalid UTF-8, or markup over maxBytes — never returns the unrewritten markup. Empty markup
 * stays empty (nothing to attach a runtime to; upstream's rejected-creative convention).
 */
export function rewriteCreativeHtml(
  markup: string,
  options: CreativeRewriteOptions,
): Promise<string> {
  return rewriteAtDepth(markup, options, 0);
}

/** `<iframe srcdoc>` inside `<iframe srcdoc>`…: past this depth the attribute is dropped. */
const MAX_SRCDOC_NESTING = 3;

function rulesAt(options: CreativeRewriteOptions, depth: number): CreativeRules {
  const nested =
    depth < MAX_SRCDOC_NESTING
      ? { rewriteNested: (markup: string) => rewriteAtDepth(markup, options, depth + 1) }
      : {};
  return creativeRules({ ...options, ...nested });
}

async function rewriteAtDepth(
  markup: string,
  options: CreativeRewriteOptions,
  depth: number,
): Promise<string> {
  if (markup === '') return '';
  const maxBytes = options.maxBytes ?? DEFAULT_CREATIVE_MAX_BYTES;
  if (!isWellFormed(markup)) throw invalidUtf8();
  const input = encoder.encode(markup);
  if (input.byteLength > maxBytes) throw tooLarge('markup', input.byteLength, maxBytes);
  const rules = rulesAt(options, depth);
  const output = options.engine
    ? await runEngine(options.engine, rules, input)
    : await runBuiltin(rules, input, maxBytes);
  const size = output.reduce((total, chunk) => total + chunk.byteLength, 0);
  if (size > maxBytes) throw tooLarge('rewritten markup', size, maxBytes);
  if (!rules.sawEndMarker) throw unterminated();
  const bytes = concatBytes(output, size);
  if (!(await endsInData(bytes, maxBytes))) throw unterminated();
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

/**
 * Whether markup leaves the tokenizer in plain data, read on its own. Asked of the output too:
 * auction markup is placed inside a page, and removing an element can change how what follows is
 * read (`<form><svg></form><iframe>`: the engine leaves SVG content only at `</svg>`, so it read
 * the iframe as an SVG element; with the form and its SVG removed it opens raw text that would
 * swallow the rest of the page). One more tokenizer pass, without handlers but one.
 */
async function endsInData(bytes: Uint8Array, maxBytes: number): Promise<boolean> {
  const marker = `ts-creative-check-${crypto.randomUUID()}`;
  let seen = false;
  const check = new HtmlRewriter({ ...builtinLimits(maxBytes), output: () => undefined });
  check.on(marker, { element: () => void (seen = true) });
  try {
    await check.write(bytes);
    await check.write(encoder.encode(`<${marker}>`));
    await check.end();
  } catch {
    return false;
  }
  return seen;
}

/** Streaming mode for proxied HTML: bytes in, rewritten bytes out, as they are processed. */
export function creativeHtmlTransform(options: CreativeRewriteOptions): ByteTransform {
  const maxBytes = options.maxBytes ?? DEFAULT_CREATIVE_MAX_BYTES;
  const rules = rulesAt(options, 0);
  const inner = options.engine
    ? options.engine(rules.setup, {})
    : htmlRewriterStream(rules.setup, builtinLimits(maxBytes));
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let received = 0;
  const input = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      received += chunk.byteLength;
      if (received > maxBytes) throw tooLarge('document', received, maxBytes);
      checkUtf8(utf8, chunk);
      controller.enqueue(chunk);
    },
    flush(controller) {
      checkUtf8(utf8, undefined);
      if (received > 0) controller.enqueue(encoder.encode(rules.endMarker));
    },
  });
  let sent = 0;
  const output = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      sent += chunk.byteLength;
      if (sent > maxBytes) throw tooLarge('rewritten document', sent, maxBytes);
      controller.enqueue(chunk);
    },
    flush() {
      if (received > 0 && !rules.sawEndMarker) throw unterminated();
    },
  });
  // Errors travel down the pipes (each aborts the next stage with its reason); the promises
  // themselves are only for that, and would otherwise report the same error unhandled.
  input.readable.pipeTo(inner.writable).catch(() => undefined);
  inner.readable.pipeTo(output.writable, { preventAbort: true }).catch((error: unknown) => {
    // An engine error reaches the client's side as the one error type, detail kept for the log.
    output.writable.abort(rewriteFailed(error)).catch(() => undefined);
  });
  return { writable: input.writable, readable: output.readable };
}

/**
 * The proxy route's rewriters (proxy-route.ts) on these options: each proxied document or
 * stylesheet gets its own URL as `baseUrl`.
 */
export function creativeRewriters(
  options: Omit<CreativeRewriteOptions, 'baseUrl'>,
): CreativeRewriters {
  return {
    htmlTransform: (context) => creativeHtmlTransform({ ...options, baseUrl: context.url }),
    cssRewrite: (css, context) => rewriteCreativeCss(css, { ...options, baseUrl: context.url }),
  };
}

/**
 * CSS bodies (`text/css` responses), string in/out, capped in and out at `maxBytes` (at most
 * DEFAULT_CREATIVE_MAX_BYTES: a stylesheet is rewritten whole, not streamed). Each absolute URL is
 * signed once however often it appears, as in HTML. Fails closed: over the cap is an error, never
 * the unrewritten stylesheet.
 */
export async function rewriteCreativeCss(
  css: string,
  options: Pick<CreativeRewriteOptions, 'signer' | 'excludeDomains' | 'baseUrl' | 'maxBytes'>,
): Promise<string> {
  const maxBytes = cssMaxBytes(options.maxBytes);
  // Length in UTF-16 units never exceeds the UTF-8 byte count: over it is over the cap.
  if (css.length > maxBytes) throw tooLarge('stylesheet', css.length, maxBytes);
  const inBytes = encoder.encode(css).byteLength;
  if (inBytes > maxBytes) throw tooLarge('stylesheet', inBytes, maxBytes);
  const firstParty = memoisedFirstPartyUrls(
    options.signer,
    options.excludeDomains,
    () => options.baseUrl,
  );
  const out = await rewriteCssUrls(css, (url) => firstParty(url) ?? Promise.resolve(undefined), {
    maxLength: maxBytes,
    tooLong: (length) => tooLarge('rewritten stylesheet', length, maxBytes),
  });
  const outBytes = encoder.encode(out).byteLength;
  if (outBytes > maxBytes) throw tooLarge('rewritten stylesheet', outBytes, maxBytes);
  return out;
}

/** The cap on a stylesheet, in and out: the configured one, never over the default. */
export function cssMaxBytes(configured: number | undefined): number {
  return Math.min(configured ?? DEFAULT_CREATIVE_MAX_BYTES, DEFAULT_CREATIVE_MAX_BYTES);
}

/**
 * The engine's own limits raised to the cap: past `maxTagBytes`/`maxTextBytes` it passes a tag or
 * a style's text through unrewritten, which is right for a publisher's page and wrong here.
 */
function builtinLimits(maxBytes: number) {
  const limit = maxBytes + 1024;
  return { maxTagBytes: limit, maxTextBytes: limit };
}

async function runBuiltin(
  rules: CreativeRules,
  input: Uint8Array,
  maxBytes: number,
): Promise<Uint8Array[]> {
  const output: Uint8Array[] = [];
  let size = 0;
  const rewriter = new HtmlRewriter({
    ...builtinLimits(maxBytes),
    // The input is this function's own buffer: script and style text may be held as views of it.
    stableChunks: true,
    // Past the cap the result is refused anyway; keeping it would let a creative packed with
    // URLs (each ~150 bytes once signed) hold many times its size in memory.
    output: (chunk) => {
      size += chunk.byteLength;
      if (size <= maxBytes) output.push(chunk);
    },
  });
  rules.setup(rewriter);
  try {
    await rewriter.write(input);
    await rewriter.write(encoder.encode(rules.endMarker));
    await rewriter.end();
  } catch (error) {
    throw rewriteFailed(error);
  }
  if (size > maxBytes) throw tooLarge('rewritten markup', size, maxBytes);
  return output;
}

async function runEngine(
  engine: HtmlEngine,
  rules: CreativeRules,
  input: Uint8Array,
): Promise<Uint8Array[]> {
  const transform = engine((target: HtmlRuleTarget) => rules.setup(target), {});
  const output: Uint8Array[] = [];
  const reading = (async () => {
    for await (const chunk of transform.readable) output.push(chunk);
  })();
  const writer = transform.writable.getWriter();
  try {
    await writer.write(input);
    await writer.write(encoder.encode(rules.endMarker));
    await writer.close();
    await reading;
  } catch (error) {
    reading.catch(() => undefined);
    throw rewriteFailed(error);
  }
  return output;
}

/** No lone surrogates (which UTF-8 cannot carry); the regex where the runtime predates ES2024. */
function isWellFormed(text: string): boolean {
  if (typeof text.isWellFormed === 'function') return text.isWellFormed();
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
}

function checkUtf8(decoder: InstanceType<typeof TextDecoder>, chunk: Uint8Array | undefined): void {
  try {
    if (chunk === undefined) decoder.decode();
    else decoder.decode(chunk, { stream: true });
  } catch {
    throw invalidUtf8();
  }
}

function rewriteFailed(error: unknown): TsError {
  const cause = error instanceof Error && error.cause instanceof TsError ? error.cause : error;
  if (cause instanceof TsError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new TsError('upstream_failed', `creative rewrite failed: ${detail}`, { cause });
}

function invalidUtf8(): TsError {
  return new TsError('upstream_failed', 'creative refused: not valid UTF-8');
}

function unterminated(): TsError {
  return new TsError(
    'upstream_failed',
    'creative refused: markup ends inside a tag, comment, raw text or removed element',
  );
}

function tooLarge(what: string, size: number, maxBytes: number): TsError {
  return new TsError(
    'upstream_too_large',
    `creative refused: ${what} is ${size} bytes, over the ${maxBytes}-byte cap`,
  );
}
