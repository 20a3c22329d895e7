/**
 * tsjs-creative: the runtime the creative rewriter injects once into every rewritten ad. It keeps
 * what a creative script does at run time first-party too: edited click URLs are re-signed
 * (click-guard.ts) and dynamically set image/iframe URLs are signed (source-guard.ts).
 *
 * Optional `data-ts-direct="host *.suffix"` on the script tag lists `rewrite.exclude_domains`.
 * Loaded twice (a creative nested in a creative, a retried tag), it installs once.
 */
import { createClientLogger } from '../core/log.ts';
import { installClickGuard } from './click-guard.ts';
import { readContext } from './context.ts';
import { installSourceGuards } from './source-guard.ts';

const INSTALLED = '__tsCreativeRuntime';

function install(): void {
  const win = window as unknown as Record<string, unknown>;
  if (win[INSTALLED]) return;
  const log = createClientLogger('warn');
  const ctx = readContext(document.currentScript, log);
  if (!ctx) {
    log.warn('tsjs-creative: no first-party origin; guards not installed');
    return;
  }
  // Not writable, so a creative cannot reset it and have the guards wrap themselves twice.
  Object.defineProperty(win, INSTALLED, { value: { origin: ctx.origin }, writable: false });
  installClickGuard(ctx);
  installSourceGuards(ctx);
}

if (typeof window !== 'undefined' && typeof document !== 'undefined') install();
