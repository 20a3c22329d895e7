/**
 * Field kinds several sections share: host names, https origins, header names, CIDR ranges,
 * secrets with a minimum length. Each names what it expects in its error, never echoing a secret.
 */
import { parseAddressRange } from '../http/ip.ts';
import { makeFieldFrom, secret, str, unwrap, type FieldBuilder } from './schema.ts';
import type { Secret } from './secret.ts';

const HOST_PATTERN =
  /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?::\d{1,5})?$/;
const IPV6_HOST_PATTERN = /^\[[0-9a-f:.]+\](?::\d{1,5})?$/;

/** A public host name as it appears in a `Host` header: optional port, no scheme or path. */
export function hostName(): FieldBuilder<string> {
  return str().check((text) =>
    HOST_PATTERN.test(text.toLowerCase()) || IPV6_HOST_PATTERN.test(text.toLowerCase())
      ? undefined
      : `must be a host name such as "www.example.com" (no scheme or path), got "${text}"`,
  );
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Why `text` is not a plain DNS name (no port, scheme, path, trailing dot allowed only when
 * `allowTrailingDot`), or undefined when it is one.
 */
export function dnsNameProblem(text: string, allowTrailingDot = false): string | undefined {
  if (text.trim() !== text) return 'must not have leading or trailing spaces';
  const name = (allowTrailingDot ? text.replace(/\.$/, '') : text).toLowerCase();
  if (name === '' || name.length > 253) return 'must be a host name of 1 to 253 characters';
  if (/[/:]/.test(name)) return 'must be a host name only (no scheme, port or path)';
  if (!name.split('.').every((label) => LABEL.test(label))) {
    return 'must be a host name of letters, digits and inner hyphens, such as "partner.example.com"';
  }
  return undefined;
}

/** Why `text` is not an absolute https URL (with `originOnly`: no path, query or fragment). */
export function httpsUrlProblem(text: string, originOnly = false): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `must be an absolute https:// URL, got ${JSON.stringify(shorten(text))}`;
  }
  if (url.protocol !== 'https:') return `must use https://, got ${JSON.stringify(shorten(text))}`;
  if (url.username !== '' || url.password !== '') return 'must not contain credentials';
  if (originOnly && (url.pathname !== '/' || url.search !== '' || url.hash !== '')) {
    return 'must be an origin (https://host[:port]) with no path, query or fragment';
  }
  return undefined;
}

export function httpsUrl(options: { originOnly?: boolean } = {}): FieldBuilder<string> {
  return str().check((text) => httpsUrlProblem(text, options.originOnly));
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function isHeaderName(name: string): boolean {
  return HEADER_NAME.test(name);
}

export function headerName(): FieldBuilder<string> {
  return str().check((name) =>
    isHeaderName(name) ? undefined : `"${name}" is not a valid HTTP header name`,
  );
}

export function httpMethod(): FieldBuilder<string> {
  return str()
    .check((method) => (HEADER_NAME.test(method) ? undefined : `"${method}" is not an HTTP method`))
    .transform((method) => method.toUpperCase());
}

export function cidr(): FieldBuilder<string> {
  return str().check((text) =>
    parseAddressRange(text) ? undefined : `must be an IP address or CIDR range, got "${text}"`,
  );
}

/** A two-letter code (ISO 3166-1 country, US state), stored upper-case as lists compare it. */
export function twoLetterCode(what: string): FieldBuilder<string> {
  return str()
    .check((code) => (/^[A-Za-z]{2}$/.test(code) ? undefined : `must be a ${what}, got "${code}"`))
    .transform((code) => code.toUpperCase());
}

const encoder = new TextEncoder();

/** A secret of at least `bytes` UTF-8 bytes (key material: a short one is guessable). */
export function longSecret(bytes: number): FieldBuilder<Secret> {
  return secret().check((value) =>
    encoder.encode(value.reveal()).length < bytes
      ? `must be at least ${bytes} bytes long (value hidden: secret)`
      : undefined,
  );
}

/**
 * A regular expression written for upstream's Rust engine: a leading `(?i)` (case-insensitive,
 * which JavaScript has only as a flag) becomes the `i` flag. Compiled at load, so a bad pattern
 * fails the start, not a request.
 */
export function portableRegex(): FieldBuilder<RegExp> {
  return makeFieldFrom('regular expression', (value, path, ctx) => {
    const text = unwrap(value);
    const raw = typeof text === 'string' ? text : undefined;
    if (raw === undefined || raw === '') {
      ctx.report(path, 'expected a non-empty regular expression string', value);
      return undefined;
    }
    const insensitive = raw.startsWith('(?i)');
    try {
      return new RegExp(insensitive ? raw.slice(4) : raw, insensitive ? 'ui' : 'u');
    } catch (error) {
      ctx.report(path, `invalid regular expression: ${(error as Error).message}`, value);
      return undefined;
    }
  });
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
