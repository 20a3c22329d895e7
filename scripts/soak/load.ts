/**
 * The soak's load: one autocannon run for the whole load phase (the bench's client, the same
 * page, the browser's Accept-Encoding), with counters the sampler reads and resets every
 * interval: responses by status and errors by kind.
 */
import autocannon from 'autocannon';

/** What happened since the counters were last taken. */
export interface LoadInterval {
  /** 2xx responses. */
  ok: number;
  /** Everything else, by kind: `status 503`, `timeout`, `ECONNRESET`, … */
  errors: Record<string, number>;
}

export interface LoadHandle {
  /** Returns and resets the counters. */
  take(): LoadInterval;
  /** Resolves when the run ends (after `durationS`). */
  done: Promise<void>;
}

function errorKind(error: Error & { code?: string }): string {
  if (error.code) return error.code;
  if (/timed out/i.test(error.message)) return 'timeout';
  return error.message.slice(0, 40) || 'error';
}

export function startLoad(
  url: URL,
  acceptEncoding: string,
  connections: number,
  durationS: number,
): LoadHandle {
  let current: LoadInterval = { ok: 0, errors: {} };
  const count = (kind: string) => {
    current.errors[kind] = (current.errors[kind] ?? 0) + 1;
  };
  const instance = autocannon({
    url: url.href,
    method: 'GET',
    headers: { 'accept-encoding': acceptEncoding },
    connections,
    duration: durationS,
  })
    .on('response', (_client, status) => {
      if (status >= 200 && status < 300) current.ok++;
      else count(`status ${status}`);
    })
    .on('reqError', (error) => count(errorKind(error)));
  return {
    take() {
      const taken = current;
      current = { ok: 0, errors: {} };
      return taken;
    },
    done: Promise.resolve(instance).then(() => undefined),
  };
}
