/**
 * `rewriteAttribute` rules applied to one tag: which attribute values change, and to what. Pure:
 * the rewriter decides whether the changes go straight to the output or into an element view.
 */
import type { AttributeRule } from './handler-registry.ts';
import { NO_VALUE, type Tag } from './tag-scanner.ts';
import { decodeText } from './text-codec.ts';

export interface AttributeChange {
  index: number;
  /** The attribute's lowercase name. */
  name: string;
  value: string;
  /** The old value was byte-per-char (see text-codec.ts): write the new one back the same way. */
  binary: boolean;
}

export class AttributeRuleError extends Error {
  readonly rule: string;
  constructor(rule: string, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.rule = rule;
  }
}

/**
 * `byLength[n]` holds the rules for attribute names of n bytes. Several rules for one attribute
 * run in registration order, each seeing the previous one's value; one change per attribute.
 */
export function attributeChanges(
  tag: Tag,
  tagName: string,
  byLength: ReadonlyArray<readonly AttributeRule[] | undefined>,
  utf8: boolean,
): AttributeChange[] | undefined {
  let changes: AttributeChange[] | undefined;
  for (let index = 0; index < tag.attrCount; index++) {
    const rules = byLength[tag.attrNameEnd(index) - tag.attrNameStart(index)];
    if (rules === undefined || tag.attrQuote(index) === NO_VALUE) continue;
    let decoded: { text: string; binary: boolean } | undefined;
    let value = '';
    let name = '';
    for (const rule of rules) {
      if (!tag.attrNameIs(index, rule.bytes)) continue;
      if (decoded === undefined) {
        decoded = decodeText(
          tag.buf.subarray(tag.attrValueStart(index), tag.attrValueEnd(index)),
          utf8,
        );
        value = decoded.text;
        name = rule.name;
      }
      try {
        value = rule.rewrite(value, tagName) ?? value;
      } catch (error) {
        throw new AttributeRuleError(rule.name, error);
      }
    }
    if (decoded !== undefined && value !== decoded.text) {
      (changes ??= []).push({ index, name, value, binary: decoded.binary });
    }
  }
  return changes;
}
