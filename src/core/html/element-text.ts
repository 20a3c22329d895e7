/**
 * The text of the script or style element the rewriter is in, on its way to that element's text
 * rules: collected whole for `text` handlers (up to `maxTextBytes`; past that it passes through
 * unchanged), or sent piece by piece through its text streams, which then hold only what they
 * choose to. With both, the whole-text handlers run first and the streams get their result.
 */
import type { Logger } from '../log.ts';
import type { Awaitable, TextHandler, TextStream, TextStreamHandler } from './api.ts';
import { TextView } from './element.ts';
import type { Registered } from './handler-registry.ts';
import { TextBuffer } from './text-buffer.ts';
import { chainTextStreams, outputPieces } from './text-streams.ts';

/** A text rule failed; `where` names it for the rewriter's error. */
export class TextRuleError extends Error {
  readonly where: string;
  constructor(where: string, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.where = where;
  }
}

export interface ElementTextOptions {
  /** Where decided bytes go (the rewriter's output, which knows about removed elements). */
  output: (bytes: Uint8Array) => void;
  maxTextBytes: number;
  /** The caller never changes a chunk after writing it (see text-buffer.ts). */
  stableChunks: boolean;
  utf8: boolean;
  log: Logger | undefined;
}

const NONE: never[] = [];

export class ElementText {
  readonly #options: ElementTextOptions;
  #tag = '';
  /** The text being collected for whole-text handlers (undefined when not collecting). */
  #buffer: TextBuffer | undefined;
  #handlers: Array<Registered<TextHandler>> = NONE;
  /** The streams the text goes through as it arrives. */
  #stream: TextStream | undefined;
  /** Streams that take the text once whole-text handlers are done with it. */
  #streamsAfter: TextStream[] = NONE;

  constructor(options: ElementTextOptions) {
    this.#options = options;
  }

  /** Whether the text is being collected for whole-text handlers. */
  get collecting(): boolean {
    return this.#buffer !== undefined;
  }

  /** An element's text starts; its stream handlers open their streams now. */
  begin(
    tag: string,
    handlers: Array<Registered<TextHandler>>,
    streamHandlers: Array<Registered<TextStreamHandler>>,
  ): void {
    this.#tag = tag;
    const streams: TextStream[] = [];
    for (const entry of streamHandlers) {
      let stream;
      try {
        stream = entry.handler(tag);
      } catch (error) {
        throw new TextRuleError(`text stream handler for "${entry.selector.source}"`, error);
      }
      if (stream) streams.push(stream);
    }
    if (handlers.length === 0) {
      if (streams.length > 0) this.#stream = chainTextStreams(streams);
      return;
    }
    this.#handlers = handlers;
    this.#streamsAfter = streams;
    this.#buffer = new TextBuffer(this.#options.stableChunks);
  }

  /** The next bytes of the element's text; false when there is no element text to take them. */
  take(bytes: Uint8Array): boolean {
    if (this.#buffer) this.#collect(this.#buffer, bytes);
    else if (this.#stream) this.#send(() => this.#stream?.write(bytes));
    else return false;
    return true;
  }

  /** The write is done: what is collected stops borrowing the caller's chunk. */
  keep(): void {
    this.#buffer?.keep();
  }

  /** The element's text ended: what its streams still hold goes out. */
  endStream(): void {
    const stream = this.#stream;
    if (stream === undefined) return;
    this.#stream = undefined;
    this.#send(() => stream.end());
  }

  /**
   * The element's whole text is here: its handlers, to be run by the rewriter (which may pause
   * at one), and `finish`, which writes the result once they are done.
   */
  deliver(): {
    entries: Array<{ selector: { source: string }; handler: () => Awaitable }>;
    finish: () => void;
  } {
    // The text as it came (pieces, joined only if a handler reads it as one array), or what a
    // handler replaced it with.
    const pieces = (this.#buffer as TextBuffer).pieces;
    this.#buffer = undefined;
    let current: Uint8Array | undefined;
    const tag = this.#tag;
    const utf8 = this.#options.utf8;
    const entries = this.#handlers.map((entry) => ({
      selector: entry.selector,
      handler: (): Awaitable => {
        const view = new TextView(tag, current ? [current] : pieces, utf8);
        const adopt = () => {
          if (view.replacement) current = view.replacement;
        };
        const result = entry.handler(view);
        if (result !== undefined && typeof result.then === 'function') return result.then(adopt);
        adopt();
        return undefined;
      },
    }));
    this.#handlers = NONE;
    const streams = this.#streamsAfter;
    this.#streamsAfter = NONE;
    const finish = () => {
      const output = this.#options.output;
      if (streams.length === 0) {
        if (current) output(current);
        else for (const piece of pieces) output(piece);
        return;
      }
      this.#stream = chainTextStreams(streams);
      if (current) this.take(current);
      else for (const piece of pieces) this.take(piece);
      this.endStream();
    };
    return { entries, finish };
  }

  #collect(buffer: TextBuffer, bytes: Uint8Array): void {
    const { maxTextBytes, log } = this.#options;
    if (buffer.byteLength + bytes.byteLength <= maxTextBytes) {
      buffer.add(bytes);
      return;
    }
    log?.warn('script/style text larger than maxTextBytes passed through unchanged', {
      tag: this.#tag,
      limit: maxTextBytes,
    });
    // The text goes on unchanged, through the element's streams if it has any.
    this.#buffer = undefined;
    this.#handlers = NONE;
    if (this.#streamsAfter.length > 0) this.#stream = chainTextStreams(this.#streamsAfter);
    this.#streamsAfter = NONE;
    for (const piece of buffer.pieces) this.#pass(piece);
    this.#pass(bytes);
  }

  #pass(bytes: Uint8Array): void {
    if (!this.take(bytes)) this.#options.output(bytes);
  }

  #send(step: () => ReturnType<TextStream['write']>): void {
    let output;
    try {
      output = step();
    } catch (error) {
      throw new TextRuleError(`text stream for <${this.#tag}>`, error);
    }
    for (const piece of outputPieces(output)) this.#options.output(piece);
  }
}
