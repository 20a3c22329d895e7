/**
 * Runs html5lib tokenizer tests through the rewriter and compares where tags are: start and end
 * tags with their names, attribute names and values (values entity-decoded only for the
 * comparison, since the rewriter hands out raw values), and the self-closing flag.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { decodeHTMLAttribute } from 'entities';
import { HtmlRewriter, type HtmlRewriterOptions } from '../../src/core/html/index.ts';

interface Html5libTest {
  description: string;
  input: string;
  output: unknown[][];
  initialStates?: string[];
  lastStartTag?: string;
  doubleEscaped?: boolean;
}

export interface CaseResult {
  file: string;
  description: string;
  state: string;
  input: string;
  expected: string;
  actual: string;
  pass: boolean;
}

const STATES: Record<string, HtmlRewriterOptions['initialState'] | undefined> = {
  'Data state': undefined,
  'PLAINTEXT state': { state: 'plaintext' },
  'RCDATA state': { state: 'rcdata' },
  'RAWTEXT state': { state: 'rawtext' },
  'Script data state': { state: 'script' },
  'CDATA section state': { state: 'cdata' },
};

function unescape(text: string): string {
  return text.replace(/\\u([0-9a-fA-F]{4})/g, (_, hex: string) =>
    String.fromCharCode(parseInt(hex, 16)),
  );
}

function unescapeDeep(value: unknown): unknown {
  if (typeof value === 'string') return unescape(value);
  if (Array.isArray(value)) return value.map(unescapeDeep);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [unescape(k), unescapeDeep(v)]),
    );
  }
  return value;
}

/** Input stream preprocessing (CR LF → LF) and the tokenizer's NUL → U+FFFD in names/values. */
function clean(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/\0/g, '\uFFFD');
}

function tokensOf(
  input: string,
  state: HtmlRewriterOptions['initialState'],
  lastStartTag?: string,
) {
  const tokens: unknown[] = [];
  const initialState = state ? { ...state, lastStartTag: lastStartTag ?? 'xmp' } : undefined;
  const rewriter = new HtmlRewriter({
    output: () => {},
    ...(initialState ? { initialState } : {}),
  });
  rewriter.on('*', {
    element: (element) => {
      const attrs: Record<string, string> = {};
      for (const [name, value] of element.attributes) {
        const key = clean(name);
        if (!(key in attrs)) attrs[key] = clean(decodeHTMLAttribute(value));
      }
      const token: unknown[] = ['StartTag', clean(element.tagName), attrs];
      if (element.selfClosing) token.push(true);
      tokens.push(token);
    },
  });
  rewriter.onEndTag('*', (end) => {
    tokens.push(['EndTag', clean(end.name)]);
  });
  void rewriter.write(new TextEncoder().encode(input));
  void rewriter.end();
  return tokens;
}

export function runHtml5libCorpus(dir: string): CaseResult[] {
  const results: CaseResult[] = [];
  for (const file of readdirSync(dir)
    .filter((name) => name.endsWith('.test'))
    .sort()) {
    const parsed = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as { tests?: Html5libTest[] };
    for (const test of parsed.tests ?? []) {
      const input = test.doubleEscaped ? unescape(test.input) : test.input;
      if (!input.includes('<')) continue; // Entity-only tests say nothing about where tags are.
      const expected = test.output
        .map((token) => (test.doubleEscaped ? (unescapeDeep(token) as unknown[]) : token))
        .filter((token) => token[0] === 'StartTag' || token[0] === 'EndTag')
        .map((token) => (token[0] === 'StartTag' && token[3] !== true ? token.slice(0, 3) : token));
      for (const state of test.initialStates ?? ['Data state']) {
        const actual = tokensOf(input, STATES[state], test.lastStartTag);
        const expectedText = JSON.stringify(expected);
        const actualText = JSON.stringify(actual);
        results.push({
          file,
          description: test.description,
          state,
          input,
          expected: expectedText,
          actual: actualText,
          pass: expectedText === actualText,
        });
      }
    }
  }
  return results;
}
