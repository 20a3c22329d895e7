/**
 * Reference tokenization from parse5 (a spec-compliant HTML parser), used as the oracle in the
 * differential property test: the start/end tags it reports, with raw-decoded attributes.
 */
import { SAXParser } from 'parse5-sax-parser';

export function parse5Tags(html: string): string[] {
  const tags: string[] = [];
  const parser = new SAXParser();
  parser.on('startTag', (tag) => {
    const attrs = tag.attrs.map((a) => `${a.name}=${a.value}`).join('|');
    tags.push(`<${tag.tagName} ${attrs}${tag.selfClosing ? ' /' : ''}>`);
  });
  parser.on('endTag', (tag) => tags.push(`</${tag.tagName}>`));
  parser.end(html);
  return tags;
}
