/**
 * Routes the URLs a creative script gives `img.src`, `img.srcset` and `iframe.src` at run time
 * through `/first-party/sign`, so dynamically added pixels and frames load first-party like the
 * markup the server rewrote.
 *
 * Fail closed: while a URL is being signed, and for good if signing fails, the element gets no
 * third-party URL at all (a blocked image fires `error`, as a failed load would). A blank slot
 * costs one impression; a direct load hands the reader's IP address, user agent and third-party
 * cookies to a host the publisher chose to keep at arm's length. Hosts in `exclude_domains` are
 * the operator's explicit exception and load directly.
 *
 * Three ways in are covered: the property setters, `setAttribute`/`setAttributeNS`, and (after the
 * fact, best effort) elements that arrive by `innerHTML` or parsing, seen by a MutationObserver.
 */
import type { CreativeContext } from './context.ts';
import { parseSrcset, serializeSrcset, urlToSign } from './resource-url.ts';
import { signResourceUrl } from './sign-client.ts';

interface Guard {
  ctor: { prototype: Element } & (abstract new () => Element);
  attr: 'src' | 'srcset';
}

interface Pending {
  raw: string;
  ticket: number;
}

export function installSourceGuards(ctx: CreativeContext): void {
  const guards: Guard[] = [];
  if (typeof HTMLImageElement === 'function') {
    guards.push(
      { ctor: HTMLImageElement, attr: 'src' },
      { ctor: HTMLImageElement, attr: 'srcset' },
    );
  }
  if (typeof HTMLIFrameElement === 'function')
    guards.push({ ctor: HTMLIFrameElement, attr: 'src' });

  const element = Element.prototype;
  // The originals are kept unbound on purpose: every call below passes its element with `.call`.
  /* eslint-disable @typescript-eslint/unbound-method */
  const nativeSetAttribute = element.setAttribute;
  const nativeSetAttributeNS = element.setAttributeNS;
  const nativeGetAttribute = element.getAttribute;
  const nativeRemoveAttribute = element.removeAttribute;
  /* eslint-enable @typescript-eslint/unbound-method */
  const pending = new WeakMap<Element, Map<string, Pending>>();
  let tickets = 0;

  const guardFor = (target: Element, name: string): Guard | undefined => {
    const attr = name.toLowerCase();
    return guards.find((guard) => guard.attr === attr && target instanceof guard.ctor);
  };

  // Resolved as the browser will: against the document's base, read at each call.
  const toSign = (raw: string): string | undefined =>
    urlToSign(raw, ctx.origin, ctx.directDomains, document.baseURI);
  const needsSigning = (guard: Guard, raw: string): boolean =>
    guard.attr === 'src'
      ? toSign(raw) !== undefined
      : parseSrcset(raw).some((candidate) => toSign(candidate.url) !== undefined);

  /** The signed value; undefined blocks it. srcset candidates that fail are dropped alone. */
  const signValue = async (guard: Guard, raw: string): Promise<string | undefined> => {
    if (guard.attr === 'src') {
      const target = toSign(raw);
      return target === undefined ? raw : signResourceUrl(ctx, target);
    }
    const signed = await Promise.all(
      parseSrcset(raw).map(async (candidate) => {
        const target = toSign(candidate.url);
        if (target === undefined) return candidate;
        const url = await signResourceUrl(ctx, target);
        return url === undefined ? undefined : { ...candidate, url };
      }),
    );
    const kept = signed.filter((candidate) => candidate !== undefined);
    return kept.length > 0 ? serializeSrcset(kept) : undefined;
  };

  const assign = (target: Element, guard: Guard, raw: string): void => {
    const waiting = pending.get(target) ?? new Map<string, Pending>();
    pending.set(target, waiting);
    if (!needsSigning(guard, raw)) {
      waiting.delete(guard.attr);
      nativeSetAttribute.call(target, guard.attr, raw);
      return;
    }
    const ticket = (tickets += 1);
    waiting.set(guard.attr, { raw, ticket });
    void signValue(guard, raw).then((value) => {
      // A later assignment won: its answer, not this one, decides the element's URL.
      if (waiting.get(guard.attr)?.ticket !== ticket) return;
      waiting.delete(guard.attr);
      if (value !== undefined) {
        nativeSetAttribute.call(target, guard.attr, value);
        return;
      }
      ctx.log.warn(`blocked a ${guard.attr} that could not be signed`);
      target.dispatchEvent(new Event('error'));
    });
  };

  for (const guard of guards) {
    const descriptor = Object.getOwnPropertyDescriptor(guard.ctor.prototype, guard.attr);
    if (!descriptor?.get || descriptor.configurable === false) continue;
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called as `.call(this)` below
    const nativeGet = descriptor.get;
    Object.defineProperty(guard.ctor.prototype, guard.attr, {
      configurable: true,
      enumerable: descriptor.enumerable ?? true,
      get(this: Element): unknown {
        // A script reading back what it just set sees its own value, not a half-signed state.
        return pending.get(this)?.get(guard.attr)?.raw ?? nativeGet.call(this);
      },
      set(this: Element, value: unknown) {
        assign(this, guard, String(value));
      },
    });
  }

  element.setAttribute = function setAttribute(this: Element, name: string, value: string): void {
    const guard = guardFor(this, String(name));
    if (guard) assign(this, guard, String(value));
    else nativeSetAttribute.call(this, name, value);
  };
  element.setAttributeNS = function setAttributeNS(
    this: Element,
    namespace: string | null,
    name: string,
    value: string,
  ): void {
    const guard = namespace ? undefined : guardFor(this, String(name));
    if (guard) assign(this, guard, String(value));
    else nativeSetAttributeNS.call(this, namespace, name, value);
  };

  /** Parser-made elements never hit a setter: catch them here, stripping the direct URL first. */
  const review = (target: Element, guard: Guard): void => {
    if (pending.get(target)?.has(guard.attr)) return;
    const raw = nativeGetAttribute.call(target, guard.attr);
    if (raw === null || !needsSigning(guard, raw)) return;
    nativeRemoveAttribute.call(target, guard.attr);
    assign(target, guard, raw);
  };
  const reviewTree = (root: Element): void => {
    for (const guard of guards) {
      if (root instanceof guard.ctor) review(root, guard);
      root.querySelectorAll(`[${guard.attr}]`).forEach((found) => {
        if (found instanceof guard.ctor) review(found, guard);
      });
    }
  };

  reviewTree(document.documentElement);
  if (typeof MutationObserver !== 'function') return;
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === 'childList') {
        record.addedNodes.forEach((node) => {
          if (node instanceof Element) reviewTree(node);
        });
      } else if (record.target instanceof Element && record.attributeName) {
        const guard = guardFor(record.target, record.attributeName);
        if (guard) review(record.target, guard);
      }
    }
  }).observe(document, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ['src', 'srcset'],
  });
}
