import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  byteStringOfText,
  fromByteString,
  installByteStrings,
  strictTextOfByteString,
  textOfByteString,
  toByteString,
} from '../src/core/bytes/byte-strings.ts';
import { nodeBytePrimitives } from '../src/node/byte-primitives.ts';

/** Runs `body` with the standard conversion, then with Node's, and returns both results. */
function both<T>(body: () => T): [T, T] {
  installByteStrings(undefined);
  const standard = body();
  installByteStrings(nodeBytePrimitives.strings);
  try {
    return [standard, body()];
  } finally {
    installByteStrings(undefined);
  }
}

describe('byte strings', () => {
  it('round-trip every byte exactly, with the standard and the Node conversion alike', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20_000, size: 'max' }), (bytes) => {
        const [standard, node] = both(() => {
          const text = toByteString(bytes);
          return { text, back: Array.from(fromByteString(text)) };
        });
        assert.equal(standard.text.length, bytes.length);
        assert.equal(node.text, standard.text);
        assert.deepEqual(standard.back, Array.from(bytes));
        assert.deepEqual(node.back, Array.from(bytes));
      }),
      { numRuns: 200 },
    );
  });

  it('keep only the low byte of a wider char, the same way on both', () => {
    const [standard, node] = both(() => Array.from(fromByteString('a\u0141\u00ff')));
    assert.deepEqual(standard, [0x61, 0x41, 0xff]);
    assert.deepEqual(node, standard);
  });

  it('convert to and from text through UTF-8', () => {
    const text = 'é思🎉 https://origin.example.com/';
    const bytes = byteStringOfText(text);
    assert.equal(bytes.length, Buffer.byteLength(text));
    assert.equal(textOfByteString(bytes), text);
    assert.equal(strictTextOfByteString(bytes), text);
    assert.equal(strictTextOfByteString('\xff'), undefined, 'invalid UTF-8 is refused');
    assert.equal(textOfByteString('\xff'), '\ufffd', 'or read as a browser reads it');
  });
});
