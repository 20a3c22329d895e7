/**
 * Pure helpers for the click guard: read a signed `/first-party/click` URL back into its target and
 * parameters, compare it with whatever a creative script wrote into `href`, and build the
 * `/first-party/proxy-rebuild` request that re-signs the difference (spec §5.10).
 */
export const CLICK_PATH = '/first-party/click';
export const REBUILD_PATH = '/first-party/proxy-rebuild';

/**
 * Longest rebuild URL we navigate to. Fastly refuses request lines over 8 KiB before any code
 * runs; the margin covers the rest of the request line. Longer edits keep the original click.
 */
export const MAX_REBUILD_URL_LENGTH = 7000;

/** A click's destination without query, and its parameters (last value wins, as the server's map). */
export interface ClickTarget {
  target: URL;
  params: Map<string, string>;
}

export interface ParamEdit {
  add: Record<string, string>;
  del: string[];
}

/** The target of a signed click on `origin`, or undefined for any other URL. */
export function readSignedClick(href: string, origin: string): ClickTarget | undefined {
  const url = parse(href, origin);
  if (!url || url.origin !== origin || url.pathname !== CLICK_PATH) return undefined;
  const tsurl = url.searchParams.get('tsurl');
  const target = tsurl ? parse(tsurl) : undefined;
  if (!target) return undefined;
  const params = new Map<string, string>();
  url.searchParams.forEach((value, name) => {
    if (name !== 'tsurl' && name !== 'tstoken') params.set(name, value);
  });
  return { target, params };
}

/** What `href` points at: a signed click's target, or a clear http(s) URL's own. */
export function readAnyClick(href: string, origin: string): ClickTarget | undefined {
  const signed = readSignedClick(href, origin);
  if (signed) return signed;
  const url = parse(href, origin);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return undefined;
  const params = new Map<string, string>();
  url.searchParams.forEach((value, name) => params.set(name, value));
  url.search = '';
  url.hash = '';
  return { target: url, params };
}

/**
 * The parameter edit that turns `original` into `mutated`, or undefined when the destination itself
 * changed (host or path): that is a different ad, and the server would be signing an open redirect.
 * Scheme is ignored because macros often flip http/https. A changed value is a delete plus an add,
 * since the server refuses to add a key that is still there.
 */
export function paramEdit(original: ClickTarget, mutated: ClickTarget): ParamEdit | undefined {
  if (
    original.target.host !== mutated.target.host ||
    original.target.pathname !== mutated.target.pathname
  ) {
    return undefined;
  }
  const add: Record<string, string> = {};
  const del: string[] = [];
  original.params.forEach((value, name) => {
    const now = mutated.params.get(name);
    if (now === undefined || now !== value) del.push(name);
  });
  mutated.params.forEach((value, name) => {
    if (original.params.get(name) !== value) add[name] = value;
  });
  return { add, del };
}

export function isEmptyEdit(edit: ParamEdit): boolean {
  return edit.del.length === 0 && Object.keys(edit.add).length === 0;
}

/** The navigable `GET` form of proxy-rebuild; the server answers it with a 302. */
export function rebuildNavigationUrl(origin: string, tsclick: string, edit: ParamEdit): string {
  const query = new URLSearchParams({ tsclick });
  if (Object.keys(edit.add).length > 0) query.set('add', JSON.stringify(edit.add));
  if (edit.del.length > 0) query.set('del', JSON.stringify(edit.del));
  return `${origin}${REBUILD_PATH}?${query.toString()}`;
}

/** True when `href` is the rebuild navigation this guard wrote for `tsclick`. */
export function isRebuildOf(href: string, origin: string, tsclick: string): boolean {
  const url = parse(href, origin);
  return (
    url !== undefined &&
    url.origin === origin &&
    url.pathname === REBUILD_PATH &&
    url.searchParams.get('tsclick') === tsclick
  );
}

function parse(value: string, base?: string): URL | undefined {
  try {
    return new URL(value, base);
  } catch {
    return undefined;
  }
}
