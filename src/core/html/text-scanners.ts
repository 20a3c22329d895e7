/**
 * Finding where RCDATA, RAWTEXT and script text ends, per the WHATWG tokenizer: at the first
 * "appropriate end tag" (`</name` followed by whitespace, `/` or `>`), with script data's escaped
 * and double-escaped states (`<!-- <script> … </script> -->` does not end the outer script).
 *
 * Every scanner is resumable across chunks. When a decision needs bytes that have not arrived yet
 * (say the chunk ends in `</scr`), it reports {@link NEED_MORE} and the position to resume from,
 * leaving its state untouched so the same bytes can be looked at again with more after them.
 */
import { BANG, DASH, GT, isSpace, LT, SLASH, toLower } from './tokenizer-bytes.ts';
import { indexOfByte } from '../bytes/byte-search.ts';

export const END_OF_INPUT = -1;
export const NEED_MORE = -2;

export interface ScanResult {
  /** With NEED_MORE: where the undecided bytes start. */
  resumeAt: number;
}

const SCRIPT = Uint8Array.from('script', (c) => c.charCodeAt(0));

/**
 * `buf[at…]` is `</` + `name` + terminator? 1 yes, 0 no, -1 not decidable yet.
 * (`at` points at `<`.)
 */
function endTagAt(buf: Uint8Array, at: number, name: Uint8Array): number {
  return wordAt(buf, at + 2, name, buf[at + 1] === SLASH ? 1 : 0, at + 1);
}

/** `buf[start…]` is `word` + terminator? `gate` must be 1 (a precondition already checked). */
function wordAt(buf: Uint8Array, start: number, word: Uint8Array, gate: number, gateAt: number) {
  if (gateAt >= buf.length) return -1;
  if (gate !== 1) return 0;
  for (let i = 0; i < word.length; i++) {
    if (start + i >= buf.length) return -1;
    if (toLower(buf[start + i] as number) !== word[i]) return 0;
  }
  const after = start + word.length;
  if (after >= buf.length) return -1;
  const c = buf[after] as number;
  return c === GT || c === SLASH || isSpace(c) ? 1 : 0;
}

/** RCDATA / RAWTEXT: index of the `<` of the appropriate end tag, END_OF_INPUT or NEED_MORE. */
export function findEndTag(
  buf: Uint8Array,
  from: number,
  name: Uint8Array,
  out: ScanResult,
): number {
  let i = from;
  for (;;) {
    const lt = indexOfByte(buf, LT, i);
    if (lt === -1) return END_OF_INPUT;
    const found = endTagAt(buf, lt, name);
    if (found === 1) return lt;
    if (found === -1) {
      out.resumeAt = lt;
      return NEED_MORE;
    }
    i = lt + 1;
  }
}

export const ScriptState = {
  Normal: 0,
  Escaped: 1,
  EscapedDash: 2,
  EscapedDashDash: 3,
  Double: 4,
  DoubleDash: 5,
  DoubleDashDash: 6,
} as const;
export type ScriptState = (typeof ScriptState)[keyof typeof ScriptState];

export interface ScriptScan extends ScanResult {
  state: ScriptState;
}

/**
 * Script data: index of the `<` of the end tag that ends the script (`</script…`, or `</name`
 * for the element named by `endName`), END_OF_INPUT or NEED_MORE.
 */
export function scanScript(
  buf: Uint8Array,
  from: number,
  st: ScriptScan,
  endName: Uint8Array = SCRIPT,
): number {
  const len = buf.length;
  let i = from;
  let state: ScriptState = st.state;
  while (i < len) {
    if (state === ScriptState.Normal) {
      const lt = indexOfByte(buf, LT, i);
      if (lt === -1) break;
      if (lt + 1 >= len) return needMore(st, state, lt);
      const next = buf[lt + 1] as number;
      if (next === SLASH) {
        const found = endTagAt(buf, lt, endName);
        if (found === 1) return done(st, state, lt);
        if (found === -1) return needMore(st, state, lt);
        i = lt + 2;
      } else if (next === BANG) {
        if (lt + 3 >= len) return needMore(st, state, lt);
        if (buf[lt + 2] === DASH && buf[lt + 3] === DASH) {
          state = ScriptState.EscapedDashDash;
          i = lt + 4;
        } else i = lt + 2;
      } else i = lt + 1;
      continue;
    }

    const c = buf[i] as number;
    const double = state >= ScriptState.Double;
    if (c === DASH) {
      if (state === ScriptState.Escaped || state === ScriptState.Double) state++;
      else if (state === ScriptState.EscapedDash || state === ScriptState.DoubleDash) state++;
      i++;
    } else if (c === GT) {
      state =
        state === ScriptState.EscapedDashDash || state === ScriptState.DoubleDashDash
          ? ScriptState.Normal
          : double
            ? ScriptState.Double
            : ScriptState.Escaped;
      i++;
    } else if (c === LT) {
      if (i + 1 >= len) return needMore(st, state, i);
      const next = buf[i + 1] as number;
      if (!double) {
        if (next === SLASH) {
          const found = endTagAt(buf, i, endName);
          if (found === 1) return done(st, state, i);
          if (found === -1) return needMore(st, state, i);
        } else {
          const opens = wordAt(buf, i + 1, SCRIPT, 1, i + 1);
          if (opens === -1) return needMore(st, state, i);
          if (opens === 1) {
            state = ScriptState.Double;
            i += 8; // `<script` and its terminator
            continue;
          }
        }
        state = ScriptState.Escaped;
      } else {
        const closes = endTagAt(buf, i, SCRIPT);
        if (closes === -1 && next === SLASH) return needMore(st, state, i);
        if (closes === 1) {
          state = ScriptState.Escaped;
          i += 9; // `</script` and its terminator
          continue;
        }
        state = ScriptState.Double;
      }
      i++;
    } else {
      state = double ? ScriptState.Double : ScriptState.Escaped;
      i++;
    }
  }
  st.state = state;
  return END_OF_INPUT;
}

function needMore(st: ScriptScan, state: ScriptState, at: number): number {
  st.state = state;
  st.resumeAt = at;
  return NEED_MORE;
}

function done(st: ScriptScan, state: ScriptState, at: number): number {
  st.state = state;
  return at;
}
