/**
 * The built-in demo publisher: realistic pages full of absolute origin URLs, the kind of markup
 * Trusted Server exists to rewrite. `origin` is the demo site's own base URL (`http://127.0.0.1:N`).
 */

export interface DemoPage {
  status: number;
  type: string;
  body: string;
}

const STYLESHEET = (origin: string) => `/* Demo publisher stylesheet */
:root { --ink: #1b1f24; --accent: #b3261e; }
body { font: 17px/1.6 Georgia, serif; color: var(--ink); margin: 0; }
header.masthead { background: url("${origin}/assets/masthead.svg") no-repeat left center; padding: 24px 32px; border-bottom: 4px solid var(--accent); }
main { max-width: 720px; margin: 32px auto; padding: 0 16px; }
.ad-slot { border: 1px dashed #999; min-height: 250px; display: grid; place-items: center; color: #777; }
@font-face { font-family: Demo; src: url(${origin}/assets/demo.woff2) format("woff2"); }
`;

const MASTHEAD_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="40"><text x="0" y="30" font-family="Georgia" font-size="28" fill="#b3261e">The Daily Demo</text></svg>`;

function article(origin: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>City council approves new bike lanes — The Daily Demo</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta property="og:url" content="${origin}/articles/bike-lanes">
  <meta property="og:image" content="${origin}/assets/bike-lanes-1200.jpg">
  <link rel="canonical" href="${origin}/articles/bike-lanes">
  <link rel="preload" href="${origin}/assets/site.css" as="style">
  <link rel="stylesheet" href="${origin}/assets/site.css">
  <script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle","headline":"City council approves new bike lanes","url":"${origin.replace(/\//g, '\\/')}\\/articles\\/bike-lanes","image":["${origin}/assets/bike-lanes-1200.jpg"]}</script>
</head>
<body>
  <header class="masthead"><a href="${origin}/">The Daily Demo</a></header>
  <main>
    <article>
      <h1>City council approves new bike lanes</h1>
      <p class="byline">By A. Reporter · <a href="//${new URL(origin).host}/authors/a-reporter">profile</a></p>
      <picture>
        <source type="image/webp" srcset="${origin}/assets/bike-lanes-640.webp 640w, ${origin}/assets/bike-lanes-1200.webp 1200w">
        <img src="${origin}/assets/bike-lanes-640.jpg" srcset="${origin}/assets/bike-lanes-640.jpg 640w, ${origin}/assets/bike-lanes-1200.jpg 1200w" sizes="(max-width: 720px) 100vw, 720px" alt="Cyclists on a new lane" width="640" height="360">
      </picture>
      <p>The council voted 7–2 on Tuesday to add 14 km of protected lanes. Read the <a href="${origin}/docs/plan.pdf">full plan</a> or see <a href="/articles/related">related coverage</a>.</p>
      <div class="ad-slot" id="ad-article-mid">Advertisement</div>
      <p>Residents can comment until Friday.</p>
      <form action="${origin}/newsletter/subscribe" method="post">
        <label>Newsletter <input type="email" name="email" placeholder="you@example.com"></label>
        <button type="submit">Subscribe</button>
      </form>
    </article>
    <p><a href="${origin}/next/app">Next.js demo page</a> · <a href="${origin}/api/articles.json">JSON API</a> · <a href="${origin}/missing">a missing page</a></p>
  </main>
</body>
</html>
`;
}

function nextAppPage(origin: string): string {
  const escaped = (text: string) => JSON.stringify(text).slice(1, -1);
  const row1 = `1:HL["${origin}/_next/static/css/app.css","style"]\n`;
  const tText = `<p>Read more at ${origin}/articles/bike-lanes</p>`;
  const row2 = `2:T${new TextEncoder().encode(tText).byteLength.toString(16)},${tText}`;
  const row3 = `3:["$","a",null,{"href":"${origin}/articles/bike-lanes","children":"Bike lanes"}]\n`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Next.js App Router demo — The Daily Demo</title>
  <link rel="stylesheet" href="${origin}/assets/site.css">
  <script src="${origin}/_next/static/chunks/webpack.js" async></script>
</head>
<body>
  <main>
    <h1>Next.js App Router demo</h1>
    <p>This page carries React Server Component payloads in <code>self.__next_f.push</code> calls.</p>
    <a href="${origin}/articles/bike-lanes">Bike lanes story</a>
  </main>
  <script>(self.__next_f=self.__next_f||[]).push([0])</script>
  <script>self.__next_f.push([1,"${escaped(row1)}"])</script>
  <script>self.__next_f.push([1,"${escaped(row2)}"])</script>
  <script>self.__next_f.push([1,"${escaped(row3)}"])</script>
</body>
</html>
`;
}

function articlesJson(origin: string): string {
  return `${JSON.stringify(
    {
      articles: [
        {
          id: 'bike-lanes',
          title: 'City council approves new bike lanes',
          url: `${origin}/articles/bike-lanes`,
          image: `${origin}/assets/bike-lanes-640.jpg`,
        },
      ],
      next: `${origin}/api/articles.json?page=2`,
    },
    null,
    2,
  )}\n`;
}

function notFound(origin: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Page not found — The Daily Demo</title>
<link rel="stylesheet" href="${origin}/assets/site.css"></head>
<body><main><h1>404 — we couldn't find that page</h1>
<p>Try the <a href="${origin}/">front page</a>.</p></main></body>
</html>
`;
}

const HTML = 'text/html; charset=utf-8';

export function demoPage(path: string, origin: string): DemoPage {
  switch (path) {
    case '/':
    case '/articles/bike-lanes':
      return { status: 200, type: HTML, body: article(origin) };
    case '/next/app':
      return { status: 200, type: HTML, body: nextAppPage(origin) };
    case '/assets/site.css':
      return { status: 200, type: 'text/css; charset=utf-8', body: STYLESHEET(origin) };
    case '/assets/masthead.svg':
      return { status: 200, type: 'image/svg+xml', body: MASTHEAD_SVG };
    case '/api/articles.json':
      return { status: 200, type: 'application/json', body: articlesJson(origin) };
    default:
      return { status: 404, type: HTML, body: notFound(origin) };
  }
}
