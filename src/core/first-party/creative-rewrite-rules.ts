/**
 * The creative rules on the engine port (spec §5.4, §I.1): which attributes become signed
 * `/first-party/proxy` URLs, which become `/first-party/click`, where the runtime goes, what is
 * removed, and the end-of-input marker that tells the caller the markup was well formed.
 *
 * Where the runtime goes, decided at the first start tag so that streaming never has to hold the
 * document back:
 * - a fragment (the first tag is neither `<html>` nor `<head>`; auction `adm` almost always is):
 *   just before that first tag. The runtime is what guards clicks once the creative's own script
 *   rewrites links, so it must run before any of that script does; text and comments before the
 *   first tag cannot act. Upstream (HEAD) prepends to a body-less fragment for the same reason.
 * - a document: at the start of the first `<body>`, or just before the first element that opens
 *   the body implicitly (anything not allowed in `<head>`).
 * - markup with no tags at all: at the end (the marker is the first tag such markup has).
 * Exactly once, however many `<body>` tags there are.
 */
import type { Element, HtmlRuleTarget, TextContent } from '../html/index.ts';
import { FIRST_PARTY_CLICK_PATH } from './signed-url.ts';
import { memoisedFirstPartyUrls } from './first-party-urls.ts';
import type { ProxyTokenSigner } from './token.ts';
import { decodeAttributeValue, encodeAttributeValue } from './creative-rewrite-attributes.ts';
import { rewriteSrcset, splitSrcsetCandidates } from './creative-urls.ts';
import { mayHoldCssUrls, rewriteCssUrls } from './css-urls.ts';
import { rewriteRefreshContent, rewriteUrlList } from './creative-rewrite-values.ts';
import { registerCreativeSanitizer, removeElement, type RemovedElements } from './sanitize.ts';

export interface CreativeRuleOptions {
  signer: ProxyTokenSigner;
  excludeDomains: readonly string[];
  runtimeTag: string | Promise<string>;
  sanitize: boolean;
  /**
   * Rewrites the document of an `<iframe srcdoc>` with these same rules (it loads its own
   * resources); absent, `srcdoc` is removed rather than left unmediated.
   */
  rewriteNested?: (markup: string) => Promise<string>;
  /** A proxied document's own URL: relative URLs resolve against it (see creative-urls.ts). */
  baseUrl?: URL;
}

/** Elements whose URL attributes are fetched: each becomes a signed proxy URL. */
const PROXIED_ATTRIBUTES: ReadonlyArray<readonly [selector: string, attributes: string[]]> = [
  ['img', ['src', 'data-src']],
  // SVG's <script> loads from href / xlink:href.
  ['script', ['src', 'href', 'xlink:href']],
  // Every `link`, not only stylesheet/preload/prefetch (upstream): `preconnect` and `icon` reach
  // the third party too, and a first-party href on the others changes nothing.
  ['link[href]', ['href']],
  ['video', ['src', 'poster']],
  ['audio[src]', ['src']],
  ['source[src]', ['src']],
  ['track[src]', ['src']],
  ['object[data]', ['data']],
  ['embed[src]', ['src']],
  ['iframe[src]', ['src']],
  ['frame[src]', ['src']],
  ['image', ['href', 'xlink:href']],
  ['use', ['href', 'xlink:href']],
  ['feimage', ['href', 'xlink:href']],
  // Legacy `background` on body/table/td still loads an image.
  ['[background]', ['background']],
];

const LINK_ATTRIBUTES = ['href', 'xlink:href'];

/** Elements allowed in `<head>`: before the body starts, the runtime waits past them. */
const HEAD_CONTENT = new Set([
  'html',
  'head',
  'title',
  'meta',
  'link',
  'style',
  'script',
  'base',
  'noscript',
  'template',
]);

export interface CreativeRules {
  readonly setup: (target: HtmlRuleTarget) => void;
  /** Appended to the input: seen only if the markup left the tokenizer in plain data. */
  readonly endMarker: string;
  readonly sawEndMarker: boolean;
}

export function creativeRules(options: CreativeRuleOptions): CreativeRules {
  const { signer, excludeDomains, runtimeTag } = options;
  const removed: RemovedElements = new WeakSet();
  const markerName = `ts-creative-end-${randomHex()}`;
  let sawEndMarker = false;

  // The document's base: its own URL, then its first <base href> (which the rules remove, so
  // the browser resolves against /first-party/proxy instead; resolving here keeps what it meant).
  let base = options.baseUrl;
  let baseSet = false;
  function readBase(element: Element): void {
    if (baseSet || base === undefined) return;
    const href = element.getAttribute('href');
    if (href === null) return;
    baseSet = true;
    try {
      const next = new URL(decodeAttributeValue(href).trim(), base);
      if (next.protocol === 'https:' || next.protocol === 'http:') base = next;
    } catch {
      // An unusable <base href> leaves the document's URL as the base, as in a browser.
    }
  }

  const firstParty = memoisedFirstPartyUrls(signer, excludeDomains, () => base);
  const proxy = (value: string) => firstParty(value);

  // Handlers answer synchronously when there is nothing to sign: a returned promise pauses the
  // document, which costs more than the work on an element with only relative URLs.

  function proxyAttributes(element: Element, names: readonly string[]): Promise<void> | undefined {
    if (removed.has(element)) return undefined;
    const work: Array<Promise<void>> = [];
    for (const [name, raw] of firstOf(element, names)) {
      const href = proxy(decodeAttributeValue(raw));
      if (href === undefined) continue;
      work.push(href.then((value) => element.setAttribute(name, encodeAttributeValue(value))));
    }
    return settle(work);
  }

  function clickThrough(element: Element): Promise<void> | undefined {
    if (removed.has(element)) return undefined;
    const work: Array<Promise<string>> = [];
    for (const [name, raw] of firstOf(element, LINK_ATTRIBUTES)) {
      const href = firstParty(decodeAttributeValue(raw), FIRST_PARTY_CLICK_PATH);
      if (href === undefined) continue;
      work.push(
        href.then((value) => {
          const encoded = encodeAttributeValue(value);
          element.setAttribute(name, encoded);
          return encoded;
        }),
      );
    }
    if (work.length === 0) return undefined;
    // The runtime reads the click URL from data-tsclick: href's when both are there.
    return Promise.all(work).then(([first]) =>
      element.setAttribute('data-tsclick', first as string),
    );
  }

  function srcsetAttribute(element: Element, name: string): Promise<void> | undefined {
    if (removed.has(element)) return undefined;
    const raw = element.getAttribute(name);
    if (raw === null) return undefined;
    const decoded = decodeAttributeValue(raw);
    const candidates = splitSrcsetCandidates(decoded);
    if (!candidates.some((item) => proxy(item.trim().split(/\s+/)[0] ?? '') !== undefined))
      return undefined;
    return rewriteSrcset(decoded, (url) => Promise.resolve(proxy(url))).then((next) => {
      if (next !== decoded) element.setAttribute(name, encodeAttributeValue(next));
    });
  }

  function styleAttribute(element: Element): Promise<void> | undefined {
    if (removed.has(element)) return undefined;
    const raw = element.getAttribute('style');
    if (raw === null) return undefined;
    const decoded = decodeAttributeValue(raw);
    if (!mayHoldCssUrls(decoded)) return undefined;
    return rewriteCssUrls(decoded, (url) => Promise.resolve(proxy(url))).then((next) => {
      if (next !== decoded) element.setAttribute('style', encodeAttributeValue(next));
    });
  }

  function styleText(text: TextContent): Promise<void> | undefined {
    const css = text.text;
    if (!mayHoldCssUrls(css)) return undefined;
    return rewriteCssUrls(css, (url) => Promise.resolve(proxy(url))).then((next) => {
      if (next !== css) text.replace(next);
    });
  }

  /** Beyond upstream: a refresh navigates the frame, a ping beacons, srcdoc is a document. */
  function refresh(element: Element): Promise<void> | undefined {
    if (removed.has(element)) return undefined;
    if (element.getAttribute('http-equiv')?.trim().toLowerCase() !== 'refresh') return undefined;
    const raw = element.getAttribute('content');
    if (raw === null) return undefined;
    return rewriteRefreshContent(decodeAttributeValue(raw), proxy)?.then((next) =>
      element.setAttribute('content', encodeAttributeValue(next)),
    );
  }

  function ping(element: Element): Promise<void> | undefined {
    if (removed.has(element)) return undefined;
    const raw = element.getAttribute('ping');
    if (raw === null) return undefined;
    return rewriteUrlList(decodeAttributeValue(raw), proxy)?.then((next) =>
      element.setAttribute('ping', encodeAttributeValue(next)),
    );
  }

  function srcdoc(element: Element): Promise<void> | undefined {
    if (removed.has(element)) return undefined;
    const raw = element.getAttribute('srcdoc');
    if (raw === null) return undefined;
    const nested = options.rewriteNested;
    if (nested === undefined) {
      element.removeAttribute('srcdoc');
      return undefined;
    }
    return nested(decodeAttributeValue(raw)).then((next) =>
      element.setAttribute('srcdoc', encodeAttributeValue(next)),
    );
  }

  let placement: 'first-tag' | 'document' | 'done' = runtimeTag === '' ? 'done' : 'first-tag';
  function placeRuntime(element: Element): Promise<void> | undefined {
    if (placement === 'done') return undefined;
    const name = element.tagName;
    if (placement === 'first-tag' && (name === 'html' || name === 'head')) {
      placement = 'document';
      return undefined;
    }
    let insert: (tag: string) => void;
    if (name === 'body') insert = (tag) => element.prepend(tag);
    else if (placement === 'first-tag' || !HEAD_CONTENT.has(name))
      insert = (tag) => element.before(tag);
    else return undefined;
    placement = 'done';
    if (typeof runtimeTag !== 'string') {
      return runtimeTag.then((tag) => {
        if (tag !== '') insert(tag);
      });
    }
    insert(runtimeTag);
    return undefined;
  }

  function setup(target: HtmlRuleTarget): void {
    base = options.baseUrl;
    baseSet = false;
    target.on('base', { element: readBase });
    // A bidder's <base> would rebase the root-relative /first-party/… URLs onto its own host.
    // The sanitiser removes it too; registered once, so that an engine handing each handler its
    // own view of an element (the native lol_html adapter) does not leave two separators.
    if (options.sanitize) registerCreativeSanitizer(target, removed);
    else {
      target.on('base', {
        element: (element) => {
          removeElement(element);
          removed.add(element);
        },
      });
    }
    target.on('*', { element: placeRuntime });
    for (const [selector, names] of PROXIED_ATTRIBUTES) {
      target.on(selector, { element: (element) => proxyAttributes(element, names) });
    }
    target.on('input[src]', {
      element: (element) =>
        element.getAttribute('type')?.trim().toLowerCase() === 'image'
          ? proxyAttributes(element, ['src'])
          : undefined,
    });
    target.on('meta[http-equiv]', { element: refresh });
    target.on('[ping]', { element: ping });
    target.on('iframe[srcdoc]', { element: srcdoc });
    // data-tsclick is the runtime's source of truth for a click: only this rewriter writes it.
    target.on('[data-tsclick]', { element: (element) => element.removeAttribute('data-tsclick') });
    target.on('a', { element: clickThrough });
    target.on('area', { element: clickThrough });
    target.on('[srcset]', { element: (element) => srcsetAttribute(element, 'srcset') });
    target.on('[imagesrcset]', { element: (element) => srcsetAttribute(element, 'imagesrcset') });
    target.on('[style]', { element: styleAttribute });
    target.on('style', { text: styleText });
    target.on(markerName, {
      element: (element) => {
        sawEndMarker = true;
        element.remove();
      },
    });
  }

  return {
    setup,
    endMarker: `<${markerName}>`,
    get sawEndMarker() {
      return sawEndMarker;
    },
  };
}

/**
 * The named attributes an element has, each as the browser reads it (the first of duplicates),
 * from one read of the attribute list: a lookup by name costs more than that.
 */
function firstOf(element: Element, names: readonly string[]): Array<readonly [string, string]> {
  const found: Array<readonly [string, string]> = [];
  for (const attribute of element.attributes) {
    const name = attribute[0];
    if (names.includes(name) && !found.some(([seen]) => seen === name)) found.push(attribute);
  }
  return found;
}

function settle(work: Array<Promise<void>>): Promise<void> | undefined {
  if (work.length === 0) return undefined;
  if (work.length === 1) return work[0];
  return Promise.all(work).then(() => undefined);
}

function randomHex(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}
