/**
 * JSON text helpers for the converters: string quoting and a whitespace-dropping minifier for
 * json/jsonb text that never parses numbers (JSON.parse would round big ones).
 */

/**
 * A JSON string literal for `text`. V8's JSON.stringify on a string is a tight native loop
 * (escapes `"`, `\`, control characters, and lone surrogates as `\udXXX`); nothing hand-written
 * beats it.
 */
export function jsonString(text: string): string {
  return JSON.stringify(text);
}

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Removes the insignificant whitespace of valid JSON text (what PostgreSQL's json/jsonb output
 * prints): spaces, tabs, CR and LF outside strings. Strings, numbers and literals are copied
 * byte for byte, so `1e400` or a 40-digit integer stay as written.
 */
export function minifyJson(text: string): string {
  const length = text.length;
  let out = '';
  let segmentStart = 0;
  let i = 0;
  while (i < length) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      i = endOfString(text, i + 1);
      continue;
    }
    if (code === SPACE || code === LF || code === CR || code === TAB) {
      if (i > segmentStart) out += text.slice(segmentStart, i);
      i += 1;
      while (i < length) {
        const next = text.charCodeAt(i);
        if (next !== SPACE && next !== LF && next !== CR && next !== TAB) break;
        i += 1;
      }
      segmentStart = i;
      continue;
    }
    i += 1;
  }
  if (segmentStart === 0) return text;
  return segmentStart < length ? out + text.slice(segmentStart) : out;
}

/** Index just past the closing quote of the string whose contents start at `from`. */
function endOfString(text: string, from: number): number {
  let i = from;
  const length = text.length;
  while (i < length) {
    const code = text.charCodeAt(i);
    if (code === BACKSLASH) i += 2;
    else if (code === QUOTE) return i + 1;
    else i += 1;
  }
  return length;
}
