/**
 * Shared pieces of the creative tests: options with upstream's test secret, the signed URLs the
 * spec's vectors pin, and a reading of the output by parse5 (a spec-compliant parser, not the
 * engine under test), so assertions see attributes the way a browser does.
 */
import { parse } from 'parse5';
import { SAXParser } from 'parse5-sax-parser';
import type { CreativeRewriteOptions } from '../../src/core/first-party/creative-rewrite.ts';
import { signer } from './helpers.ts';

export const RUNTIME_TAG =
  '<script src="/static/tsjs=tsjs-creative.min.js" id="ts-creative"></script>';

export function creativeOptions(
  overrides: Partial<CreativeRewriteOptions> = {},
): CreativeRewriteOptions {
  return { signer, excludeDomains: [], runtimeTag: RUNTIME_TAG, sanitize: false, ...overrides };
}

/** The signed URLs of the spec §I.4 vectors, as they read once the attribute is decoded. */
export const PROXY_A_PNG =
  '/first-party/proxy?tsurl=https%3A%2F%2Fcdn.example%2Fa.png&tstoken=khZxp4u3sJa1nEmYtIZeJ6uaS1IRKef9MMtmMPgDWaw';
export const PROXY_ASSET_JS =
  '/first-party/proxy?tsurl=https%3A%2F%2Fcdn.example%2Fasset.js&c=3&b=2&tstoken=MkJUHZnYuVI-pUgjx12qG5n3HkJCMCH_jOrW9L3etLE';
export const CLICK_LANDING =
  '/first-party/click?tsurl=https%3A%2F%2Fcdn.example%2Flanding.html&x=1&tstoken=-WIvKUW33Re7FYH8NwloJgzwiib9huvUZt1r5Nfmr9k';

export interface ParsedTag {
  tagName: string;
  attrs: Record<string, string>;
}

/** Every start tag of `html` with its decoded attributes, as parse5 tokenizes them. */
export function startTags(html: string): ParsedTag[] {
  const tags: ParsedTag[] = [];
  const parser = new SAXParser();
  parser.on('startTag', (tag) => {
    const attrs: Record<string, string> = {};
    for (const attr of tag.attrs) {
      const name = attr.prefix ? `${attr.prefix}:${attr.name}` : attr.name;
      attrs[name] ??= attr.value;
    }
    tags.push({ tagName: tag.tagName, attrs });
  });
  parser.end(html);
  return tags;
}

/** The value of `attribute` on every `tagName` in `html`. */
export function attributeValues(html: string, tagName: string, attribute: string): string[] {
  return startTags(html)
    .filter((tag) => tag.tagName === tagName && tag.attrs[attribute] !== undefined)
    .map((tag) => tag.attrs[attribute] as string);
}

/** Element names in the tree a browser builds from `html` (script elements, say). */
export function treeElementNames(html: string): string[] {
  const names: string[] = [];
  interface Node {
    nodeName: string;
    childNodes?: Node[];
    content?: Node;
  }
  const walk = (node: Node) => {
    if (!node.nodeName.startsWith('#')) names.push(node.nodeName);
    for (const child of node.childNodes ?? []) walk(child);
    if (node.content) walk(node.content);
  };
  walk(parse(html));
  return names;
}

/** Occurrences of `needle` in `haystack`. */
export function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}
