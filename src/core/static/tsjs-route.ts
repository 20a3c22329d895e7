/**
 * `GET /static/tsjs=<name>`: the browser bundle, with a content-hash ETag so browsers and CDNs
 * revalidate cheaply. Built once per process: the body and its hash never change at runtime.
 */
import { TsError } from '../errors.ts';
import { ifNoneMatchHits } from '../http/entity-tags.ts';
import { TSJS_MODULES } from './tsjs-bundle.generated.ts';

export const TSJS_PATH_PREFIX = '/static/tsjs=';
const UNIFIED_NAMES = new Set(['tsjs-unified.min.js', 'tsjs-unified.js']);
/** The creative runtime is served alone: ads never need the page's unified bundle. */
export const CREATIVE_RUNTIME_NAME = 'tsjs-creative.min.js';

const CACHE_HEADERS = {
  'cache-control':
    'public, max-age=300, s-maxage=300, stale-while-revalidate=60, stale-if-error=86400',
  'surrogate-control': 'max-age=300',
  vary: 'Accept-Encoding',
};

export interface TsjsBundle {
  body: Uint8Array;
  /** Lowercase hex SHA-256 of the body: the `?v=` of the injected URL and the ETag. */
  hash: string;
}

/** The unified bundle: `core` first, then the enabled modules in order, joined as upstream does. */
export async function buildUnifiedBundle(moduleIds: readonly string[] = []): Promise<TsjsBundle> {
  const parts = [TSJS_MODULES.core, ...moduleIds.flatMap((id) => TSJS_MODULES[id] ?? [])];
  return hashedBundle(parts.join(';\n'));
}

let creativeBundle: Promise<TsjsBundle> | undefined;

/** The creative runtime's bytes and hash, computed once per process. */
export function buildCreativeBundle(): Promise<TsjsBundle> {
  creativeBundle ??= hashedBundle(TSJS_MODULES.creative);
  return creativeBundle;
}

/**
 * The exact tag the creative rewriter injects, once per creative. `directDomains` are the
 * `rewrite.exclude_domains` patterns: the runtime lets dynamically set URLs on them load directly,
 * as the rewriter does for markup. Attribute data does not change the script, so the `?v=` hash
 * and browser caches are shared by every publisher setting.
 */
export async function creativeRuntimeTag(directDomains: readonly string[] = []): Promise<string> {
  const { hash } = await buildCreativeBundle();
  const direct = directDomains.length
    ? ` data-ts-direct="${escapeAttribute(directDomains.join(' '))}"`
    : '';
  return `<script src="${TSJS_PATH_PREFIX}${CREATIVE_RUNTIME_NAME}?v=${hash}"${direct}></script>`;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

async function hashedBundle(source: string): Promise<TsjsBundle> {
  const body = new TextEncoder().encode(source);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body));
  const hash = Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return { body, hash };
}

export function tsjsScriptSrc(bundle: TsjsBundle): string {
  return `${TSJS_PATH_PREFIX}tsjs-unified.min.js?v=${bundle.hash}`;
}

export function createTsjsRoute(
  bundle: Promise<TsjsBundle>,
  creative: Promise<TsjsBundle> = buildCreativeBundle(),
) {
  return async (request: Request, url: URL): Promise<Response> => {
    const name = url.pathname.slice(TSJS_PATH_PREFIX.length);
    const chosen = UNIFIED_NAMES.has(name)
      ? bundle
      : name === CREATIVE_RUNTIME_NAME
        ? creative
        : undefined;
    if (!chosen) throw new TsError('not_found', 'no such tsjs bundle');
    const { body, hash } = await chosen;
    const etag = `"sha256-${hash}"`;
    if (ifNoneMatchHits(request.headers.get('if-none-match'), etag)) {
      return new Response(null, { status: 304, headers: { etag, ...CACHE_HEADERS } });
    }
    return new Response(request.method === 'HEAD' ? null : body, {
      status: 200,
      headers: {
        'content-type': 'application/javascript; charset=utf-8',
        'content-length': String(body.byteLength),
        etag,
        ...CACHE_HEADERS,
      },
    });
  };
}
