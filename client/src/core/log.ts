/** Console logging with a level, prefixed `[tsjs]`, silent by default below `warn`. */
export type ClientLogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug';

const RANK: Record<ClientLogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 };

export interface ClientLogger {
  level: ClientLogLevel;
  error(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  info(...args: unknown[]): void;
  debug(...args: unknown[]): void;
}

export function isLogLevel(value: unknown): value is ClientLogLevel {
  return typeof value === 'string' && value in RANK;
}

export function createClientLogger(initial: ClientLogLevel = 'warn'): ClientLogger {
  const logger: ClientLogger = {
    level: initial,
    error: (...args) => emit('error', args),
    warn: (...args) => emit('warn', args),
    info: (...args) => emit('info', args),
    debug: (...args) => emit('debug', args),
  };
  function emit(level: Exclude<ClientLogLevel, 'silent'>, args: unknown[]): void {
    if (RANK[level] > RANK[logger.level] || typeof console === 'undefined') return;
    const prefix = `[tsjs] ${new Date().toISOString()}:`;
    if (level === 'debug') console.log(prefix, ...args);
    else console[level](prefix, ...args);
  }
  return logger;
}
