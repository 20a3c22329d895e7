/**
 * Keeps every rewritten link (`<a>`/`<area>` with `data-tsclick`) going through `/first-party/click`
 * after a creative script edits its `href` (click macros add cache-busters and click IDs).
 *
 * The fix is always a synchronous `href` write, made when the mutation is observed and again in the
 * click event itself (capture phase, and bubble phase after the creative's own handlers): the
 * browser's default navigation then honours `target`, modifier keys and middle clicks, and no
 * popup blocker sees a navigation started after an `await`. The written URL is the navigable
 * `GET /first-party/proxy-rebuild` form (a 302 to the re-signed click), which works from an
 * opaque-origin iframe; where the document can read the answer, a `POST` then swaps in the
 * re-signed click itself. A changed destination, or an edit too long to carry, falls back to the
 * original signed click: the reader still leaves through the first party.
 */
import type { CreativeContext } from './context.ts';
import {
  CLICK_PATH,
  MAX_REBUILD_URL_LENGTH,
  REBUILD_PATH,
  isEmptyEdit,
  isRebuildOf,
  paramEdit,
  readAnyClick,
  readSignedClick,
  rebuildNavigationUrl,
  type ParamEdit,
} from './click-url.ts';
import { firstPartyUrl } from './sign-client.ts';

const GUARDED = 'a[data-tsclick], area[data-tsclick]';

interface Plan {
  tsclick: string;
  /** Absolute URL the link must point at now. */
  href: string;
  /** The edit to re-sign by POST, when the document can read the answer. */
  edit?: ParamEdit;
}

export function installClickGuard(ctx: CreativeContext): void {
  const onClick = (event: Event): void => {
    const target = event.target as Element | null;
    const anchor = typeof target?.closest === 'function' ? target.closest(GUARDED) : null;
    if (anchor) applyPlan(anchor, planFor(ctx, anchor));
  };
  for (const type of ['click', 'auxclick']) {
    window.addEventListener(type, onClick, true);
    window.addEventListener(type, onClick, false);
  }

  const repair = (anchor: Element): void => {
    const plan = planFor(ctx, anchor);
    applyPlan(anchor, plan);
    if (plan?.edit && ctx.sameOrigin) void resignByPost(ctx, anchor, plan);
  };
  document.querySelectorAll(GUARDED).forEach(repair);
  if (typeof MutationObserver !== 'function') return;
  new MutationObserver((records) => {
    const seen = new Set<Element>();
    for (const record of records) {
      const anchor = record.target as Element;
      if (seen.has(anchor) || typeof anchor.matches !== 'function' || !anchor.matches(GUARDED)) {
        continue;
      }
      seen.add(anchor);
      repair(anchor);
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['href'] });
}

/** Where `anchor` must point, or undefined for links that are not ours to guard. */
function planFor(ctx: CreativeContext, anchor: Element | null): Plan | undefined {
  const tsclick = anchor?.getAttribute('data-tsclick');
  if (!anchor || !tsclick) return undefined;
  const original = readSignedClick(tsclick, ctx.origin);
  if (!original) return undefined; // A `data-tsclick` we did not write: nothing safe to restore.
  const signedHref = new URL(tsclick, ctx.origin).href;
  const current = anchor.getAttribute('href') ?? '';
  if (isRebuildOf(current, ctx.origin, tsclick)) return { tsclick, href: current };
  const mutated = readAnyClick(current, ctx.origin);
  const edit = mutated && paramEdit(original, mutated);
  if (!edit || isEmptyEdit(edit)) {
    if (mutated && !edit) ctx.log.warn('click destination changed; keeping the signed click');
    return { tsclick, href: signedHref };
  }
  const href = rebuildNavigationUrl(ctx.origin, tsclick, edit);
  if (href.length > MAX_REBUILD_URL_LENGTH) {
    ctx.log.warn('click edit too long to carry; keeping the signed click');
    return { tsclick, href: signedHref };
  }
  return { tsclick, href, edit };
}

function applyPlan(anchor: Element, plan: Plan | undefined): void {
  if (!plan) return;
  const current = anchor.getAttribute('href') ?? '';
  let resolved = '';
  try {
    resolved = new URL(current, plan.href).href;
  } catch {
    // Unparseable: overwrite below.
  }
  // Writing an equal value would still wake the observer, and it would write again, forever.
  if (resolved !== plan.href) anchor.setAttribute('href', plan.href);
}

/** Upgrades a rebuild navigation to the re-signed click, unless the link moved on meanwhile. */
async function resignByPost(ctx: CreativeContext, anchor: Element, plan: Plan): Promise<void> {
  try {
    const response = await fetch(`${ctx.origin}${REBUILD_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify({ tsclick: plan.tsclick, ...plan.edit }),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const body = (await response.json()) as { href?: unknown } | null;
    const signed = firstPartyUrl(ctx, body?.href, CLICK_PATH);
    if (!signed) throw new Error('answer is not a first-party click');
    if (
      anchor.getAttribute('href') !== plan.href ||
      anchor.getAttribute('data-tsclick') !== plan.tsclick
    ) {
      return;
    }
    const url = new URL(signed);
    // The canonical attribute keeps the rewriter's root-relative shape: it is sent back as `tsclick`.
    anchor.setAttribute('data-tsclick', `${url.pathname}${url.search}`);
    anchor.setAttribute('href', signed);
  } catch (error) {
    // The rebuild navigation already in `href` still works; only the extra redirect remains.
    ctx.log.info('click re-sign failed; keeping the rebuild navigation', error);
  }
}
