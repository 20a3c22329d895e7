import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HtmlRewriter, HtmlRewriterError, htmlRewriterStream } from '../src/core/html/index.ts';
import { replaceHost, rewrite, rewriteBytes } from './helpers/rewrite.ts';

describe('HTML rewriter: attributes', () => {
  it('is byte-exact where nothing changed: quoting, case, whitespace and odd markup survive', async () => {
    const html =
      '<!DOCTYPE html>\n<HTML lang=en><Head ><META charset=utf-8><title>T &amp; <b></title></Head>\r\n' +
      "<body class = 'a b' data-x=\"1\"   hidden><img src=x.png alt='it\"s'/><br/><p>a < b &lt; c</p>" +
      '<!-- a <b>comment</b> --><![CDATA[x]]><?php echo 1 ?></body></html>';
    assert.equal(await rewrite(html, replaceHost('href')), html);
    assert.equal(await rewrite(html, () => {}), html);
  });

  it('rewrites attribute values, keeping the name as written, and only the changed attribute', async () => {
    const out = await rewrite(
      `<a class=nav HREF='https://origin.test/a?x=1&amp;y=2' title=t>x</a><img srcSet="https://origin.test/1.png 1x, https://origin.test/2.png 2x" alt=x>`,
      (r) => {
        replaceHost('href')(r);
        replaceHost('srcset')(r);
      },
    );
    assert.equal(
      out,
      `<a class=nav HREF="https://fp.test/a?x=1&amp;y=2" title=t>x</a><img srcSet="https://fp.test/1.png 1x, https://fp.test/2.png 2x" alt=x>`,
    );
  });

  it('hands values over raw and escapes only `"` when writing one back', async () => {
    const seen: string[] = [];
    const out = await rewrite(`<a title='say "hi" &amp; bye' href=x>t</a>`, (r) =>
      r.on('a[title]', {
        element: (el) => {
          seen.push(el.getAttribute('title') ?? '');
          el.setAttribute('title', `${el.getAttribute('title')} <ok>`);
        },
      }),
    );
    assert.ok(seen.every((value) => value === 'say "hi" &amp; bye'));
    assert.equal(out, `<a title="say &quot;hi&quot; &amp; bye <ok>" href=x>t</a>`);
  });

  it('rewriteAttribute: rewrites every carrier of an attribute, before element handlers see it', async () => {
    const seen: string[] = [];
    const out = await rewrite(
      `<img SRC='https://origin.test/a.png' srcset="https://origin.test/b.png 2x"><source src=https://origin.test/v.mp4 type=video/mp4><a href="https://origin.test/" data-src="https://origin.test/keep">x</a><input src>`,
      (r) => {
        r.rewriteAttribute('src', (value, tagName) =>
          value
            ? `${value.replace('https://origin.test', 'https://fp.test')}#${tagName}`
            : undefined,
        );
        r.rewriteAttribute('srcSet', (value) => value.replaceAll('origin.test', 'fp.test'));
        r.rewriteAttribute('href', () => 'say "hi"');
        r.on('img', { element: (el) => void seen.push(el.getAttribute('src') ?? '') });
      },
    );
    assert.equal(
      out,
      `<img SRC="https://fp.test/a.png#img" srcset="https://fp.test/b.png 2x"><source src="https://fp.test/v.mp4#source" type=video/mp4><a href="say &quot;hi&quot;" data-src="https://origin.test/keep">x</a><input src>`,
    );
    assert.ok(seen.every((value) => value === 'https://fp.test/a.png#img'));
    assert.throws(
      () => new HtmlRewriter({ output: () => {} }).rewriteAttribute('a b', () => ''),
      /invalid attribute name/,
    );
  });

  it('rewriteAttribute: several rules for one attribute chain; a throwing rule names itself', async () => {
    const out = await rewrite(`<a href="https://origin.test/x">x</a>`, (r) => {
      r.rewriteAttribute('href', (value) => value.replace('origin.test', 'fp.test'));
      r.rewriteAttribute('HREF', (value) => `${value}?ts=1`);
    });
    assert.equal(out, `<a href="https://fp.test/x?ts=1">x</a>`);
    const failing = new HtmlRewriter({ output: () => {} }).rewriteAttribute('src', () => {
      throw new Error('bad url');
    });
    assert.throws(
      () => failing.write(new TextEncoder().encode('<p></p><img src=x>')),
      /at byte 7 in attribute rewriter for "src": bad url/,
    );
  });

  it('adds and removes attributes', async () => {
    const out = await rewrite(
      `<div id=a onclick="x()" Onclick=y class=c>t</div><input disabled/>`,
      (r) => {
        r.on('div', {
          element: (el) => {
            el.removeAttribute('onclick');
            el.setAttribute('data-ts', '1');
          },
        });
        r.on('input', { element: (el) => el.setAttribute('value', 'v') });
      },
    );
    assert.equal(out, `<div id=a class=c data-ts="1">t</div><input disabled value="v"/>`);
  });

  it('matches selectors case-insensitively on names and exactly on values', async () => {
    const hits: string[] = [];
    const record = (label: string) => ({ element: () => void hits.push(label) });
    await rewrite(
      `<IMG SrcSet=a><script TYPE="application/ld+json">{}</script><div ID=main></div><p>x</p>`,
      (r) => {
        r.on('img[srcset]', record('img[srcset]'));
        r.on('[type="application/ld+json"]', record('ld'));
        r.on('[type=text/javascript]', record('wrong'));
        r.on('#main', record('#main'));
        r.on('*', record('*'));
      },
    );
    // Every chunking re-runs the handlers; look at one run's worth.
    assert.deepEqual(hits.slice(0, 7), ['img[srcset]', '*', 'ld', '*', '#main', '*', '*']);
    assert.throws(
      () => new HtmlRewriter({ output: () => {} }).on('div > p', {}),
      /unsupported selector "div > p"/,
    );
  });

  it('finds tags only where the tokenizer does: not in comments, scripts, textareas or titles', async () => {
    const html =
      `<!-- <a href="https://origin.test/c"> --><script>var s = '<a href="https://origin.test/s">';</script>` +
      `<textarea><a href="https://origin.test/t"></textarea><title><a href="https://origin.test/ti"></title>` +
      `<style>a[href="https://origin.test/st"]{}</style><a href="https://origin.test/real">r</a>` +
      `<script><!--<script>x</script>--><a href="https://origin.test/inscript"></script>`;
    const out = await rewrite(html, replaceHost('href'));
    assert.equal(out, html.replace('https://origin.test/real', 'https://fp.test/real'));
  });

  it('treats SVG and MathML as foreign content (CDATA sections, no RAWTEXT for <style>)', async () => {
    const html =
      `<svg><style><a href="https://origin.test/in-svg-style"></a></style><![CDATA[<a href="https://origin.test/cdata">]]>` +
      `<foreignObject><style><a href="https://origin.test/html-style"></style></foreignObject></svg>` +
      `<![CDATA[ a > <a href="https://origin.test/bogus">]]>`;
    const out = await rewrite(html, replaceHost('href'));
    assert.ok(out.includes('fp.test/in-svg-style'), 'svg <style> content is markup');
    assert.ok(out.includes('origin.test/cdata'), 'CDATA in svg is not markup');
    assert.ok(out.includes('origin.test/html-style'), '<style> in foreignObject is RAWTEXT');
    assert.ok(
      out.includes('fp.test/bogus'),
      'outside svg, <![CDATA[ is a bogus comment ending at the first >',
    );
    const inSvg = await rewrite(
      `<svg><![CDATA[ a > <a href="https://origin.test/x">]]></svg>`,
      replaceHost('href'),
    );
    assert.ok(inSvg.includes('origin.test/x'), 'inside svg the whole CDATA section is text');
  });
});

describe('HTML rewriter: content and structure', () => {
  it('inserts before/after/prepend/append and removes elements', async () => {
    const out = await rewrite(
      `<head><title>t</title></head><body><div id=ad><p>old</p><div>inner</div></div><img id=gone src=x><span id=drop>x<span>y</span>z</span>end</body>`,
      (r) => {
        r.on('head', { element: (el) => el.prepend('<script src="/tsjs"></script>') });
        r.on('#ad', {
          element: (el) => {
            el.before('<!--b-->');
            el.prepend('<i>first</i>');
            el.append('<i>last</i>');
            el.after('<!--a-->');
          },
        });
        r.on('#gone', { element: (el) => el.remove() });
        r.on('#drop', { element: (el) => el.remove() });
      },
    );
    assert.equal(
      out,
      `<head><script src="/tsjs"></script><title>t</title></head><body><!--b--><div id=ad><i>first</i><p>old</p><div>inner</div><i>last</i></div><!--a-->end</body>`,
    );
  });

  it('inserts before </body> from an end-tag handler, once per real end tag', async () => {
    const html = `<body><script>document.write("</body>")</script><!-- </body> --><textarea></body></textarea></body>`;
    const out = await rewrite(html, (r) =>
      r.onEndTag('body', (end) => end.before('<div id=bids></div>')),
    );
    assert.equal(out, html.replace(/<\/body>$/, '<div id=bids></div></body>'));
  });

  it('appends at document end and closes what never closed', async () => {
    const out = await rewrite(`<body><div id=x>open`, (r) => {
      r.on('#x', { element: (el) => el.append('<b>appended</b>') });
      r.onDocumentEnd((doc) => doc.append('<!--eof-->'));
    });
    assert.equal(out, `<body><div id=x>open<b>appended</b><!--eof-->`);
  });

  it('gives text handlers the whole script text across chunks, and writes replacements raw', async () => {
    const texts: string[] = [];
    const html = `<script id=__NEXT_DATA__ type="application/json">{"u":"https:\\/\\/origin.test\\/x","s":"é<&"}</script><style>a{b:url(https://origin.test/y)}</style>`;
    const out = await rewrite(html, (r) => {
      r.on('script#__NEXT_DATA__', {
        text: (t) => {
          texts.push(t.text);
          t.replace(t.text.replaceAll('origin.test', 'fp.test'));
        },
      });
      r.on('style', { text: (t) => t.replace(t.text.replaceAll('origin.test', 'fp.test')) });
    });
    assert.ok(texts.every((text) => text === `{"u":"https:\\/\\/origin.test\\/x","s":"é<&"}`));
    assert.equal(out, html.replaceAll('origin.test', 'fp.test'));
  });

  it('keeps script text across writes even when the caller reuses its chunk buffer', async () => {
    const long = 'let x = "abcdefghij";'.repeat(40);
    // Texts spanning writes back to back: one ends in the write where the next begins.
    const html = `<p>a</p><script>${long}</script><script>${long}1</script><style>b{c:d}</style><p>e</p>`;
    const seen: string[] = [];
    const out: Uint8Array[] = [];
    const rewriter = new HtmlRewriter({ output: (bytes) => out.push(bytes.slice()) });
    rewriter.on('script', { text: (t) => void seen.push(t.text) });
    rewriter.on('style', { text: (t) => void seen.push(t.text) });
    const bytes = Buffer.from(html);
    const buffer = new Uint8Array(37); // one buffer, refilled for every write
    for (let at = 0; at < bytes.byteLength; at += buffer.byteLength) {
      const piece = bytes.subarray(at, at + buffer.byteLength);
      buffer.set(piece);
      await rewriter.write(buffer.subarray(0, piece.byteLength));
      buffer.fill(0x21); // the caller scribbles over it once write is done
    }
    await rewriter.end();
    assert.deepEqual(seen, [long, `${long}1`, 'b{c:d}']);
    assert.equal(Buffer.concat(out).toString(), html);
  });

  it('reads text spanning writes whole as bytes and as text, held as views of stable chunks', async () => {
    const script = 'self.__next_f.push([1,"é → https://origin.test/a"]);'.repeat(30);
    const html = `<script>${script}</script><script>${script}2</script><p>x</p>`;
    for (const stableChunks of [false, true]) {
      for (const size of [1, 5, 37, 4096]) {
        const bytes: string[] = [];
        const texts: string[] = [];
        const out = await rewriteBytes(
          Buffer.from(html),
          (r) =>
            r.on('script', {
              text: (t) => {
                bytes.push(t.byteText);
                texts.push(t.text);
                if (t.text.endsWith('2')) t.replaceByteText(t.byteText.replaceAll('origin', 'fp'));
              },
            }),
          [size],
          { stableChunks },
        );
        const label = `chunks of ${size}${stableChunks ? ', stable' : ''}`;
        assert.deepEqual(texts, [script, `${script}2`], label);
        assert.deepEqual(
          bytes,
          [script, `${script}2`].map((t) => Buffer.from(t).toString('latin1')),
          label,
        );
        const expected = `<script>${script}</script><script>${script.replaceAll('origin', 'fp')}2</script><p>x</p>`;
        assert.equal(Buffer.from(out).toString(), expected, label);
      }
    }
  });

  it('passes text past maxTextBytes through unchanged and warns', async () => {
    const warnings: string[] = [];
    const big = `<script>${'x'.repeat(5000)}origin.test</script>`;
    const out = await rewrite(big, (r) => r.on('script', { text: (t) => t.replace('replaced') }), {
      maxTextBytes: 1000,
      log: { warn: (m: string) => void warnings.push(m), info() {}, debug() {}, error() {} },
    });
    assert.equal(out, big);
    assert.ok(warnings.some((w) => w.includes('maxTextBytes')));
  });
});

describe('HTML rewriter: text streams', () => {
  const upper = () => ({
    write: (bytes: Uint8Array) =>
      Buffer.from(Buffer.from(bytes).toString('latin1').toUpperCase(), 'latin1'),
    end: () => undefined,
  });

  it("streams an element's text through its stream as it arrives, for every chunking", async () => {
    const html = '<p>x</p><script>let a = "b";</script><style>p{}</style><script>c()</script>';
    const out = await rewrite(html, (r) => r.on('script', { textStream: upper }));
    assert.equal(
      out,
      '<p>x</p><script>LET A = "B";</script><style>p{}</style><script>C()</script>',
    );
  });

  it('sends what a stream decides before the end tag arrives', async () => {
    const emitted: string[] = [];
    const rewriter = new HtmlRewriter({
      output: (chunk) => emitted.push(Buffer.from(chunk).toString()),
    });
    rewriter.on('script', { textStream: upper });
    await rewriter.write(Buffer.from('<script>first half, '));
    assert.equal(emitted.join(''), '<script>FIRST HALF, ');
    await rewriter.write(Buffer.from('second</script>'));
    await rewriter.end();
    assert.equal(emitted.join(''), '<script>FIRST HALF, SECOND</script>');
  });

  it('chains streams in order, after whole-text handlers, and holds what a stream holds', async () => {
    // A stream that holds everything to its end, then writes it reversed.
    const reverse = () => {
      let held = '';
      return {
        write: (bytes: Uint8Array) => {
          held += Buffer.from(bytes).toString('latin1');
          return undefined;
        },
        end: () => Buffer.from([...held].reverse().join(''), 'latin1'),
      };
    };
    const html = '<script>abc</script><script type=x>def</script>';
    const out = await rewrite(html, (r) => {
      r.on('script', { textStream: reverse });
      r.on('script', { textStream: upper });
      r.on('script[type]', { text: (t) => t.replace(`${t.text}!`) });
    });
    assert.equal(out, '<script>CBA</script><script type=x>!FED</script>');
    // A stream handler may decline an element.
    const declined = await rewrite(html, (r) => r.on('script', { textStream: () => undefined }));
    assert.equal(declined, html);
  });

  it("gives text past maxTextBytes to the streams, and a stream's error names the element", async () => {
    const big = `<script>${'x'.repeat(3000)}</script>`;
    const out = await rewrite(
      big,
      (r) => {
        r.on('script', { textStream: upper });
        r.on('script', { text: (t) => t.replace('never') });
      },
      { maxTextBytes: 1000, log: { warn() {}, info() {}, debug() {}, error() {} } },
    );
    assert.equal(out, big.replace(/x+/, 'X'.repeat(3000)));
    const rewriter = new HtmlRewriter({ output: () => {} });
    rewriter.on('script', {
      textStream: () => ({
        write: () => {
          throw new Error('boom');
        },
        end: () => undefined,
      }),
    });
    assert.throws(
      () => rewriter.write(Buffer.from('<p></p><script>x</script>')),
      (error: unknown) =>
        error instanceof HtmlRewriterError && /text stream for <script>: boom/.test(error.message),
    );
  });
});

describe('HTML rewriter: asynchronous handlers and errors', () => {
  it('pauses at an async handler with everything before it already emitted', async () => {
    const emitted: string[] = [];
    const rewriter = new HtmlRewriter({
      output: (chunk) => emitted.push(Buffer.from(chunk).toString()),
    });
    let release: () => void = () => {};
    rewriter.onEndTag('body', async (end) => {
      await new Promise<void>((resolve) => (release = resolve));
      end.before('<div>bids</div>');
    });
    const pending = rewriter.write(new TextEncoder().encode('<body><p>story</p></body><footer>'));
    assert.ok(pending instanceof Promise);
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(
      emitted.join(''),
      '<body><p>story</p>',
      'nothing after the pause point goes out early',
    );
    assert.throws(() => rewriter.write(new Uint8Array([0x20])), /before the previous call settled/);
    release();
    await pending;
    await rewriter.end();
    assert.equal(emitted.join(''), '<body><p>story</p><div>bids</div></body><footer>');
  });

  it('applies backpressure through the TransformStream while a handler waits', async () => {
    const stream = htmlRewriterStream((r) =>
      r.on('img', {
        element: async (el) => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          el.setAttribute('loading', 'lazy');
        },
      }),
    );
    const body = new Blob([`<p>${'<img src=a>'.repeat(50)}</p>`]).stream().pipeThrough(stream);
    const text = await new Response(body).text();
    assert.equal(text, `<p>${'<img src=a loading="lazy">'.repeat(50)}</p>`);
  });

  it('fails the stream with a clear error when a handler throws, and only that stream', async () => {
    const bad = new HtmlRewriter({ output: () => {} });
    bad.on('a[href]', {
      element: () => {
        throw new Error('boom');
      },
    });
    assert.throws(
      () => bad.write(new TextEncoder().encode('<p>hello</p><a href=x>')),
      (error: unknown) =>
        error instanceof HtmlRewriterError &&
        /at byte 12 in element handler for "a\[href\]": boom/.test(error.message),
    );
    assert.throws(() => bad.end(), /boom/);

    const rejecting = htmlRewriterStream((r) =>
      r.on('p', { element: () => Promise.reject(new Error('async boom')) }),
    );
    await assert.rejects(
      new Response(new Blob(['<p>x</p>']).stream().pipeThrough(rejecting)).text(),
      /async boom/,
    );

    // Another document with the same rules is unaffected.
    assert.equal(
      await rewrite('<a href="https://origin.test/">x</a>', replaceHost('href')),
      '<a href="https://fp.test/">x</a>',
    );
  });
});
