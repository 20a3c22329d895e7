/**
 * What to do with an origin response: one pure function, table-tested.
 *
 * Rewritten (any status, a branded 404 page too): HTML, RSC Flight (when Next.js is enabled),
 * CSS/JS/JSON and other text. Passed through untouched: every other type, Server-Sent Events,
 * bodies whose encoding we cannot decode (unknown or stacked codings), and responses that have no
 * body to rewrite (HEAD, 204, 205, 206 ranges, 304).
 */
export type Processing = 'html' | 'rsc' | 'text' | 'passthrough';
export type Coding = 'identity' | 'gzip' | 'deflate' | 'br';

export interface Classification {
  processing: Processing;
  coding: Coding;
  /** Why it passes through (for debug logs and tests). */
  reason?: string;
  /** `charset` of the Content-Type, lowercased, when given. */
  charset?: string;
}

export interface ResponseFacts {
  method: string;
  status: number;
  contentType: string | null;
  contentEncoding: string | null;
  nextjs: boolean;
}

const TEXT_TYPES = new Set([
  'text/css',
  'text/javascript',
  'application/javascript',
  'application/x-javascript',
  'application/json',
  'application/ld+json',
]);

export function classifyResponse(facts: ResponseFacts): Classification {
  const passthrough = (reason: string): Classification => ({
    processing: 'passthrough',
    coding: 'identity',
    reason,
  });
  if (facts.method === 'HEAD') return passthrough('HEAD has no body');
  if ([204, 205, 206, 304].includes(facts.status)) return passthrough(`status ${facts.status}`);

  const encoding = (facts.contentEncoding ?? '').trim().toLowerCase();
  let coding: Coding;
  if (encoding === '' || encoding === 'identity') coding = 'identity';
  else if (encoding === 'gzip' || encoding === 'x-gzip') coding = 'gzip';
  else if (encoding === 'deflate') coding = 'deflate';
  else if (encoding === 'br') coding = 'br';
  else return passthrough(`Content-Encoding "${encoding}" cannot be decoded`);

  const [rawType = '', ...params] = (facts.contentType ?? '').split(';');
  const type = rawType.trim().toLowerCase();
  const charset = params
    .map((param) => param.trim().toLowerCase())
    .find((param) => param.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/^"|"$/g, '');
  const extra = charset ? { charset } : {};

  if (type === 'text/html') return { processing: 'html', coding, ...extra };
  if (type === 'text/x-component') {
    return facts.nextjs
      ? { processing: 'rsc', coding, ...extra }
      : passthrough('RSC with Next.js disabled');
  }
  if (type === 'text/event-stream') return passthrough('server-sent events');
  if (TEXT_TYPES.has(type) || type.startsWith('text/'))
    return { processing: 'text', coding, ...extra };
  return passthrough(`content type "${type || 'none'}"`);
}

/**
 * The `Accept-Encoding` sent to the origin: the subset of `gzip, deflate, br` (in that order) the
 * client accepts with q > 0 (a coding's own q wins, else `*`'s; the first duplicate counts),
 * `identity` when that subset is empty, and nothing when the client sent nothing.
 */
export function restrictAcceptEncoding(header: string | null): string | null {
  if (header === null) return null;
  const quality = new Map<string, number>();
  for (const item of header.split(',')) {
    const [name = '', ...params] = item.split(';');
    const coding = name.trim().toLowerCase();
    if (coding === '' || quality.has(coding)) continue;
    const q = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('q='));
    const value = q === undefined ? 1 : Number(q.slice(2));
    quality.set(coding, Number.isFinite(value) ? value : 0);
  }
  const star = quality.get('*');
  const accepted = ['gzip', 'deflate', 'br'].filter(
    (coding) => (quality.get(coding) ?? star ?? 0) > 0,
  );
  return accepted.length > 0 ? accepted.join(', ') : 'identity';
}

/** The best coding for the client's response: br, then gzip, else identity. */
export function chooseResponseCoding(acceptEncoding: string | null): 'identity' | 'gzip' | 'br' {
  if (acceptEncoding === null) return 'identity';
  const restricted = restrictAcceptEncoding(acceptEncoding) ?? '';
  if (restricted.includes('br')) return 'br';
  if (restricted.includes('gzip')) return 'gzip';
  return 'identity';
}
