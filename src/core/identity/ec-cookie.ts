/**
 * The `ts-ec` cookie (upstream `ec/cookies.rs`): set once, when an ID is minted, on the publisher's
 * apex domain (`publisher.domain`, not `cookie_domain`), so every subdomain of the site shares it.
 * `HttpOnly`: page scripts get the ID from `/_ts/api/v1/identify` instead, and an XSS cannot read
 * it.
 */
import type { Cookies } from '../http/cookies.ts';
import { isValidEcId } from './ec-id.ts';

export const EC_COOKIE = 'ts-ec';

/** One year, the identity graph entry's TTL. */
const MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

/** RFC 6265 `cookie-octet`: printable ASCII without space, `"`, `,`, `;` and `\`. */
const COOKIE_OCTETS = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]+$/;
/** What an ID may be made of: the format's characters, plus `_` and `-` as upstream allows. */
const ID_CHARACTERS = /^[A-Za-z0-9._-]+$/;

function cookieString(value: string, publisherDomain: string, maxAge: number): string {
  const domain = publisherDomain.replace(/^\./, '');
  return `${EC_COOKIE}=${value}; Domain=.${domain}; Path=/; Secure; SameSite=Lax; Max-Age=${maxAge}; HttpOnly`;
}

/**
 * The `Set-Cookie` value for an ID, or null when the value could smuggle attributes or headers
 * into the line (`;`, CR/LF, spaces, quotes…): then no cookie is set at all. Stricter than upstream,
 * which strips characters outside [A-Za-z0-9._-] and sets what is left: a cookie the graph has no
 * entry for is worse than none.
 */
export function ecSetCookie(id: string, publisherDomain: string): string | null {
  if (!COOKIE_OCTETS.test(id) || !ID_CHARACTERS.test(id)) return null;
  return cookieString(id, publisherDomain, MAX_AGE_SECONDS);
}

/** Deletes the cookie (consent withdrawn): the same attributes, an empty value, `Max-Age=0`. */
export function ecExpireCookie(publisherDomain: string): string {
  return cookieString('', publisherDomain, 0);
}

export interface EcCookie {
  /**
   * The cookie's value when it is made of [A-Za-z0-9._-]: kept only so a withdrawal can tombstone
   * whatever ID the browser held, even one this version would not accept as active.
   */
  raw?: string;
  /** The value when it is a well-formed ID: the ID this request carries. */
  active?: string;
}

export function readEcCookie(cookies: Cookies): EcCookie {
  const value = cookies.get(EC_COOKIE);
  if (value === undefined || !ID_CHARACTERS.test(value)) return {};
  return isValidEcId(value) ? { raw: value, active: value } : { raw: value };
}
