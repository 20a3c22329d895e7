/**
 * The opt-in creative sanitiser (`auction.sanitize_creatives`; upstream's
 * `sanitize_creative_html`, spec §5.4's last paragraph). Registered on the same engine pass as the
 * rewriter and before its rules, so for every element it runs first and the rewriter never signs
 * a URL on something it removed.
 *
 * It removes, with their content: `script`, `object`, `embed`, `base`, `meta`, `form`, `link`,
 * `style`, `noscript`; on every element: `on*` handlers, `srcdoc` (a whole document of its own,
 * beyond upstream), URL values with `javascript:`/`vbscript:` or a `data:` that is not a raster
 * image, and `style` attributes carrying script-ish CSS. Values are judged as the browser reads
 * them (character references and CSS escapes decoded, tabs and newlines dropped).
 *
 * Why a removed element leaves `<!---->` behind: the engine tokenizes like a browser, but its
 * output is parsed again by one, and cutting a tag out joins what was around it.
 * `<<script></script>script>` would come out as `<script>`; with an empty comment in the gap the
 * text before and after stays text. `<scr<script>ipt>` needs nothing: the tokenizer reads
 * `scr<script` as one tag name, so there is no inner `<script>` to cut out.
 *
 * `<noscript>`: this engine reads its content as markup (scripting off), a browser running
 * scripts as raw text up to the first `</noscript`. Removing it from its start tag to the end tag
 * the engine sees removes at least what the browser would have treated as its content, so the
 * `<noscript><p title="</noscript><img onerror=…>">` family cannot leave anything behind.
 */
import type { Element, HtmlRuleTarget } from '../html/index.ts';
import { unescapeCss } from './css-urls.ts';
import { decodeAttributeValue } from './creative-rewrite-attributes.ts';

export const REMOVED_ELEMENTS = [
  'script',
  'object',
  'embed',
  'base',
  'meta',
  'form',
  'link',
  'style',
  'noscript',
] as const;

/** What stands in for a removed element, so its neighbours cannot join into a new tag. */
export const REMOVAL_SEPARATOR = '<!---->';

const URL_ATTRIBUTES = new Set([
  'href',
  'src',
  'data-src',
  'action',
  'formaction',
  'background',
  'poster',
  'xlink:href',
  'data',
  // SVG animation can set an `href` to any of these values.
  'to',
  'from',
  'values',
  'by',
]);
const SRCSET_ATTRIBUTES = new Set(['srcset', 'imagesrcset']);
const SAFE_DATA_IMAGES = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
]);
const RISKY_STYLE =
  /expression\(|javascript:|vbscript:|data:text\/|data:application\/|data:image\/svg|behavior:|-moz-binding/;

/** Elements a handler removed, so later rules can skip them. */
export type RemovedElements = WeakSet<Element>;

/** Registers the sanitiser's rules; `removed` collects the elements it dropped. */
export function registerCreativeSanitizer(target: HtmlRuleTarget, removed: RemovedElements): void {
  for (const name of REMOVED_ELEMENTS) {
    target.on(name, {
      element: (element) => {
        removeElement(element);
        removed.add(element);
      },
    });
  }
  target.on('*', { element: sanitizeAttributes });
}

/** Removes an element with its content, leaving a separator (see the module comment). */
export function removeElement(element: Element): void {
  element.before(REMOVAL_SEPARATOR);
  element.remove();
}

function sanitizeAttributes(element: Element): void {
  // One read of the attribute list: a lookup by name costs more than the whole check.
  for (const [name, raw] of element.attributes) {
    let unsafe: boolean;
    if (name.startsWith('on') || name === 'srcdoc') unsafe = true;
    else if (URL_ATTRIBUTES.has(name)) unsafe = isDangerousUrl(decodeAttributeValue(raw));
    else if (SRCSET_ATTRIBUTES.has(name)) {
      // Any dangerous candidate drops the whole list: a mix is a sign of a hostile creative.
      unsafe = decodeAttributeValue(raw)
        .split(',')
        .some((entry) => isDangerousUrl(entry.trim().split(/\s+/)[0] ?? ''));
    } else if (name === 'style') unsafe = isRiskyStyle(raw);
    else unsafe = false;
    if (unsafe) element.removeAttribute(name);
  }
}

// eslint-disable-next-line no-control-regex
const LEADING_CONTROLS = /^[\x00-\x20]+/;

/** `javascript:`, `vbscript:`, or a `data:` URL that is not a raster image. */
export function isDangerousUrl(value: string): boolean {
  const lower = value
    .replace(/[\t\n\r]/g, '')
    .replace(LEADING_CONTROLS, '')
    .toLowerCase();
  if (lower.startsWith('javascript:') || lower.startsWith('vbscript:')) return true;
  if (!lower.startsWith('data:')) return false;
  const mime = lower.slice(5).split(/[;,]/)[0]?.trim() ?? '';
  return !SAFE_DATA_IMAGES.has(mime);
}

/**
 * Upstream's substring test, run on the value with references, escapes and comments undone; and
 * any backslash at all. A creative's inline style has no need of CSS escapes, and escapes are how a
 * name hides from a scanner (`\75 rl(…)` is `url(…)` to the browser).
 */
export function isRiskyStyle(raw: string): boolean {
  const decoded = decodeAttributeValue(raw);
  if (decoded.includes('\\')) return true;
  const css = unescapeCss(decoded)
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\s+/g, '')
    .toLowerCase();
  return RISKY_STYLE.test(css);
}
