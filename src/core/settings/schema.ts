/**
 * A small, typed schema language for the configuration.
 *
 * Why not a general validation library: configuration errors here must name the exact key path,
 * suggest the nearest known key for a typo, say which environment variable a value came from,
 * coerce environment strings by the *target* type (an env var is always a string), and never echo
 * a secret. Expressing those four rules on top of a generic validator took more code than this file.
 */
import { Secret } from './secret.ts';
import { nearest } from './suggest.ts';

/** A value that came from a `TRUSTED_SERVER__…` environment variable: always a string. */
export class EnvValue {
  readonly raw: string;
  readonly variable: string;
  constructor(raw: string, variable: string) {
    this.raw = raw;
    this.variable = variable;
  }
}

export interface Issue {
  path: string;
  message: string;
  /** The environment variable the bad value came from, when it came from one. */
  variable?: string;
}

export class ParseContext {
  readonly issues: Issue[] = [];
  /** Accepted but worth telling the operator (a clamped value, a key with no effect). */
  readonly warnings: Issue[] = [];

  report(path: string, message: string, value?: unknown): void {
    const issue: Issue = { path, message };
    if (value instanceof EnvValue) issue.variable = value.variable;
    this.issues.push(issue);
  }

  warn(path: string, message: string): void {
    this.warnings.push({ path, message });
  }
}

/**
 * What a field holds, for tools that walk the schema itself rather than a parsed value (the
 * documentation check lists every key from here).
 */
export type FieldMeta =
  | { readonly kind: 'leaf' }
  | { readonly kind: 'object'; readonly shape: Shape }
  | { readonly kind: 'array'; readonly item: Field<unknown> }
  | { readonly kind: 'map'; readonly value: Field<unknown> };

const LEAF: FieldMeta = { kind: 'leaf' };

/** Problems and warnings found by a cross-key rule ({@link FieldBuilder.refine}). */
export interface RuleReport {
  /** An error at `key` (relative to the checked value; `undefined` for the value itself). */
  error(key: string | undefined, message: string): void;
  warn(key: string | undefined, message: string): void;
}

/** Parses one raw value (from TOML or the environment) into a typed one. */
export interface Field<T> {
  readonly description: string;
  readonly secret: boolean;
  /** Value used when the key is absent. `undefined` with `required` means "must be given". */
  readonly fallback: (() => T) | undefined;
  readonly required: boolean;
  readonly meta: FieldMeta;
  parse(value: unknown, path: string, ctx: ParseContext): T | undefined;
}

export type Infer<F> = F extends Field<infer T> ? T : never;

const INVALID = undefined;

type ParseFn<T> = (value: unknown, path: string, ctx: ParseContext) => T | undefined;

interface FieldSpec<T> {
  description: string;
  parse: ParseFn<T>;
  secret: boolean;
  fallback: (() => T) | undefined;
  required: boolean;
  meta: FieldMeta;
}

export function makeFieldFrom<T>(
  description: string,
  parse: ParseFn<T>,
  secret = false,
  meta: FieldMeta = LEAF,
): FieldBuilder<T> {
  return new FieldBuilder<T>({
    description,
    parse,
    secret,
    fallback: undefined,
    required: true,
    meta,
  });
}

/** Fluent wrapper so schemas read `str().default('x')`, `int({ min: 1 }).optional()`. */
export class FieldBuilder<T> implements Field<T> {
  readonly description: string;
  readonly secret: boolean;
  readonly fallback: (() => T) | undefined;
  readonly required: boolean;
  readonly meta: FieldMeta;
  readonly #spec: FieldSpec<T>;

  constructor(spec: FieldSpec<T>) {
    this.#spec = spec;
    this.description = spec.description;
    this.secret = spec.secret;
    this.fallback = spec.fallback;
    this.required = spec.required;
    this.meta = spec.meta;
  }

  parse(value: unknown, path: string, ctx: ParseContext): T | undefined {
    return this.#spec.parse(value, path, ctx);
  }

  #with<U>(changes: Partial<FieldSpec<U>>): FieldBuilder<U> {
    return new FieldBuilder<U>({ ...(this.#spec as unknown as FieldSpec<U>), ...changes });
  }

  default(value: T | (() => T)): FieldBuilder<T> {
    const fallback = typeof value === 'function' ? (value as () => T) : () => value;
    return this.#with<T>({ fallback, required: false });
  }

  /** For tables: when absent, behave as if written empty (so every key takes its default). */
  orEmpty(): FieldBuilder<T> {
    const parse = this.#spec.parse;
    return this.#with<T>({
      fallback: () => {
        const value = parse({}, '', new ParseContext());
        if (value === INVALID) throw new Error(`${this.description} has no complete default`);
        return value;
      },
      required: false,
    });
  }

  optional(): FieldBuilder<T | undefined> {
    return this.#with<T | undefined>({ fallback: () => undefined, required: false });
  }

  /** Adds a check run after a successful parse; return an error message or nothing. */
  check(test: (value: T) => string | undefined): FieldBuilder<T> {
    const parse = this.#spec.parse;
    return this.#with<T>({
      parse: (value, path, ctx) => {
        const parsed = parse(value, path, ctx);
        if (parsed === INVALID) return INVALID;
        const problem = test(parsed);
        if (problem !== undefined) {
          ctx.report(path, problem, value);
          return INVALID;
        }
        return parsed;
      },
    });
  }

  /**
   * Adds a rule across several keys of a parsed table, run after its own keys parsed cleanly.
   * Errors name the key they are about (`partners[1].api_token`), relative to this value.
   */
  refine(rule: (value: T, report: RuleReport) => void): FieldBuilder<T> {
    const parse = this.#spec.parse;
    return this.#with<T>({
      parse: (value, path, ctx) => {
        const parsed = parse(value, path, ctx);
        if (parsed === INVALID) return INVALID;
        let failed = false;
        rule(parsed, {
          error(key, message) {
            failed = true;
            const at = key === undefined ? path : joinKey(path, key);
            ctx.report(at, message, key === undefined ? value : envLeafAt(value, key));
          },
          warn(key, message) {
            ctx.warn(key === undefined ? path : joinKey(path, key), message);
          },
        });
        return failed ? INVALID : parsed;
      },
    });
  }

  /** Reshapes a parsed value (an alias folded into its canonical key, a name normalised). */
  transform<U>(change: (value: T) => U): FieldBuilder<U> {
    const parse = this.#spec.parse;
    const fallback = this.#spec.fallback;
    return this.#with<U>({
      parse: (value, path, ctx) => {
        const parsed = parse(value, path, ctx);
        return parsed === INVALID ? INVALID : change(parsed);
      },
      fallback: fallback === undefined ? undefined : () => change(fallback()),
    });
  }
}

/** `key` may itself be a path (`partners[1].api_token`); array indexes join without a dot. */
function joinKey(path: string, key: string): string {
  return key.startsWith('[') || path === '' ? `${path}${key}` : `${path}.${key}`;
}

/** The raw value at a relative key path, when it came from the environment (for the message). */
function envLeafAt(value: unknown, key: string): EnvValue | undefined {
  let node: unknown = value;
  for (const part of key.replace(/\[(\d+)\]/g, '.$1').split('.')) {
    if (part === '') continue;
    if (node instanceof EnvValue) return node;
    if (Array.isArray(node)) node = node[Number(part)];
    else if (isPlainObject(node)) node = node[part];
    else return undefined;
  }
  return node instanceof EnvValue ? node : firstEnvLeaf(node);
}

/** The value as written: an environment value's text, anything else unchanged. */
export function unwrap(value: unknown): unknown {
  return value instanceof EnvValue ? value.raw : value;
}

function describeValue(value: unknown): string {
  const raw = unwrap(value);
  if (Array.isArray(raw)) return 'an array';
  if (raw === null) return 'null';
  if (typeof raw === 'object') return 'a table';
  if (typeof raw === 'string') return `the string ${JSON.stringify(truncate(raw))}`;
  return `${typeof raw} ${typeof raw === 'bigint' ? raw.toString() : JSON.stringify(raw)}`;
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function str(options: { nonEmpty?: boolean } = {}): FieldBuilder<string> {
  return makeFieldFrom('string', (value, path, ctx) => {
    const raw = unwrap(value);
    if (typeof raw !== 'string') {
      ctx.report(path, `expected a string, got ${describeValue(value)}`, value);
      return INVALID;
    }
    if ((options.nonEmpty ?? true) && raw.trim() === '') {
      ctx.report(path, 'must not be empty', value);
      return INVALID;
    }
    return raw;
  });
}

/** A string that must never be printed: parsed into a {@link Secret}. */
export function secret(): FieldBuilder<Secret> {
  return makeFieldFrom(
    'secret string',
    (value, path, ctx) => {
      const raw = unwrap(value);
      if (typeof raw !== 'string') {
        // Never echo the value of a secret field, even a mistyped one.
        ctx.report(path, 'expected a string (value hidden: secret)', value);
        return INVALID;
      }
      if (raw.trim() === '') {
        ctx.report(path, 'must not be empty', value);
        return INVALID;
      }
      return new Secret(raw);
    },
    true,
  );
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

/** `false`, or an environment value `bool()` reads as false. */
export function isFalseValue(value: unknown): boolean {
  if (value === false) return true;
  return value instanceof EnvValue && FALSE_WORDS.has(value.raw.trim().toLowerCase());
}

export function bool(): FieldBuilder<boolean> {
  return makeFieldFrom('boolean', (value, path, ctx) => {
    if (typeof value === 'boolean') return value;
    if (value instanceof EnvValue) {
      const word = value.raw.trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
    }
    ctx.report(path, `expected true or false, got ${describeValue(value)}`, value);
    return INVALID;
  });
}

export function int(options: { min?: number; max?: number } = {}): FieldBuilder<number> {
  return makeFieldFrom('integer', (value, path, ctx) => {
    let number: number | undefined;
    if (typeof value === 'number' || typeof value === 'bigint') number = Number(value);
    else if (value instanceof EnvValue && /^\s*-?\d+\s*$/.test(value.raw))
      number = Number(value.raw);
    if (number === undefined || !Number.isSafeInteger(number)) {
      ctx.report(path, `expected an integer, got ${describeValue(value)}`, value);
      return INVALID;
    }
    if (options.min !== undefined && number < options.min) {
      ctx.report(path, `must be at least ${options.min}, got ${number}`, value);
      return INVALID;
    }
    if (options.max !== undefined && number > options.max) {
      ctx.report(path, `must be at most ${options.max}, got ${number}`, value);
      return INVALID;
    }
    return number;
  });
}

export function num(options: { min?: number } = {}): FieldBuilder<number> {
  return makeFieldFrom('number', (value, path, ctx) => {
    let number: number | undefined;
    if (typeof value === 'number') number = value;
    else if (value instanceof EnvValue && value.raw.trim() !== '') number = Number(value.raw);
    if (number === undefined || !Number.isFinite(number)) {
      ctx.report(path, `expected a number, got ${describeValue(value)}`, value);
      return INVALID;
    }
    if (options.min !== undefined && number < options.min) {
      ctx.report(path, `must be at least ${options.min}, got ${number}`, value);
      return INVALID;
    }
    return number;
  });
}

/** An absolute http(s) URL, kept as the string the operator wrote. */
export function httpUrl(): FieldBuilder<string> {
  return str().check((text) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return `must be an absolute URL, got ${JSON.stringify(truncate(text))}`;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return `must be an http:// or https:// URL, got ${JSON.stringify(truncate(text))}`;
    }
    return undefined;
  });
}

/** A regular expression, compiled once at load so a bad pattern fails the start, not a request. */
export function regex(): FieldBuilder<RegExp> {
  return makeFieldFrom('regular expression', (value, path, ctx) => {
    const raw = unwrap(value);
    if (typeof raw !== 'string' || raw === '') {
      ctx.report(path, `expected a non-empty regular expression string`, value);
      return INVALID;
    }
    try {
      return new RegExp(raw, 'u');
    } catch (error) {
      ctx.report(path, `invalid regular expression: ${(error as Error).message}`, value);
      return INVALID;
    }
  });
}

export function oneOf<const T extends string>(choices: readonly T[]): FieldBuilder<T> {
  return makeFieldFrom(`one of ${choices.join(', ')}`, (value, path, ctx) => {
    const raw = unwrap(value);
    if (typeof raw === 'string' && (choices as readonly string[]).includes(raw)) return raw as T;
    const hint = typeof raw === 'string' ? nearest(raw, choices) : undefined;
    ctx.report(
      path,
      `expected one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, got ${describeValue(value)}` +
        (hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''),
      value,
    );
    return INVALID;
  });
}

/**
 * Any JSON-like value, passed through (for free-form blobs such as bidder params). A string stays
 * a string: from the environment, only a JSON object or array (text starting with `{` or `[`) is
 * parsed, so `"123"` or `"true"` is never silently turned into a number or a boolean.
 */
export function json(): FieldBuilder<unknown> {
  return makeFieldFrom('any value', (value, path, ctx) => {
    if (!(value instanceof EnvValue)) return value;
    const text = value.raw.trim();
    if (!text.startsWith('{') && !text.startsWith('[')) return value.raw;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.report(path, 'expected a JSON object or array', value);
      return INVALID;
    }
  });
}

/** A table of free keys and any values (bidder params, a browser options object). */
export function jsonObject(
  options: { nonEmpty?: boolean } = {},
): FieldBuilder<Record<string, unknown>> {
  return map(json()).check((table) =>
    options.nonEmpty === true && Object.keys(table).length === 0
      ? 'must not be an empty table'
      : undefined,
  );
}

/** Interprets an environment string as a list: a JSON array, or comma-separated items. */
function envList(value: EnvValue): unknown[] {
  const text = value.raw.trim();
  if (text.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed;
    } catch {
      // Not JSON: `[a, b]` is read as a bracketed comma list below.
    }
    return splitList(text.slice(1, text.endsWith(']') ? -1 : undefined), value.variable);
  }
  return splitList(text, value.variable);
}

function splitList(text: string, variable: string): EnvValue[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => new EnvValue(part, variable));
}

/** Indexed env form (`…__0=a`, `…__1=b`) arrives as an object with numeric keys. */
function indexedToArray(value: Record<string, unknown>): unknown[] | undefined {
  const keys = Object.keys(value);
  if (keys.length === 0 || !keys.every((key) => /^\d+$/.test(key))) return undefined;
  return keys.sort((a, b) => Number(a) - Number(b)).map((key) => value[key]);
}

export function array<T>(item: Field<T>): FieldBuilder<T[]> {
  const meta: FieldMeta = { kind: 'array', item };
  return makeFieldFrom(
    `array of ${item.description}`,
    (value, path, ctx) => {
      let items: unknown[] | undefined;
      if (Array.isArray(value)) items = value;
      else if (value instanceof EnvValue) {
        items = envList(value).map((entry) =>
          entry instanceof EnvValue ? entry : jsonToEnvLeaves(entry, value.variable),
        );
      } else if (isPlainObject(value)) items = indexedToArray(value);
      if (items === undefined) {
        ctx.report(path, `expected an array, got ${describeValue(value)}`, value);
        return INVALID;
      }
      const out: T[] = [];
      let ok = true;
      items.forEach((entry, index) => {
        const parsed = item.parse(entry, `${path}[${index}]`, ctx);
        if (parsed === INVALID && entry !== undefined) ok = false;
        else if (parsed !== INVALID) out.push(parsed);
      });
      return ok ? out : INVALID;
    },
    false,
    meta,
  );
}

/** A table of string → T whose keys are free (header names, bidder names). */
export function map<T>(valueField: Field<T>): FieldBuilder<Record<string, T>> {
  const meta: FieldMeta = { kind: 'map', value: valueField };
  return makeFieldFrom(
    `table of ${valueField.description}`,
    (value, path, ctx) => {
      let table: unknown = value;
      if (value instanceof EnvValue) {
        const text = value.raw.trim();
        if (text === '' || text === 'null') return {};
        try {
          table = jsonToEnvLeaves(JSON.parse(text), value.variable, true);
        } catch {
          table = undefined;
        }
        if (!isPlainObject(table)) {
          ctx.report(path, `expected a JSON object such as {"Name":"value"}`, value);
          return INVALID;
        }
      }
      if (!isPlainObject(table)) {
        ctx.report(path, `expected a table, got ${describeValue(value)}`, value);
        return INVALID;
      }
      const out: Record<string, T> = {};
      let ok = true;
      for (const [key, entry] of Object.entries(table)) {
        const parsed = valueField.parse(entry, `${path}.${key}`, ctx);
        if (parsed === INVALID) ok = false;
        else out[key] = parsed;
      }
      return ok ? out : INVALID;
    },
    false,
    meta,
  );
}

/** Strings inside a JSON value from the environment keep their env origin for error messages. */
function jsonToEnvLeaves(value: unknown, variable: string, keepStrings = false): unknown {
  if (typeof value === 'string') return keepStrings ? value : new EnvValue(value, variable);
  if (Array.isArray(value))
    return value.map((entry) => jsonToEnvLeaves(entry, variable, keepStrings));
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, entry]) => [
        key,
        jsonToEnvLeaves(entry, variable, keepStrings),
      ]),
    );
  }
  return value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof EnvValue)
  );
}

export type Shape = Record<string, Field<unknown>>;
export type InferShape<S extends Shape> = { [K in keyof S]: Infer<S[K]> };

/**
 * A table with a fixed set of keys. Unknown keys are errors that name the nearest known key, so
 * a typo never silently disables a feature.
 */
export function object<S extends Shape>(
  shape: S,
  description = 'table',
  options: ObjectOptions = {},
): FieldBuilder<InferShape<S>> {
  const known = Object.keys(shape);
  const retired = options.retired ?? {};
  const meta: FieldMeta = { kind: 'object', shape };
  return makeFieldFrom(
    description,
    (value, path, ctx) => {
      let table: unknown = value;
      if (value instanceof EnvValue) {
        try {
          table = jsonToEnvLeaves(JSON.parse(value.raw), value.variable);
        } catch {
          table = undefined;
        }
      }
      if (!isPlainObject(table)) {
        ctx.report(path, `expected a table, got ${describeValue(value)}`, value);
        return INVALID;
      }
      let ok = true;
      for (const key of Object.keys(table)) {
        if (Object.hasOwn(shape, key)) continue;
        const entry = table[key];
        const retirement = Object.hasOwn(retired, key) ? retired[key] : undefined;
        if (retirement !== undefined) {
          ctx.report(
            join(path, key),
            retirement,
            entry instanceof EnvValue ? entry : firstEnvLeaf(entry),
          );
          ok = false;
          continue;
        }
        const hint = nearest(key, known);
        ctx.report(
          join(path, key),
          `unknown key` +
            (hint ? `; did you mean "${hint}"?` : `; known keys: ${known.join(', ')}`),
          entry instanceof EnvValue ? entry : firstEnvLeaf(entry),
        );
        ok = false;
      }
      const out: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(shape)) {
        const entry = table[key];
        const keyPath = join(path, key);
        if (entry === undefined) {
          if (field.fallback) out[key] = field.fallback();
          else if (field.required) {
            ctx.report(keyPath, `missing required ${field.description}`);
            ok = false;
          }
          continue;
        }
        const parsed = field.parse(entry, keyPath, ctx);
        if (parsed === INVALID) ok = false;
        else out[key] = parsed;
      }
      return ok ? (out as InferShape<S>) : INVALID;
    },
    false,
    meta,
  );
}

export interface ObjectOptions {
  /**
   * Keys this table no longer takes, each with the message that says what to write instead. They
   * are errors like unknown keys, but never answered with a "did you mean" guess.
   */
  retired?: Readonly<Record<string, string>>;
}

/** The first value in `value` (a table, at any depth) that came from the environment. */
export function firstEnvLeaf(value: unknown): EnvValue | undefined {
  if (value instanceof EnvValue) return value;
  if (isPlainObject(value)) {
    for (const entry of Object.values(value)) {
      const leaf = firstEnvLeaf(entry);
      if (leaf) return leaf;
    }
  }
  return undefined;
}

export function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
