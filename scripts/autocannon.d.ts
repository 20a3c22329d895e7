// autocannon ships no types; the benchmarks use this much of it.
declare module 'autocannon' {
  interface Result {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
    timeouts: number;
    duration: number;
  }
  interface Options {
    url: string;
    method?: string;
    body?: string;
    connections?: number;
    duration?: number;
    headers?: Record<string, string>;
  }
  interface Instance extends PromiseLike<Result> {
    on(event: 'tick', listener: (tick: { counter: number; bytes: number }) => void): Instance;
    on(
      event: 'response',
      listener: (
        client: unknown,
        statusCode: number,
        bytes: number,
        responseTimeMs: number,
      ) => void,
    ): Instance;
    on(event: 'reqError', listener: (error: Error & { code?: string }) => void): Instance;
  }
  function autocannon(options: Options): Instance;
  export default autocannon;
}
