/**
 * Structured logging: one JSON object per line. Every line passes through a scrubber that replaces
 * configured secret values, so even a secret that slipped into a message never reaches the sink.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  level: LogLevel;
  /** Receives each finished line (without a trailing newline). */
  sink: (line: string, level: LogLevel) => void;
  /** Values that must never appear in output. */
  secrets?: readonly string[];
  clock?: () => number;
}

export function createLogger(options: LoggerOptions): Logger {
  const threshold = RANK[options.level];
  // Short strings would redact ordinary words; secrets that short are rejected as insecure anyway.
  const secrets = (options.secrets ?? []).filter((secret) => secret.length >= 4);
  const clock = options.clock ?? Date.now;
  const scrub = (line: string): string => {
    let out = line;
    for (const secret of secrets) {
      if (out.includes(secret)) out = out.split(secret).join('[redacted]');
      const escaped = JSON.stringify(secret).slice(1, -1);
      if (escaped !== secret && out.includes(escaped)) out = out.split(escaped).join('[redacted]');
    }
    return out;
  };
  const write = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (RANK[level] < threshold) return;
    const record = { time: new Date(clock()).toISOString(), level, msg: message, ...fields };
    options.sink(scrub(JSON.stringify(record)), level);
  };
  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}

export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

/**
 * Lines to the console, warnings and errors to stderr: what the edges' log tails (Workers Logs,
 * `wrangler tail`, Fastly's log tail) show as errors.
 */
export function consoleSink(line: string, level: LogLevel): void {
  if (level === 'warn' || level === 'error') console.error(line);
  else console.log(line);
}
