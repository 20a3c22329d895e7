/**
 * The streaming HTML rewriter: bytes in, bytes out, as soon as each byte's fate is decided.
 *
 * It tokenizes only as far as deciding *where tags are* requires (WHATWG tokenizer states, see
 * tag-scanner.ts, text-scanners.ts, markup.ts) and emits every untouched run of input as a
 * sub-array of that input. A tag split across chunks is the only thing held back (up to
 * `maxTagBytes`; longer tags pass through unchanged); `<script>`/`<style>` text is held only when a
 * text handler asked for it whole (up to `maxTextBytes`) — a text stream gets it piece by piece
 * instead, and holds only what it chooses to. Output is identical for every chunking.
 *
 * Handlers may return promises: output stops at that point (everything before it already
 * emitted), `write()` returns a promise, and processing resumes when it settles.
 */
import type { Logger } from '../log.ts';
import { concatBytes } from '../bytes/byte-arrays.ts';
import { foldedName, LT } from './tokenizer-bytes.ts';
import { ForeignContent, TextMode, textModeFor } from './content-model.ts';
import type {
  AttributeRewrite,
  Awaitable,
  DocumentEndHandler,
  EndTagHandler,
  HandlerSet,
  TextHandler,
  TextStreamHandler,
} from './api.ts';
import { DocumentEndView, ElementView, EndTagView } from './element.ts';
import { ElementText, TextRuleError } from './element-text.ts';
import { attributeChanges, AttributeRuleError } from './attribute-rules.ts';
import { ElementEnds } from './element-ends.ts';
import { OutputQueue } from './output-queue.ts';
import { compileSelector, HandlerRegistry, type Registered } from './handler-registry.ts';
import { classifyMarkup, CommentScan, Markup, scanBogus, scanCData } from './markup.ts';
import { parseTag, scanTag, ScanState, Tag } from './tag-scanner.ts';
import { encodeAttributeValue } from './text-codec.ts';
import { tagInfo, type TagInfo } from './tag-names.ts';
import { END_OF_INPUT, findEndTag, NEED_MORE, scanScript, ScriptState } from './text-scanners.ts';
import { indexOfByte } from '../bytes/byte-search.ts';

export interface HtmlRewriterOptions {
  /** Receives the output, one `Uint8Array` per batch of decided bytes. */
  output: (chunk: Uint8Array) => void;
  /** Document charset label (from `Content-Type`); UTF-16 documents pass through untouched. */
  encoding?: string;
  /** Longest tag kept for handlers; longer ones pass through unchanged. Default 1 MiB. */
  maxTagBytes?: number;
  /** Longest script/style text kept for a text handler; longer text passes through. Default 10 MiB. */
  maxTextBytes?: number;
  /**
   * The caller never changes a chunk after writing it: script and style text spanning chunks is
   * then held as views of them, not copied when each write returns (see text-buffer.ts).
   */
  stableChunks?: boolean;
  log?: Logger;
  /**
   * Start inside an element's text instead of at the top of a document (fragments, and the
   * html5lib conformance corpus' initial states). `lastStartTag` names the element.
   */
  initialState?: {
    state: 'rcdata' | 'rawtext' | 'script' | 'plaintext' | 'cdata';
    lastStartTag?: string;
  };
}

export class HtmlRewriterError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'HtmlRewriterError';
    this.offset = offset;
  }
}

const Mode = {
  Data: 0,
  Text: 1,
  Script: 2,
  PlainText: 3,
  Comment: 4,
  Bogus: 5,
  CData: 6,
  TagWait: 7,
  TagSkip: 8,
  Passthrough: 9,
} as const;
type Mode = (typeof Mode)[keyof typeof Mode];

const PAUSED = 1;
type Step = undefined | typeof PAUSED;
type Entry<T> = { selector: { source: string }; handler: (view: T) => Awaitable };

const NONE: never[] = [];
const SCRIPT_NAME = Uint8Array.from('script', (c) => c.charCodeAt(0));

export class HtmlRewriter {
  readonly #registry = new HandlerRegistry();
  readonly #emit: (chunk: Uint8Array) => void;
  readonly #utf8: boolean;
  readonly #maxTag: number;
  readonly #log: Logger | undefined;

  #mode: Mode = Mode.Data;
  #buf: Uint8Array = new Uint8Array(0);
  #pos = 0;
  /** Start of the current run of input that will be copied through unchanged. */
  #run = 0;
  /** Absolute offset of `#buf[0]` in the document, and all input received so far. */
  #base = 0;
  #received = 0;
  readonly #output: OutputQueue;
  /** Bytes held back for a decision that needs more input. */
  #carry: Uint8Array[] = [];
  #carryBytes = 0;
  #started = false;
  #ended = false;
  #failed: HtmlRewriterError | undefined;
  #pending: Promise<void> | undefined;
  #continuation: (() => Step) | undefined;
  /** Where the token whose handlers are running starts (for error offsets). */
  #tokenStart = 0;

  readonly #tag = new Tag();
  readonly #tagScan = { state: ScanState.Name as ScanState };
  #tagIsEnd = false;
  #tagName = '';
  readonly #foreign = new ForeignContent();
  readonly #ends = new ElementEnds();
  /** > 0 while inside an element a handler removed. */
  #suppressed = 0;
  #textEnd: Uint8Array = SCRIPT_NAME;
  readonly #script = { state: ScriptState.Normal as ScriptState, resumeAt: 0 };
  readonly #scan = { resumeAt: 0 };
  readonly #comment = new CommentScan();
  #cdataBrackets = 0;
  readonly #elementText: ElementText;

  constructor(options: HtmlRewriterOptions) {
    this.#emit = options.output;
    this.#output = new OutputQueue(options.output);
    const label = (options.encoding ?? 'utf-8').trim().toLowerCase();
    this.#utf8 = label === 'utf-8' || label === 'utf8' || label === 'unicode-1-1-utf-8';
    if (/^(utf-16|utf-16le|utf-16be|unicode|ucs-2)$/.test(label)) this.#mode = Mode.Passthrough;
    this.#maxTag = options.maxTagBytes ?? 1024 * 1024;
    this.#log = options.log;
    this.#elementText = new ElementText({
      output: (bytes) => this.#push(bytes),
      maxTextBytes: options.maxTextBytes ?? 10 * 1024 * 1024,
      stableChunks: options.stableChunks === true,
      utf8: this.#utf8,
      log: options.log,
    });
    const initial = options.initialState;
    if (initial && this.#mode !== Mode.Passthrough) {
      const modes = {
        rcdata: Mode.Text,
        rawtext: Mode.Text,
        script: Mode.Script,
        plaintext: Mode.PlainText,
        cdata: Mode.CData,
      } as const;
      this.#mode = modes[initial.state];
      this.#textEnd = Uint8Array.from(initial.lastStartTag ?? '', (c) => c.charCodeAt(0));
    }
  }

  /** Registers handlers for elements matching `selector` (see selectors.ts). */
  on(selector: string, handlers: HandlerSet): this {
    compileSelector(selector); // Reject a bad selector now, even with no handlers.
    if (handlers.element) this.#registry.addElement(selector, handlers.element);
    if (handlers.textStream) this.#registry.addTextStream(selector, handlers.textStream);
    else if (handlers.text) this.#registry.addText(selector, handlers.text);
    return this;
  }

  /**
   * Rewrites the value of `attribute` on every element carrying it (any case: `srcSet` is
   * `srcset`). `rewrite` gets the raw value and returns the new raw value, or undefined to keep
   * it. The fast path for URL rewriting: no element view is made for tags it leaves alone. Runs
   * before element handlers, which see the rewritten values. Synchronous only.
   */
  rewriteAttribute(attribute: string, rewrite: AttributeRewrite): this {
    this.#registry.addAttributeRule(attribute, rewrite);
    return this;
  }

  /** Handler for end tags named `name` (`*` for all), e.g. to insert before `</body>`. */
  onEndTag(name: string, handler: EndTagHandler): this {
    this.#registry.addEndTag(name, handler);
    return this;
  }

  /** Runs at the end of the document; may append HTML. */
  onDocumentEnd(handler: DocumentEndHandler): this {
    this.#registry.documentEnds.push(handler);
    return this;
  }

  write(chunk: Uint8Array): void | Promise<void> {
    this.#check();
    if (this.#ended) throw new Error('write() after end()');
    if (chunk.byteLength === 0) return;
    if (this.#mode === Mode.Passthrough) return this.#emit(chunk);
    if (!this.#started && !this.#sniff(chunk)) return;
    this.#load(chunk);
    const done = this.#drive(
      () => this.#process(),
      () => this.#process(),
    );
    if (done === undefined) return this.#elementText.keep();
    return done.then(() => this.#elementText.keep());
  }

  end(): void | Promise<void> {
    this.#check();
    if (this.#ended) return;
    this.#ended = true;
    if (this.#mode === Mode.Passthrough) return;
    if (!this.#started) {
      // Fewer than two bytes ever arrived: nothing to sniff and nothing to rewrite.
      this.#started = true;
      for (const piece of this.#carry) this.#emit(piece);
      this.#carry = [];
    }
    return this.#drive(
      () => this.#finish(),
      () => undefined,
    );
  }

  // ── driving ────────────────────────────────────────────────────────────────────────────────

  #check(): void {
    if (this.#failed) throw this.#failed;
    if (this.#pending) throw new Error('write()/end() called before the previous call settled');
  }

  /**
   * Runs `first`; if a handler paused it, emits what is decided, and when the handler settles
   * runs the rest of that token's work and then `next` (the main loop, for `write`).
   */
  #drive(first: () => Step, next: () => Step): void | Promise<void> {
    let result: Step;
    try {
      result = first();
    } catch (error) {
      throw this.#fail(error);
    }
    this.#flushOut();
    if (result !== PAUSED) return;
    return (this.#pending as Promise<void>).then(
      () => {
        this.#pending = undefined;
        const resume = this.#continuation as () => Step;
        this.#continuation = undefined;
        return this.#drive(() => (resume() === PAUSED ? PAUSED : next()), next);
      },
      (error: unknown) => {
        this.#pending = undefined;
        throw this.#fail(error);
      },
    );
  }

  #fail(error: unknown, where?: string): HtmlRewriterError {
    if (this.#failed) return this.#failed;
    if (error instanceof HtmlRewriterError) return (this.#failed = error);
    if (error instanceof TextRuleError) return this.#fail(error.cause, where ?? error.where);
    const message = error instanceof Error ? error.message : String(error);
    const offset = this.#base + this.#tokenStart;
    this.#failed = new HtmlRewriterError(
      `HTML rewriting failed at byte ${offset}${where ? ` in ${where}` : ''}: ${message}`,
      offset,
      error,
    );
    return this.#failed;
  }

  /** Runs handlers in order; a returned promise pauses, and `then` runs after the last one. */
  #call<T>(
    entries: ReadonlyArray<Entry<T>>,
    kind: string,
    view: T,
    then: () => Step,
    from = 0,
  ): Step {
    for (let i = from; i < entries.length; i++) {
      const entry = entries[i] as Entry<T>;
      let result: Awaitable;
      try {
        result = entry.handler(view);
      } catch (error) {
        throw this.#fail(error, `${kind} handler for "${entry.selector.source}"`);
      }
      if (result !== undefined && typeof result.then === 'function') {
        this.#pending = result.then(undefined, (error: unknown) => {
          throw this.#fail(error, `${kind} handler for "${entry.selector.source}"`);
        });
        this.#continuation = () => this.#call(entries, kind, view, then, i + 1);
        return PAUSED;
      }
    }
    return then();
  }

  /** Decides UTF-16 passthrough from a byte-order mark; holds a lone first byte. */
  #sniff(chunk: Uint8Array): boolean {
    const head = this.#carry.length > 0 ? concatBytes([...this.#carry, chunk]) : chunk;
    if (head.byteLength < 2) {
      this.#carry = [head.slice()];
      return false;
    }
    this.#started = true;
    this.#carry = [];
    if ((head[0] === 0xfe && head[1] === 0xff) || (head[0] === 0xff && head[1] === 0xfe)) {
      this.#mode = Mode.Passthrough;
      this.#emit(head);
      return false;
    }
    if (head !== chunk) {
      this.#carry = [head.subarray(0, head.byteLength - chunk.byteLength)];
      this.#carryBytes = this.#carry[0]?.byteLength ?? 0;
      this.#received += this.#carryBytes; // counted here: #load never saw them
    }
    return true;
  }

  /** Makes `#buf` the held-back bytes followed by `chunk` (or just `chunk` while a tag waits). */
  #load(chunk: Uint8Array): void {
    const chunkBase = this.#received;
    this.#received += chunk.byteLength;
    if (this.#carry.length > 0 && this.#mode !== Mode.TagWait) {
      this.#buf = concatBytes([...this.#carry, chunk]);
      this.#base = chunkBase - this.#carryBytes;
      this.#carry = [];
      this.#carryBytes = 0;
    } else {
      this.#buf = chunk;
      this.#base = chunkBase;
    }
    this.#pos = 0;
    this.#run = 0;
  }

  // ── output ─────────────────────────────────────────────────────────────────────────────────

  #push(bytes: Uint8Array): void {
    if (this.#suppressed === 0) this.#output.push(bytes);
  }

  #pushAll(parts: readonly Uint8Array[] | undefined): void {
    if (parts !== undefined) for (const part of parts) this.#push(part);
  }

  /** Sends `#buf[#run, upTo)` where it belongs: output, the text being collected, or nowhere. */
  #flushRun(upTo: number): void {
    if (upTo <= this.#run) return;
    const bytes = this.#buf.subarray(this.#run, upTo);
    this.#run = upTo;
    this.#toText(bytes);
  }

  /** Bytes of the current element's text (or document bytes, outside one) go where they belong. */
  #toText(bytes: Uint8Array): void {
    if (!this.#elementText.take(bytes)) this.#push(bytes);
  }

  #flushOut(): void {
    this.#output.flush();
  }

  /** Holds `#buf[from…]` back until more input arrives. */
  #holdFrom(from: number): void {
    this.#flushRun(from);
    this.#carry = [this.#buf.slice(from)];
    this.#carryBytes = this.#buf.byteLength - from;
    this.#run = this.#pos = this.#buf.byteLength;
  }

  // ── the main loop ──────────────────────────────────────────────────────────────────────────

  #process(): Step {
    // `#buf` can be replaced mid-loop (a waiting tag completes), so it is re-read every turn.
    while (this.#pos < this.#buf.byteLength) {
      const buf = this.#buf;
      const len = buf.byteLength;
      let step: Step;
      switch (this.#mode) {
        case Mode.Data:
          step = this.#data();
          break;
        case Mode.Text:
          step = this.#textUntil(findEndTag(buf, this.#pos, this.#textEnd, this.#scan));
          break;
        case Mode.Script:
          step = this.#textUntil(scanScript(buf, this.#pos, this.#script, this.#textEnd));
          break;
        case Mode.Comment: {
          const end = this.#comment.scan(buf, this.#pos);
          this.#pos = end === -1 ? len : end;
          if (end !== -1) this.#mode = Mode.Data;
          break;
        }
        case Mode.Bogus: {
          const end = scanBogus(buf, this.#pos);
          this.#pos = end === -1 ? len : end;
          if (end !== -1) this.#mode = Mode.Data;
          break;
        }
        case Mode.CData: {
          const scan = scanCData(buf, this.#pos, this.#cdataBrackets);
          this.#cdataBrackets = scan.brackets;
          this.#pos = scan.end === -1 ? len : scan.end;
          if (scan.end !== -1) this.#mode = Mode.Data;
          break;
        }
        case Mode.TagWait:
          step = this.#tagWait();
          break;
        case Mode.TagSkip: {
          const end = scanTag(buf, this.#pos, this.#tagScan);
          this.#pos = end === -1 ? len : end;
          if (end !== -1) this.#afterSkippedTag();
          break;
        }
        default: // PlainText: everything to the end is text.
          this.#pos = len;
      }
      if (step === PAUSED) return PAUSED;
    }
    this.#flushRun(this.#pos);
    return undefined;
  }

  /** Data state: stays here across tags (the common case) until the mode changes or input ends. */
  #data(): Step {
    const buf = this.#buf;
    const len = buf.byteLength;
    while (this.#mode === Mode.Data && this.#buf === buf) {
      const lt = indexOfByte(buf, LT, this.#pos);
      if (lt === -1) {
        this.#pos = len;
        return undefined;
      }
      // Fast path: `<` + letter is a start tag.
      const next = lt + 1 < len ? (buf[lt + 1] as number) | 0x20 : 0;
      const step = next >= 0x61 && next <= 0x7a ? this.#tagAt(lt, false) : this.#markupAt(lt);
      if (step === PAUSED) return PAUSED;
    }
    return undefined;
  }

  #markupAt(lt: number): Step {
    const buf = this.#buf;
    const foreign = this.#foreign;
    const kind = classifyMarkup(buf, lt, foreign.depth > 0 && foreign.cdataAllowed);
    switch (kind) {
      case Markup.NeedMore:
        this.#holdFrom(lt);
        return undefined;
      case Markup.StartTag:
        return this.#tagAt(lt, false);
      case Markup.EndTag:
        return this.#tagAt(lt, true);
      case Markup.Comment:
        this.#comment.reset();
        this.#pos = lt + 4;
        this.#mode = Mode.Comment;
        return undefined;
      case Markup.Bogus:
        this.#pos = lt + 2;
        this.#mode = Mode.Bogus;
        return undefined;
      case Markup.CData:
        this.#cdataBrackets = 0;
        this.#pos = lt + 9;
        this.#mode = Mode.CData;
        return undefined;
      case Markup.EmptyEndTag:
        this.#pos = lt + 3;
        return undefined;
      default:
        this.#pos = lt + 1; // A `<` that starts nothing is text.
        return undefined;
    }
  }

  /** Text of a RCDATA/RAWTEXT/script element up to `found` (its end tag, or none yet). */
  #textUntil(found: number): Step {
    if (found === END_OF_INPUT) {
      this.#pos = this.#buf.byteLength;
      return undefined;
    }
    if (found === NEED_MORE) {
      this.#holdFrom(this.#mode === Mode.Script ? this.#script.resumeAt : this.#scan.resumeAt);
      return undefined;
    }
    this.#flushRun(found);
    this.#pos = found;
    this.#mode = Mode.Data;
    this.#script.state = ScriptState.Normal;
    this.#elementText.endStream();
    if (!this.#elementText.collecting) return this.#tagAt(found, true);
    this.#tokenStart = found;
    return this.#deliverText(() => this.#tagAt(found, true));
  }

  /** A start or end tag at `lt`: parse it whole, or wait for the rest of it. */
  #tagAt(lt: number, isEnd: boolean): Step {
    const tag = this.#tag;
    const end = parseTag(this.#buf, lt, isEnd, tag);
    if (end === -1) {
      this.#tagIsEnd = isEnd;
      this.#tagScan.state = ScanState.Name;
      scanTag(this.#buf, tag.nameStart, this.#tagScan);
      this.#holdFrom(lt);
      this.#mode = Mode.TagWait;
      if (this.#carryBytes > this.#maxTag) this.#giveUpWaiting();
      return undefined;
    }
    this.#pos = end;
    const info = tagInfo(this.#buf, tag.nameStart, tag.nameEnd);
    if (end - lt > this.#maxTag) {
      this.#warnOversized(info.name);
      if (isEnd) this.#foreign.endTag(info.name);
      else this.#enterContent(info.name, this.#foreign.startTag(info.name, tag.selfClosing, false));
      return undefined;
    }
    return isEnd ? this.#endTag(info.name, lt, end) : this.#startTag(info, lt, end);
  }

  /** Waiting for a tag's `>`: scan only the new bytes; parse the whole tag once it is there. */
  #tagWait(): Step {
    const buf = this.#buf;
    const end = scanTag(buf, this.#pos, this.#tagScan);
    if (end === -1) {
      this.#carry.push(buf.slice(this.#pos));
      this.#carryBytes += buf.byteLength - this.#pos;
      this.#run = this.#pos = buf.byteLength;
      if (this.#carryBytes > this.#maxTag) this.#giveUpWaiting();
      return undefined;
    }
    const whole = concatBytes([...this.#carry, buf]);
    this.#base -= this.#carryBytes;
    this.#carry = [];
    this.#carryBytes = 0;
    this.#buf = whole;
    this.#run = this.#pos = 0;
    this.#mode = Mode.Data;
    return this.#tagAt(0, this.#tagIsEnd);
  }

  /** The tag outgrew `maxTagBytes` while arriving: release it unchanged and skip to its end. */
  #giveUpWaiting(): void {
    const held = concatBytes(this.#carry, this.#carryBytes);
    this.#carry = [];
    this.#carryBytes = 0;
    const start = this.#tagIsEnd ? 2 : 1;
    let nameEnd = start;
    while (nameEnd < held.byteLength && nameEnd < 256 && !isNameEnd(held[nameEnd] as number))
      nameEnd++;
    this.#tagName = nameEnd < held.byteLength ? foldedName(held, start, nameEnd) : '';
    this.#warnOversized(this.#tagName);
    this.#toText(held);
    this.#mode = Mode.TagSkip;
  }

  #afterSkippedTag(): void {
    this.#mode = Mode.Data;
    if (this.#tagIsEnd) this.#foreign.endTag(this.#tagName);
    else if (this.#tagName !== '') {
      this.#enterContent(this.#tagName, this.#foreign.startTag(this.#tagName, false, false));
    }
  }

  #warnOversized(name: string): void {
    this.#log?.warn('HTML tag larger than maxTagBytes passed through unchanged', {
      tag: name,
      limit: this.#maxTag,
    });
  }

  /** Switches the tokenizer for the element's content (RCDATA, RAWTEXT, script, PLAINTEXT). */
  #enterContent(name: string, html: boolean, mode: TextMode = textModeFor(name)): void {
    // In HTML, `<script/>` still opens a script: the self-closing flag is ignored.
    if (!html || mode === TextMode.Data) return;
    if (mode === TextMode.ScriptData) {
      this.#mode = Mode.Script;
      this.#script.state = ScriptState.Normal;
      this.#textEnd = SCRIPT_NAME;
    } else if (mode === TextMode.PlainText) this.#mode = Mode.PlainText;
    else {
      this.#mode = Mode.Text;
      this.#textEnd = Uint8Array.from(name, (c) => c.charCodeAt(0));
    }
  }

  // ── tags and their handlers ────────────────────────────────────────────────────────────────

  #startTag(info: TagInfo, lt: number, end: number): Step {
    const tag = this.#tag;
    const name = info.name;
    const foreign = this.#foreign;
    const html =
      foreign.depth === 0 && name !== 'svg' && name !== 'math'
        ? true
        : foreign.startTag(name, tag.selfClosing, name === 'font' && fontBreaks(tag));
    const isVoid = info.isVoid || (!html && tag.selfClosing);
    if (this.#ends.size > 0 && !isVoid) this.#ends.startTag(name);
    if (this.#suppressed > 0) {
      this.#enterContent(name, html, info.textMode);
      return undefined;
    }
    const registry = this.#registry;
    const elements =
      registry.elements.length > 0 ? registry.matchElements(tag, name, this.#utf8) : NONE;
    const hasText = html && info.textMode !== TextMode.Data;
    const texts = hasText ? registry.matchTexts(tag, name, this.#utf8) : NONE;
    const streams = hasText ? registry.matchTextStreams(tag, name, this.#utf8) : NONE;
    let view: ElementView | undefined;
    if (registry.attributeRules.length > 0)
      view = this.#rewriteAttributes(name, lt, end, elements.length > 0);
    if (elements.length === 0) {
      this.#enterContent(name, html, info.textMode);
      if (texts.length > 0 || streams.length > 0) this.#beginText(name, texts, streams, end);
      return undefined;
    }
    this.#flushRun(lt); // Everything before a handler's element goes out before it runs.
    this.#tokenStart = lt;
    view ??= new ElementView(tag, name, this.#utf8);
    return this.#call(elements, 'element', view, () => {
      this.#applyStart(view, info, lt, end, isVoid, html);
      if ((texts.length > 0 || streams.length > 0) && !view.removed)
        this.#beginText(name, texts, streams, end);
      return undefined;
    });
  }

  /**
   * Applies `rewriteAttribute` rules to the tag. Without element handlers to follow, a changed tag
   * is written out directly; with them, the changes go into the view they will share.
   */
  #rewriteAttributes(
    tagName: string,
    lt: number,
    end: number,
    forView: boolean,
  ): ElementView | undefined {
    const tag = this.#tag;
    let changes;
    try {
      changes = attributeChanges(tag, tagName, this.#registry.attributeRulesByLength, this.#utf8);
    } catch (error) {
      this.#tokenStart = lt;
      const rule = error instanceof AttributeRuleError ? error.rule : '?';
      throw this.#fail(
        error instanceof AttributeRuleError ? error.cause : error,
        `attribute rewriter for "${rule}"`,
      );
    }
    if (changes === undefined) return undefined;
    if (forView) {
      const view = new ElementView(tag, tagName, this.#utf8);
      for (const change of changes) view.setAttribute(change.name, change.value);
      return view;
    }
    // Straight to the output: the bytes up to each changed value's name, then `="new value"`.
    this.#flushRun(lt);
    let written = lt;
    for (const change of changes) {
      this.#push(tag.buf.subarray(written, tag.attrNameEnd(change.index)));
      this.#push(encodeAttributeValue(change.value, change.binary));
      written = tag.attrEnd(change.index);
    }
    this.#push(tag.buf.subarray(written, end));
    this.#run = end;
    return undefined;
  }

  #applyStart(
    view: ElementView,
    info: TagInfo,
    lt: number,
    end: number,
    isVoid: boolean,
    html: boolean,
  ) {
    this.#flushRun(lt);
    this.#pushAll(view.beforeHtml);
    if (view.removed) {
      this.#run = end;
      if (isVoid) this.#pushAll(view.afterHtml);
      else {
        this.#ends.add(info.name, view);
        this.#suppressed++;
      }
      this.#enterContent(info.name, html, info.textMode);
      return;
    }
    if (view.modified) {
      this.#pushAll(view.serialize());
      this.#run = end;
    } else this.#run = lt; // The tag's own bytes stay in the run.
    if (view.prependHtml !== undefined || (isVoid && view.needsEnd)) {
      this.#flushRun(end);
      this.#pushAll(view.prependHtml);
      if (isVoid) {
        this.#pushAll(view.appendHtml);
        this.#pushAll(view.afterHtml);
      }
    }
    if (!isVoid && view.needsEnd) this.#ends.add(info.name, view);
    this.#enterContent(info.name, html, info.textMode);
  }

  #endTag(name: string, lt: number, end: number): Step {
    this.#mode = Mode.Data;
    if (this.#foreign.depth > 0) this.#foreign.endTag(name);
    const closing = this.#ends.size > 0 ? this.#ends.endTag(name) : NONE;
    const closesRemoved = closing.some((view) => view.removed);
    const handlers =
      this.#suppressed > 0 && !closesRemoved ? NONE : this.#registry.matchEndTags(name);
    if (closing.length === 0 && handlers.length === 0) return undefined;
    this.#flushRun(lt);
    this.#tokenStart = lt;
    if (handlers.length === 0) {
      this.#applyEnd(closing, undefined, lt, end);
      return undefined;
    }
    const view = new EndTagView(name);
    const entries = handlers.map((handler) => ({ selector: { source: `</${name}>` }, handler }));
    return this.#call(entries, 'end tag', view, () => {
      this.#applyEnd(closing, view, lt, end);
      return undefined;
    });
  }

  #applyEnd(
    closing: readonly ElementView[],
    view: EndTagView | undefined,
    lt: number,
    end: number,
  ) {
    this.#flushRun(lt);
    for (const element of closing) if (!element.removed) this.#pushAll(element.appendHtml);
    if (view) this.#pushAll(view.beforeHtml);
    const removed = closing.some((element) => element.removed);
    if (removed || view?.removed) this.#run = end;
    else this.#flushRun(end);
    if (removed) this.#suppressed--;
    if (view) this.#pushAll(view.afterHtml);
    for (const element of closing) this.#pushAll(element.afterHtml);
  }

  // ── script/style text for text handlers (element-text.ts) ───────────────────────────────

  #beginText(
    name: string,
    handlers: Array<Registered<TextHandler>>,
    streamHandlers: Array<Registered<TextStreamHandler>>,
    end: number,
  ): void {
    this.#flushRun(end);
    this.#elementText.begin(name, handlers, streamHandlers);
  }

  /** The element's whole text is here: hand it to its text handlers, then write the result. */
  #deliverText(then: () => Step): Step {
    const { entries, finish } = this.#elementText.deliver();
    return this.#call(entries, 'text', null, () => {
      finish();
      return then();
    });
  }

  // ── end of document ────────────────────────────────────────────────────────────────────────

  #finish(): Step {
    // Nothing more is coming: bytes held for a decision are plain text.
    const held = this.#carry;
    this.#carry = [];
    this.#carryBytes = 0;
    for (const piece of held) this.#toText(piece);
    this.#elementText.endStream();
    const rest = (): Step => {
      for (const view of this.#ends.drain()) {
        if (view.removed) this.#suppressed--;
        else this.#pushAll(view.appendHtml);
        this.#pushAll(view.afterHtml);
      }
      const documentEnd = new DocumentEndView();
      const entries = this.#registry.documentEnds.map((handler) => ({
        selector: { source: 'document end' },
        handler,
      }));
      return this.#call(entries, 'document', documentEnd, () => {
        this.#pushAll(documentEnd.html);
        return undefined;
      });
    };
    return this.#elementText.collecting ? this.#deliverText(rest) : rest();
  }
}

const COLOR = Uint8Array.from('color', (c) => c.charCodeAt(0));
const FACE = Uint8Array.from('face', (c) => c.charCodeAt(0));
const SIZE = Uint8Array.from('size', (c) => c.charCodeAt(0));

/** `<font color|face|size>` breaks out of foreign content like the block-level tags. */
function fontBreaks(tag: Tag): boolean {
  return tag.findAttr(COLOR) !== -1 || tag.findAttr(FACE) !== -1 || tag.findAttr(SIZE) !== -1;
}

function isNameEnd(byte: number): boolean {
  return byte === 0x3e || byte === 0x2f || byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
}
