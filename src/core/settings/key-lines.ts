/**
 * Best-effort map from dotted key path (`publisher.origin_url`, `handlers.0.path`) to the line
 * it is written on, so validation errors can point at the file. TOML parsers report positions for
 * syntax errors only; this scan covers the common layout (table headers and `key = value` lines).
 */
export function locateKeyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  const arrayCounts = new Map<string, number>();
  let table = '';
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.trim();
    const lineNumber = index + 1;
    const arrayHeader = /^\[\[\s*([^\]]+?)\s*\]\]/.exec(line);
    if (arrayHeader) {
      const name = normalise(arrayHeader[1] ?? '');
      const count = arrayCounts.get(name) ?? 0;
      arrayCounts.set(name, count + 1);
      table = `${name}.${count}`;
      setOnce(lines, name, lineNumber);
      lines.set(table, lineNumber);
      return;
    }
    const header = /^\[\s*([^\]]+?)\s*\]/.exec(line);
    if (header) {
      table = normalise(header[1] ?? '');
      setOnce(lines, table, lineNumber);
      return;
    }
    const assignment = /^("[^"]*"|'[^']*'|[A-Za-z0-9_.\-"' ]+?)\s*=/.exec(line);
    if (assignment) {
      const key = normalise(assignment[1] ?? '');
      setOnce(lines, table === '' ? key : `${table}.${key}`, lineNumber);
    }
  });
  return lines;
}

function normalise(dotted: string): string {
  return dotted
    .split('.')
    .map((part) => part.trim().replace(/^["']|["']$/g, ''))
    .join('.');
}

function setOnce(lines: Map<string, number>, key: string, line: number): void {
  if (!lines.has(key)) lines.set(key, line);
}
