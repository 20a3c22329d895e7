/**
 * `[[handlers]]` basic auth: the first handler whose path regex matches protects the request.
 * Paths are the normalised ones (request-target.ts) and match case-insensitively unless the
 * handler sets `case_sensitive = true`: `/SECURE` is `/secure` to IIS, to macOS and Windows file
 * systems and to many routers, so a handler that only covered one spelling would be bypassed.
 *
 * Credentials are compared as SHA-256 digests with a constant-time loop, and the username and
 * password are both always checked (no short-circuit), so neither timing nor code path tells an
 * attacker which half was wrong.
 */
import { TsError } from '../errors.ts';
import type { Settings } from '../settings/settings-schema.ts';

const encoder = new TextEncoder();

interface CompiledHandler {
  path: RegExp;
  username: Promise<Uint8Array>;
  password: Promise<Uint8Array>;
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): number {
  // Digests are fixed-length; the length check leaks nothing secret.
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length && i < b.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff;
}

/** Parses `Authorization: Basic <base64(user:pass)>`; anything malformed means "no credentials". */
export function parseBasicCredentials(
  header: string | null,
): { username: string; password: string } | undefined {
  if (!header) return undefined;
  const space = header.indexOf(' ');
  if (space === -1 || header.slice(0, space).toLowerCase() !== 'basic') return undefined;
  const token = header.slice(space + 1).trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(token)) return undefined;
  let decoded: string;
  try {
    const binary = atob(token);
    decoded = new TextDecoder('utf-8', { fatal: true }).decode(
      Uint8Array.from(binary, (char) => char.charCodeAt(0)),
    );
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * `open`: no handler covers the path. `granted`: a handler took the request's credentials, which
 * were for this server, not the origin: they must not be forwarded. `denied`: answer 401.
 */
export type AuthVerdict = 'open' | 'granted' | 'denied';

export type BasicAuthCheck = (path: string, authorization: string | null) => Promise<AuthVerdict>;

/** Returns a checker for the normalised request path. */
export function compileBasicAuth(settings: Settings): BasicAuthCheck {
  const handlers: CompiledHandler[] = settings.handlers.map((handler) => ({
    path: handler.case_sensitive
      ? handler.path
      : new RegExp(handler.path.source, `${handler.path.flags}i`),
    username: sha256(handler.username),
    password: sha256(handler.password.reveal()),
  }));
  return async (path, authorization) => {
    const handler = handlers.find((candidate) => candidate.path.test(path));
    if (!handler) return 'open';
    const credentials = parseBasicCredentials(authorization);
    // Hash something even without credentials so every failure takes the same work.
    const [givenUser, givenPassword, expectedUser, expectedPassword] = await Promise.all([
      sha256(credentials?.username ?? ''),
      sha256(credentials?.password ?? ''),
      handler.username,
      handler.password,
    ]);
    const diff =
      constantTimeEqual(givenUser, expectedUser) |
      constantTimeEqual(givenPassword, expectedPassword);
    return credentials !== undefined && diff === 0 ? 'granted' : 'denied';
  };
}

/** The challenge for a denied request: the one error mapping's 401, with the header browsers prompt on. */
export function unauthorizedError(): TsError {
  return new TsError('unauthorized', 'basic auth: missing or wrong credentials', {
    headers: { 'www-authenticate': 'Basic realm="Trusted Server"' },
  });
}
