// The rule that keeps the HTML engine's internals internal: outside src/core/html, code (adapters,
// proxy and rewrite code) imports the engine only through src/core/html/index.ts — its public API
// (api.ts: handler interfaces, handler sets, the engine port) and the engine itself — so the
// modules behind it can change freely. Shared by eslint.config.js and the test that proves it
// bites. Tests are exempt: they may test internals.

/** The `no-restricted-imports` pattern: any module in an `html/` directory but its index. */
export const htmlApiPattern = {
  group: ['**/html/*', '!**/html/index.ts'],
  message:
    "import the HTML engine from core/html/index.ts (its public API); core/html's other modules are its internals.",
};

/** For code outside core. */
export const htmlBoundaryRule = ['error', { patterns: [htmlApiPattern] }];

/**
 * `rule` (a `no-restricted-imports` entry, like the core boundary) with the HTML boundary added:
 * a file gets one entry per rule, so core files outside core/html need both in one.
 * @param {[string, { paths?: unknown[], patterns?: unknown[] }]} rule
 */
export function withHtmlBoundary(rule) {
  const [level, options] = rule;
  return [level, { ...options, patterns: [...(options.patterns ?? []), htmlApiPattern] }];
}
