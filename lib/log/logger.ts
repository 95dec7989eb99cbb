/**
 * The stderr logger. stdout carries only protocol messages, so every human-readable line goes
 * here. Text lines look like `tap-postgres-ts WARN message key=value` (a `stream` field is left
 * out when the message already starts with that stream's id); with format 'json' each line is
 * one JSON object: `level`, `time`, `message`, the fields (`stream`, counters), and `levelname`
 * and `name` as the Singer SDK writes them, so Meltano's `singer-sdk` log parser reads them.
 * Metrics (lib/log/metrics.ts) are `METRIC: {json}` text lines, or JSON lines with the point in
 * `metric_info`. Everything passes through `redact` before it is printed.
 */
import type { MetricPoint } from './metrics';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** One metric point, at level info; `fields` go to JSON lines only. */
  metric(point: MetricPoint, fields?: Record<string, unknown>): void;
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
/** Python's level names, as the Singer SDK's JSON log lines carry them. */
const LEVEL_NAMES: Record<LogLevel, string> = { debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR' };
const NAME = 'tap-postgres-ts';

function textFields(message: string, fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .filter(([key, value]) => !(key === 'stream' && typeof value === 'string' && message.startsWith(`${value}:`)))
    .map(([key, value]) => ` ${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join('');
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = ORDER[options.level ?? 'info'];
  const format = options.format ?? 'text';
  const redact = options.redact ?? ((text: string) => text);
  const sink = options.sink ?? ((line: string) => process.stderr.write(line + '\n'));

  function json(level: LogLevel, message: string, fields?: Record<string, unknown>): string {
    return JSON.stringify({ level, levelname: LEVEL_NAMES[level], name: NAME, time: new Date().toISOString(), message, ...fields });
  }

  function log(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    if (ORDER[level] < threshold) return;
    if (format === 'json') sink(redact(json(level, message, fields)));
    else sink(redact(`${NAME} ${level.toUpperCase()} ${message}${fields ? textFields(message, fields) : ''}`));
  }

  function metric(point: MetricPoint, fields?: Record<string, unknown>): void {
    if (ORDER.info < threshold) return;
    if (format === 'json') sink(redact(json('info', 'METRIC', { stream: point.tags.stream, ...fields, metric_info: point })));
    else sink(redact(`${NAME} INFO METRIC: ${JSON.stringify(point)}`));
  }

  return {
    debug: (message, fields) => log('debug', message, fields),
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
    metric,
  };
}
