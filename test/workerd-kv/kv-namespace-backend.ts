/**
 * A Workers KV namespace for local workerd runs: workerd turns a `kvNamespace` binding's calls
 * into HTTP requests to a service, and this Worker is that service, keeping entries in memory.
 * It speaks the wire format the runtime's KV binding sends (GET/PUT/DELETE `/<key>?urlencoded=
 * true`, listings as `GET /?prefix=&key_count_limit=&cursor=`, metadata in `CF-KV-Metadata`), so
 * the store's code runs against the runtime's real binding. What it cannot show is Cloudflare's
 * eventual consistency: here every write is seen at once. `POST /__reset` empties it.
 */

interface Stored {
  value: string;
  /** JSON text, as the binding sent it. */
  metadata?: string;
  /** Epoch seconds. */
  expiration?: number;
}

const entries = new Map<string, Stored>();

function live(key: string): Stored | undefined {
  const entry = entries.get(key);
  if (entry?.expiration !== undefined && entry.expiration * 1000 <= Date.now()) {
    entries.delete(key);
    return undefined;
  }
  return entry;
}

/** KV lists keys in UTF-8 byte order, which is code point order. */
function byCodePoint(a: string, b: string): number {
  const left = Array.from(a, (c) => c.codePointAt(0) as number);
  const right = Array.from(b, (c) => c.codePointAt(0) as number);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const difference = (left[i] as number) - (right[i] as number);
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}

function list(url: URL): Response {
  const prefix = url.searchParams.get('prefix') ?? '';
  const limit = Number(url.searchParams.get('key_count_limit') ?? '1000');
  const start = Number(url.searchParams.get('cursor') ?? '0');
  const names = [...entries.keys()]
    .filter((name) => name.startsWith(prefix) && live(name) !== undefined)
    .sort(byCodePoint);
  const page = names.slice(start, start + limit);
  const complete = start + limit >= names.length;
  return Response.json({
    keys: page.map((name) => {
      const entry = entries.get(name) as Stored;
      return {
        name,
        ...(entry.metadata !== undefined
          ? { metadata: JSON.parse(entry.metadata) as unknown }
          : {}),
        ...(entry.expiration !== undefined ? { expiration: entry.expiration } : {}),
      };
    }),
    list_complete: complete,
    ...(complete ? {} : { cursor: String(start + limit) }),
  });
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/__reset') {
      entries.clear();
      return new Response(null, { status: 204 });
    }
    if (request.method === 'GET' && url.pathname === '/') return list(url);
    const key = decodeURIComponent(url.pathname.slice(1));
    switch (request.method) {
      case 'GET': {
        const entry = live(key);
        if (entry === undefined) return new Response(null, { status: 404 });
        const headers = new Headers();
        if (entry.metadata !== undefined) headers.set('CF-KV-Metadata', entry.metadata);
        return new Response(entry.value, { headers });
      }
      case 'PUT': {
        const ttl = url.searchParams.get('expiration_ttl');
        const stored: Stored = { value: await request.text() };
        const metadata = request.headers.get('CF-KV-Metadata');
        if (metadata !== null) stored.metadata = metadata;
        if (ttl !== null) stored.expiration = Math.floor(Date.now() / 1000) + Number(ttl);
        entries.set(key, stored);
        return new Response(null, { status: 200 });
      }
      case 'DELETE':
        entries.delete(key);
        return new Response(null, { status: 200 });
      default:
        return new Response(null, { status: 405 });
    }
  },
};
