/**
 * hstore_out text (`"a"=>"1", "b"=>NULL`) → a JSON object with string or null values. Keys and
 * values are double-quoted with `\"` and `\\` escapes; NULL values are an unquoted `NULL`.
 * Unquoted keys/values (accepted by hstore_in, never printed by hstore_out) are read too.
 */
import { jsonString } from './json-text';
import { readQuoted } from './quoted-token';

const QUOTE = 0x22;
const SPACE = 0x20;
const COMMA = 0x2c;
const EQUALS = 0x3d;

/** An unquoted token ends at `=>` (keys) or at a comma or space (values). */
function readBare(text: string, start: number, isKey: boolean): [string, number] {
  let i = start;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === COMMA || code === SPACE || (isKey && code === EQUALS && text.charCodeAt(i + 1) === 0x3e)) break;
    i += 1;
  }
  return [text.slice(start, i), i];
}

function skipSeparators(text: string, start: number): number {
  let i = start;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code !== SPACE && code !== COMMA) break;
    i += 1;
  }
  return i;
}

export function hstoreToJson(text: string): string {
  let out = '{';
  let i = skipSeparators(text, 0);
  while (i < text.length) {
    const [key, afterKey] = text.charCodeAt(i) === QUOTE ? readQuoted(text, i) : readBare(text, i, true);
    i = afterKey;
    while (text.charCodeAt(i) === SPACE) i += 1;
    i += 2; // =>
    while (text.charCodeAt(i) === SPACE) i += 1;
    let value: string;
    if (text.charCodeAt(i) === QUOTE) {
      const [raw, next] = readQuoted(text, i);
      value = jsonString(raw);
      i = next;
    } else {
      const [raw, next] = readBare(text, i, false);
      value = raw.toUpperCase() === 'NULL' ? 'null' : jsonString(raw);
      i = next;
    }
    out += (out.length === 1 ? '' : ',') + jsonString(key) + ':' + value;
    i = skipSeparators(text, i);
  }
  return out + '}';
}
