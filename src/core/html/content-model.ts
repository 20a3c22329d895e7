/**
 * What the tree builder would tell the tokenizer: which elements switch it into RCDATA, RAWTEXT,
 * script data or PLAINTEXT, and whether we are inside SVG/MathML ("foreign content", where those
 * switches do not happen and `<![CDATA[` sections exist). A small stack stands in for the tree:
 * it tracks only what is open inside `<svg>`/`<math>`, so ordinary pages pay nothing.
 */

export const TextMode = {
  Data: 0,
  RcData: 1,
  RawText: 2,
  ScriptData: 3,
  PlainText: 4,
} as const;
export type TextMode = (typeof TextMode)[keyof typeof TextMode];

export function textModeFor(tagName: string): TextMode {
  switch (tagName) {
    case 'script':
      return TextMode.ScriptData;
    case 'style':
    case 'xmp':
    case 'iframe':
    case 'noembed':
    case 'noframes':
      return TextMode.RawText;
    case 'title':
    case 'textarea':
      return TextMode.RcData;
    case 'plaintext':
      return TextMode.PlainText;
    default:
      return TextMode.Data;
  }
}

/** HTML start tags that break out of foreign content (tree construction, "in foreign content"). */
const BREAKOUT = new Set(
  'b big blockquote body br center code dd div dl dt em embed h1 h2 h3 h4 h5 h6 head hr i img li listing menu meta nobr ol p pre ruby s small span strong strike sub sup table tt u ul var'.split(
    ' ',
  ),
);
const SVG_INTEGRATION = new Set(['foreignobject', 'desc', 'title']);
const MATH_INTEGRATION = new Set(['mi', 'mo', 'mn', 'ms', 'mtext']);

interface Open {
  name: string;
  foreign: boolean;
  /** An HTML integration point: its content is parsed as HTML. */
  integration: boolean;
}

export class ForeignContent {
  #stack: Open[] = [];
  /** Open elements tracked; 0 on ordinary pages outside `<svg>`/`<math>`. */
  depth = 0;

  /** Are start tags here HTML elements (so `<script>` switches to script data)? */
  get htmlContext(): boolean {
    if (this.depth === 0) return true;
    const top = this.#stack[this.#stack.length - 1];
    return top === undefined || !top.foreign || top.integration;
  }

  /** `<![CDATA[` is a CDATA section only when the current node is not an HTML element. */
  get cdataAllowed(): boolean {
    if (this.depth === 0) return false;
    const top = this.#stack[this.#stack.length - 1];
    return top !== undefined && top.foreign;
  }

  /** Returns true when this start tag is an HTML element (so its text mode applies). */
  startTag(name: string, selfClosing: boolean, hasFontBreakoutAttr: boolean): boolean {
    if (this.depth === 0 && name !== 'svg' && name !== 'math') return true;
    const result = this.#startTag(name, selfClosing, hasFontBreakoutAttr);
    this.depth = this.#stack.length;
    return result;
  }

  #startTag(name: string, selfClosing: boolean, hasFontBreakoutAttr: boolean): boolean {
    const stack = this.#stack;
    if (this.htmlContext) {
      if (name === 'svg' || name === 'math') {
        if (!selfClosing) stack.push({ name, foreign: true, integration: false });
        return false;
      }
      if (stack.length > 0 && !selfClosing && textModeFor(name) === TextMode.Data) {
        stack.push({ name, foreign: false, integration: false });
      }
      return true;
    }
    if (BREAKOUT.has(name) || (name === 'font' && hasFontBreakoutAttr)) {
      while (stack.length > 0 && this.#top().foreign && !this.#top().integration) stack.pop();
      return this.#startTag(name, selfClosing, false);
    }
    if (!selfClosing) {
      const parent = this.#top();
      const math = this.#rootIs('math');
      const integration = math ? MATH_INTEGRATION.has(name) : SVG_INTEGRATION.has(name);
      stack.push({ name, foreign: parent.foreign || name === 'svg', integration });
    }
    return false;
  }

  endTag(name: string): void {
    const stack = this.#stack;
    for (let i = stack.length - 1; i >= 0; i--) {
      if ((stack[i] as Open).name === name) {
        stack.length = i;
        this.depth = i;
        return;
      }
    }
  }

  #top(): Open {
    return this.#stack[this.#stack.length - 1] as Open;
  }

  #rootIs(name: string): boolean {
    for (let i = this.#stack.length - 1; i >= 0; i--) {
      const open = this.#stack[i] as Open;
      if (open.name === 'svg' || open.name === 'math') return open.name === name;
    }
    return false;
  }
}
