/**
 * The stderr logger. stdout carries only protocol messages, so every human-readable line goes
 * here. Text lines look like `tap-postgres-ts WARN message key=value`; with format 'json' each
 * line is one JSON object. Fields pass through `redact` before they are printed.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: 'text' | 'json';
  /** Removes secrets from a message before it is printed. */
  redact?: (text: string) => string;
  /** Where lines go; stderr unless a test gives another sink. */
  sink?: (line: string) => void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = ORDER[options.level ?? 'info'];
  const format = options.format ?? 'text';
  const redact = options.redact ?? ((text: string) => text);
  const sink = options.sink ?? ((line: string) => process.stderr.write(line + '\n'));

  function log(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    if (ORDER[level] < threshold) return;
    if (format === 'json') {
      sink(redact(JSON.stringify({ level, time: new Date().toISOString(), message, ...fields })));
      return;
    }
    const extra = fields
      ? Object.entries(fields)
          .map(([key, value]) => ` ${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
          .join('')
      : '';
    sink(redact(`tap-postgres-ts ${level.toUpperCase()} ${message}${extra}`));
  }

  return {
    debug: (message, fields) => log('debug', message, fields),
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
  };
}
