/**
 * Number, boolean and bytea converters. Numbers are passed through as the server printed them
 * (never through a JS number), so int8 and numeric stay digit-exact.
 */
import type { ToJson } from './to-json';

const UPPER_N = 0x4e;
const UPPER_I = 0x49;
const MINUS = 0x2d;
const BACKSLASH = 0x5c;
const LOWER_X = 0x78;

export const integerToJson: ToJson = (text) => text;

/**
 * numeric, real, double: the text is already valid JSON (`12.50`, `1e+30`, `-0`, `1.5e-07`)
 * except NaN and ±Infinity, which have no JSON form: null and a warning.
 */
export function decimalConverter(warn: (reason: string) => void): ToJson {
  return (text) => {
    const first = text.charCodeAt(0);
    if (first === UPPER_N) {
      warn('NaN');
      return 'null';
    }
    if (first === UPPER_I || (first === MINUS && text.charCodeAt(1) === UPPER_I)) {
      warn('Infinity');
      return 'null';
    }
    return text;
  };
}

/** boolean: the output function prints `t`/`f` (a `::text` cast prints `true`/`false`). */
export const booleanToJson: ToJson = (text) => (text.charCodeAt(0) === 0x74 ? 'true' : 'false');

/** bit(1) prints `1`/`0`. */
export const bit1ToJson: ToJson = (text) => (text === '1' ? 'true' : 'false');

/**
 * bytea → the hex digits as a JSON string (`\x0a0b` → `"0a0b"`). The connection sets
 * bytea_output=hex; the legacy escape format (printable bytes as is, others `\NNN` octal, `\\`)
 * is converted to the same hex in case a server forces it.
 */
export const byteaToJson: ToJson = (text) => {
  if (text.charCodeAt(0) === BACKSLASH && text.charCodeAt(1) === LOWER_X) return '"' + text.slice(2) + '"';
  return '"' + escapeFormatToHex(text) + '"';
};

function escapeFormatToHex(text: string): string {
  let hex = '';
  let i = 0;
  while (i < text.length) {
    let byte = text.charCodeAt(i);
    if (byte === BACKSLASH && text.charCodeAt(i + 1) === BACKSLASH) {
      i += 2;
    } else if (byte === BACKSLASH) {
      byte = parseInt(text.slice(i + 1, i + 4), 8);
      i += 4;
    } else {
      i += 1;
    }
    hex += (byte < 16 ? '0' : '') + byte.toString(16);
  }
  return hex;
}
