/**
 * What follows a `<` in the data state (tag open, end tag open, markup declaration open), and the
 * resumable scanners for comments, bogus comments, doctypes and CDATA sections. None of these
 * carry handlers, so they stream through without being held.
 */
import {
  BANG,
  DASH,
  GT,
  isAlpha,
  isFoldedPrefix,
  QUESTION,
  RBRACKET,
  SLASH,
} from './tokenizer-bytes.ts';
import { indexOfByte } from '../bytes/byte-search.ts';

export const Markup = {
  Text: 0,
  StartTag: 1,
  EndTag: 2,
  Comment: 3,
  Bogus: 4,
  CData: 5,
  EmptyEndTag: 6,
  NeedMore: 7,
} as const;
export type Markup = (typeof Markup)[keyof typeof Markup];

const DOCTYPE = Uint8Array.from('doctype', (c) => c.charCodeAt(0));
const CDATA = Uint8Array.from('[CDATA[', (c) => c.charCodeAt(0));

/** Classifies the construct starting at `buf[lt] === '<'`. */
export function classifyMarkup(buf: Uint8Array, lt: number, cdataAllowed: boolean): Markup {
  const len = buf.length;
  if (lt + 1 >= len) return Markup.NeedMore;
  const c = buf[lt + 1] as number;
  if (isAlpha(c)) return Markup.StartTag;
  if (c === SLASH) {
    if (lt + 2 >= len) return Markup.NeedMore;
    const d = buf[lt + 2] as number;
    if (isAlpha(d)) return Markup.EndTag;
    return d === GT ? Markup.EmptyEndTag : Markup.Bogus;
  }
  if (c === QUESTION) return Markup.Bogus;
  if (c !== BANG) return Markup.Text;
  // Markup declaration open: `<!--`, `<!DOCTYPE` (any case), `<![CDATA[` (exact case).
  const rest = len - (lt + 2);
  if (rest < 2 && (rest === 0 || buf[lt + 2] === DASH)) return Markup.NeedMore;
  if (buf[lt + 2] === DASH && buf[lt + 3] === DASH) return Markup.Comment;
  if (rest < 7) {
    const couldBeDoctype = isFoldedPrefix(buf, lt + 2, DOCTYPE);
    const couldBeCData = cdataAllowed && isExactPrefix(buf, lt + 2, CDATA);
    if (couldBeDoctype || couldBeCData) return Markup.NeedMore;
    return Markup.Bogus;
  }
  if (cdataAllowed && isExactPrefix(buf, lt + 2, CDATA)) return Markup.CData;
  // A doctype, and any other `<!…>`, ends at the first `>`.
  return Markup.Bogus;
}

function isExactPrefix(buf: Uint8Array, at: number, word: Uint8Array): boolean {
  const n = Math.min(word.length, buf.length - at);
  for (let i = 0; i < n; i++) if (buf[at + i] !== word[i]) return false;
  return true;
}

/** Bogus comment or doctype: ends at the first `>`. Returns the index past it, or -1. */
export function scanBogus(buf: Uint8Array, from: number): number {
  const gt = buf.indexOf(GT, from);
  return gt === -1 ? -1 : gt + 1;
}

/** CDATA section: ends at `]]>`; `brackets` carries how many `]` ended the previous chunk. */
export function scanCData(buf: Uint8Array, from: number, brackets: number) {
  let seen = brackets;
  for (let i = from; i < buf.length; i++) {
    const c = buf[i] as number;
    if (c === RBRACKET) seen++;
    else if (c === GT && seen >= 2) return { end: i + 1, brackets: 0 };
    else seen = 0;
  }
  return { end: -1, brackets: seen };
}

const Phase = { Start: 0, StartDash: 1, Body: 2, EndDash: 3, End: 4, EndBang: 5 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

/**
 * The comment states after `<!--`: ends at `-->` or `--!>`, or at once for `<!-->` and `<!--->`.
 * (The "less-than sign" comment states only raise parse errors; they never move the end.)
 */
export class CommentScan {
  #phase: Phase = Phase.Start;

  reset(): void {
    this.#phase = Phase.Start;
  }

  /** Returns the index past the comment's end, or -1 when the buffer ended first. */
  scan(buf: Uint8Array, from: number): number {
    let phase: Phase = this.#phase;
    let i = from;
    const len = buf.length;
    while (i < len) {
      const c = buf[i] as number;
      switch (phase) {
        case Phase.Start:
        case Phase.StartDash:
          if (c === GT) return this.#done(i);
          if (c === DASH) {
            phase = phase === Phase.Start ? Phase.StartDash : Phase.End;
            i++;
          } else phase = Phase.Body;
          break;
        case Phase.Body: {
          const dash = indexOfByte(buf, DASH, i);
          if (dash === -1) {
            i = len;
            break;
          }
          phase = Phase.EndDash;
          i = dash + 1;
          break;
        }
        case Phase.EndDash:
          if (c === DASH) {
            phase = Phase.End;
            i++;
          } else phase = Phase.Body;
          break;
        case Phase.End:
          if (c === GT) return this.#done(i);
          if (c === BANG) {
            phase = Phase.EndBang;
            i++;
          } else if (c === DASH) i++;
          else phase = Phase.Body;
          break;
        case Phase.EndBang:
          if (c === GT) return this.#done(i);
          if (c === DASH) {
            phase = Phase.EndDash;
            i++;
          } else phase = Phase.Body;
          break;
      }
    }
    this.#phase = phase;
    return -1;
  }

  #done(gt: number): number {
    this.#phase = Phase.Start;
    return gt + 1;
  }
}
