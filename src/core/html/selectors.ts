/**
 * The selectors handlers register with: `tag`, `[attr]`, `tag[attr]`, `[attr=value]`,
 * `tag[attr="value"]`, `#id`, `tag#id` and `*`. Tag and attribute names match case-insensitively
 * (`srcSet` is `srcset`); attribute values match exactly against the raw (undecoded) value.
 */
import { ascii } from './tokenizer-bytes.ts';

export interface Selector {
  source: string;
  /** Lowercase tag name, or undefined for any tag. */
  tag: string | undefined;
  /** Lowercase attribute name the element must carry (`[attr]`, `#id` → `id`). */
  attribute: string | undefined;
  attributeBytes: Uint8Array | undefined;
  /** Exact raw value the attribute must have. */
  value: string | undefined;
}

const PATTERN =
  /^(\*|[A-Za-z][A-Za-z0-9-]*)?(?:#([^\s#[\]]+)|\[\s*([^\s=\]]+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s\]"']+))\s*)?\])?$/;

export function parseSelector(source: string): Selector {
  const match = PATTERN.exec(source.trim());
  if (!match || source.trim() === '') {
    throw new Error(
      `unsupported selector "${source}": use tag, [attr], tag[attr], [attr=value], #id, tag#id or *`,
    );
  }
  const [, tag, id, attr, dq, sq, bare] = match;
  const attribute = id !== undefined ? 'id' : attr?.toLowerCase();
  return {
    source,
    tag: tag === undefined || tag === '*' ? undefined : tag.toLowerCase(),
    attribute,
    attributeBytes: attribute === undefined ? undefined : ascii(attribute),
    value: id ?? dq ?? sq ?? bare,
  };
}
