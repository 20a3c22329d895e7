/**
 * Elements whose end a handler cares about (`append`, `after`, `remove`). Without a tree, the end
 * of an element is found by counting same-named start and end tags from its start tag; text
 * content never contains tags, so `<script>`/`<style>` ends are exact.
 */
import type { ElementView } from './element.ts';

export const VOID_ELEMENTS = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'keygen',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
  'frame',
]);

interface Pending {
  name: string;
  depth: number;
  view: ElementView;
}

export class ElementEnds {
  #pending: Pending[] = [];

  get size(): number {
    return this.#pending.length;
  }

  add(name: string, view: ElementView): void {
    this.#pending.push({ name, depth: 1, view });
  }

  startTag(name: string): void {
    for (const entry of this.#pending) if (entry.name === name) entry.depth++;
  }

  /** The views whose element this end tag closes, innermost first. */
  endTag(name: string): ElementView[] {
    let closed: ElementView[] | undefined;
    for (let i = this.#pending.length - 1; i >= 0; i--) {
      const entry = this.#pending[i] as Pending;
      if (entry.name !== name) continue;
      entry.depth--;
      if (entry.depth === 0) {
        (closed ??= []).push(entry.view);
        this.#pending.splice(i, 1);
      }
    }
    return closed ?? [];
  }

  /** At the end of the document: every element still open, innermost first. */
  drain(): ElementView[] {
    const all = this.#pending.map((entry) => entry.view).reverse();
    this.#pending = [];
    return all;
  }
}
