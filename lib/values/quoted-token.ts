/**
 * A double-quoted token as array_out and hstore_out print it: `"…"` with `\"` and `\\` (any
 * backslash escapes the next character).
 */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The unescaped contents of the quoted token at `start` and the index after its closing quote. */
export function readQuoted(text: string, start: number): [string, number] {
  let value = '';
  let segment = start + 1;
  let i = segment;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) break;
    if (code === BACKSLASH) {
      value += text.slice(segment, i);
      segment = i + 1;
      i += 2;
    } else {
      i += 1;
    }
  }
  return [value + text.slice(segment, i), i + 1];
}
