/**
 * Key IDs: which ones an operator may create, how `active-kids` is read, and the kid a rotation
 * picks when none is given.
 */

import { TsError } from '../errors.ts';

export const MAX_KID_LENGTH = 128;

const KID_CHARACTERS = /^[A-Za-z0-9\-_.:]+$/;
const STARTS_LOWERCASE = /^[a-z]/;
const RESERVED_KIDS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Why `kid` cannot name a key, or undefined when it can. Any kid we may look up (deactivate,
 * delete, verify): 1 to 128 characters of `[A-Za-z0-9-_.:]`, which keeps it safe as a store key
 * and inside the comma-separated `active-kids` list; and none of `__proto__`, `constructor`,
 * `prototype`, which name an object's machinery when used as a property key.
 */
export function kidFormatProblem(kid: string): string | undefined {
  if (kid.length === 0 || kid.length > MAX_KID_LENGTH) {
    return `kid must be 1..=${MAX_KID_LENGTH} characters`;
  }
  if (!KID_CHARACTERS.test(kid)) {
    return "kid must contain only ASCII alphanumerics, '-', '_', '.', ':'";
  }
  if (RESERVED_KIDS.has(kid)) return `kid must not be '${kid}'`;
  return undefined;
}

/** As `kidFormatProblem`, plus the rule for kids a rotation may create: a lowercase first letter. */
export function newKidProblem(kid: string): string | undefined {
  const problem = kidFormatProblem(kid);
  if (problem !== undefined) return problem;
  return STARTS_LOWERCASE.test(kid) ? undefined : 'kid must start with a lowercase ASCII letter';
}

/** Throws `bad_request` (the kid came from an admin request) naming the rule it breaks. */
export function assertCreatableKid(kid: string): void {
  const problem = newKidProblem(kid);
  if (problem !== undefined) {
    throw new TsError('bad_request', problem, { publicMessage: `Bad request: ${problem}` });
  }
}

/** The `active-kids` config value: comma-separated, entries trimmed, empty entries dropped. */
export function parseActiveKids(value: string): string[] {
  return value
    .split(',')
    .map((kid) => kid.trim())
    .filter((kid) => kid.length > 0);
}

/** `ts-YYYY-MM-DD` of the UTC day of `nowMs`. */
export function dateKid(nowMs: number): string {
  return `ts-${new Date(nowMs).toISOString().slice(0, 10)}`;
}

/** Enough that only a broken random source could exhaust it. */
const MAX_SUFFIX_ATTEMPTS = 8;

/**
 * The kid a rotation without an explicit kid creates: today's date kid, or, when a key of that
 * name already exists (a second rotation the same day), the date kid plus `-` and a UUID in hex
 * without dashes (the form upstream writes). `existing` is every kid known to the stores, active
 * or not, since a kid must never name two different keys.
 */
export function nextKid(
  existing: Iterable<string>,
  nowMs: number,
  randomUuid: () => string,
): string {
  const taken = new Set(existing);
  const base = dateKid(nowMs);
  if (!taken.has(base)) return base;
  for (let attempt = 0; attempt < MAX_SUFFIX_ATTEMPTS; attempt++) {
    const candidate = `${base}-${randomUuid().replaceAll('-', '').toLowerCase()}`;
    if (!taken.has(candidate)) return candidate;
  }
  throw new TsError('internal', `no unused kid after ${MAX_SUFFIX_ATTEMPTS} random suffixes`);
}
