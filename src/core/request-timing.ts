/**
 * Per-request timings that core measures and adapters log (origin time in the access log).
 * Keyed by the Request object, so nothing leaks between requests and nothing outlives one.
 */
const originTimes = new WeakMap<Request, number>();

export function recordOriginTime(request: Request, milliseconds: number): void {
  originTimes.set(request, milliseconds);
}

export function originTimeOf(request: Request): number | undefined {
  return originTimes.get(request);
}
