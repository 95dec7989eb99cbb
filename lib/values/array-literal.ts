/**
 * PostgreSQL array literals (array_out's text) → JSON arrays, converting each element with the
 * element type's converter. Handles any depth, quoted elements with backslash escapes, unquoted
 * NULL, the `[lb:ub]…=` bounds prefix of arrays not starting at 1, and the type's delimiter
 * (`;` for box). One pass over the text, no intermediate arrays.
 */
import { readQuoted } from './quoted-token';
import type { ToJson } from './to-json';

const LEFT_BRACE = 0x7b;
const RIGHT_BRACE = 0x7d;
const LEFT_BRACKET = 0x5b;
const QUOTE = 0x22;

/** array_out prints NULL elements as an unquoted `NULL` (array_in accepts any case). */
function isNullWord(raw: string): boolean {
  return raw.length === 4 && (raw === 'NULL' || raw.toUpperCase() === 'NULL');
}

export function arrayConverter(element: ToJson, delimiter: string): ToJson {
  const delimiterCode = delimiter.charCodeAt(0);
  return (text) => {
    const length = text.length;
    let i = text.charCodeAt(0) === LEFT_BRACKET ? text.indexOf('=') + 1 : 0;
    let out = '';
    while (i < length) {
      const code = text.charCodeAt(i);
      if (code === LEFT_BRACE) {
        out += '[';
        i += 1;
      } else if (code === RIGHT_BRACE) {
        out += ']';
        i += 1;
      } else if (code === delimiterCode) {
        out += ',';
        i += 1;
      } else if (code === QUOTE) {
        const [value, next] = readQuoted(text, i);
        out += element(value);
        i = next;
      } else {
        let j = i + 1;
        while (j < length) {
          const c = text.charCodeAt(j);
          if (c === delimiterCode || c === RIGHT_BRACE) break;
          j += 1;
        }
        const raw = text.slice(i, j);
        out += isNullWord(raw) ? 'null' : element(raw);
        i = j;
      }
    }
    return out;
  };
}
