/**
 * The logger of the Airbyte commands: each line becomes an Airbyte LOG message on stdout (levels
 * debug/info/warn/error → DEBUG/INFO/WARN/ERROR), secrets redacted. The engine logs through it
 * unchanged (it implements the tap's Logger).
 */
import type { Logger, LogLevel } from '../log/logger';
import { logMessage } from './messages';
import type { AirbyteLogLevel } from './types';

const LEVELS: Record<LogLevel, AirbyteLogLevel> = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface AirbyteLoggerOptions {
  /** Writes one line to stdout (a LOG message). */
  write: (line: string) => void;
  redact: (text: string) => string;
  level?: LogLevel;
}

function text(message: string, fields?: Record<string, unknown>): string {
  if (!fields) return message;
  return message + Object.entries(fields).map(([key, value]) => ` ${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`).join('');
}

export function airbyteLogger(options: AirbyteLoggerOptions): Logger {
  const threshold = ORDER[options.level ?? 'info'];
  const log = (level: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (ORDER[level] < threshold) return;
    options.write(logMessage(LEVELS[level], options.redact(text(message, fields).replace(/\s*\n\s*/g, ' '))));
  };
  return {
    debug: (message, fields) => log('debug', message, fields),
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
    // Airbyte has its own record counts (STATE sourceStats, stream statuses): no METRIC lines.
    metric: () => undefined,
  };
}
