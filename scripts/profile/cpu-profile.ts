/**
 * Reading a V8 CPU profile (`Profiler.Profile`, the `.cpuprofile` format): self time per function,
 * time per area of the server, and the same profile as Chrome trace events, which the Firefox
 * Profiler (profiler.firefox.com → Load a profile from file) and Chrome DevTools both open.
 */
export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
  scriptId: string;
}

export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The areas of the publisher path the upstream plan's breakdown uses, plus what Node adds. */
const AREAS: readonly (readonly [string, RegExp])[] = [
  ['HTML rewriting', /\/src\/core\/html\/|\/src\/core\/proxy\/html-rules/],
  ['Next.js payloads', /\/src\/core\/rewrite\/(next-inline|flight-text|rsc-flight)/],
  ['text replacement', /\/src\/core\/rewrite\//],
  ['compression', /node:zlib|\/src\/node\/codecs/],
  ['logging', /\/src\/core\/log\.ts|\/src\/node\/console-log/],
  [
    'streams plumbing',
    /node:internal\/webstreams|node:internal\/streams|\/src\/core\/proxy\/publisher-rewrite/,
  ],
  ['routing & HTTP', /\/src\/core\/|\/src\/node\/|node:_http|node:http|node:net|undici/],
];

export const GC = 'garbage collection';
const IDLE = new Set(['(idle)']);

function areaOf(frame: CallFrame): string | undefined {
  if (frame.functionName === '(garbage collector)') return GC;
  for (const [area, pattern] of AREAS) if (pattern.test(frame.url)) return area;
  return undefined;
}

function location(frame: CallFrame): string {
  if (frame.url === '') return '(native)';
  const file = frame.url.replace(/^file:\/\/.*?\/(src|node_modules|scripts)\//, '$1/');
  return `${file}:${frame.lineNumber + 1}`;
}

export interface Analysis {
  /** Sampled time in ms, idle excluded. */
  busyMs: number;
  top: { name: string; where: string; selfMs: number }[];
  areas: Map<string, number>;
}

export function analyse(profile: CpuProfile, topN = 20): Analysis {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);

  // A builtin leaf (indexOf, a typed-array copy) has no script: its time belongs to the nearest
  // caller that does, so the area is the caller's.
  const areaCache = new Map<number, string>();
  const areaFor = (id: number): string => {
    const cached = areaCache.get(id);
    if (cached) return cached;
    let current: number | undefined = id;
    let area = 'other';
    while (current !== undefined) {
      const found = areaOf((byId.get(current) as ProfileNode).callFrame);
      if (found) {
        area = found;
        break;
      }
      current = parent.get(current);
    }
    areaCache.set(id, area);
    return area;
  };

  const selfByNode = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    const ms = (profile.timeDeltas[index + 1] ?? 0) / 1000;
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + ms);
  });

  let busyMs = 0;
  const areas = new Map<string, number>();
  const byFunction = new Map<string, { name: string; where: string; selfMs: number }>();
  for (const [id, ms] of selfByNode) {
    const frame = (byId.get(id) as ProfileNode).callFrame;
    if (IDLE.has(frame.functionName) || frame.functionName === '(root)') continue;
    busyMs += ms;
    const area = areaFor(id);
    areas.set(area, (areas.get(area) ?? 0) + ms);
    const name = frame.functionName || '(anonymous)';
    const where = location(frame);
    const key = `${name}@${where}`;
    const entry = byFunction.get(key) ?? { name, where, selfMs: 0 };
    entry.selfMs += ms;
    byFunction.set(key, entry);
  }
  const top = [...byFunction.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, topN);
  return { busyMs, top, areas };
}

/** The profile as Chrome trace events (one Profile + one ProfileChunk), with parent links. */
export function toTraceEvents(profile: CpuProfile, processName: string): object {
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const nodes = profile.nodes.map((node) => ({
    id: node.id,
    callFrame: node.callFrame,
    ...(parent.has(node.id) ? { parent: parent.get(node.id) } : {}),
  }));
  const common = { pid: 1, tid: 1, cat: 'disabled-by-default-v8.cpu_profiler', id: '0x1' };
  return {
    traceEvents: [
      {
        ph: 'M',
        name: 'process_name',
        pid: 1,
        tid: 1,
        ts: profile.startTime,
        args: { name: processName },
      },
      {
        ph: 'M',
        name: 'thread_name',
        pid: 1,
        tid: 1,
        ts: profile.startTime,
        args: { name: 'main thread' },
      },
      {
        ...common,
        ph: 'P',
        name: 'Profile',
        ts: profile.startTime,
        args: { data: { startTime: profile.startTime } },
      },
      {
        ...common,
        ph: 'P',
        name: 'ProfileChunk',
        ts: profile.startTime,
        args: {
          data: {
            cpuProfile: { nodes, samples: profile.samples },
            timeDeltas: profile.timeDeltas,
          },
        },
      },
    ],
  };
}
