/**
 * A tiny structured JSON logger (one object per line on stdout). Powertools is not bundled: it
 * would cost most of the 20 KB budget, and its layer would add a deploy-time dependency.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const ORDER: Record<LogLevel | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** Adds fields (e.g. the request id) to every later line. */
  append(fields: Record<string, unknown>): void;
}

/** Where lines go; tests replace it to read the log. */
export let logSink: (line: string) => void = (line) => process.stdout.write(line + '\n');

export function setLogSink(sink: (line: string) => void): void {
  logSink = sink;
}

export function createLogger(service: string): Logger {
  const persistent: Record<string, unknown> = { service };
  const emit = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
    const threshold = (process.env.LOG_LEVEL ?? 'info').toLowerCase() as LogLevel | 'silent';
    if (ORDER[level] < (ORDER[threshold] ?? ORDER.info)) return;
    logSink(
      JSON.stringify(
        { timestamp: new Date().toISOString(), level, message, ...persistent, ...fields },
        errorReplacer,
      ),
    );
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    append: (f) => Object.assign(persistent, f),
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}
