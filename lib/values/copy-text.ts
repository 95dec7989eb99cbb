/**
 * One COPY … TO STDOUT text field → its text (the byte writers' fallback, and the resume
 * position).
 *
 * Why hand-written: the maintained packages for COPY (pg-copy-streams, pg-copy-streams-binary)
 * only move raw bytes or decode the binary format for node-postgres; generic TSV/CSV parsers do
 * not know COPY's backslash escapes or `\N`. This follows the "Text Format" section of the COPY
 * documentation.
 *
 * Format: rows end with LF; fields are separated by TAB; `\N` is NULL; inside a field a
 * backslash escapes: `\b \f \n \r \t \v \\`, octal `\NNN` (1-3 digits), hex `\xHH` (1-2 digits),
 * and any other character stands for itself. A raw TAB or LF never appears inside a field, so
 * splitting on them before unescaping is exact. (Octal/hex escapes are only produced by other
 * writers, never by the server; they are decoded to the code point of that number.)
 */

/** One field's COPY text (no TAB or LF in it) with its escapes decoded; null for `\N`. */
export function decodeCopyField(text: string): string | null {
  const backslash = text.indexOf('\\');
  return backslash === -1 ? text : decodeField(text, backslash, 0, text.length);
}

const SIMPLE_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

function isOctal(code: number): boolean {
  return code >= 0x30 && code <= 0x37;
}

function isHex(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}

/** `line[start, end)` (its first backslash at `firstBackslash`) with escapes decoded; null for `\N`. */
function decodeField(line: string, firstBackslash: number, start: number, end: number): string | null {
  let i = firstBackslash;
  if (i === start && end - start === 2 && line.charCodeAt(start + 1) === 0x4e) return null; // \N
  let out = '';
  let segment = start;
  while (i !== -1 && i < end) {
    out += line.slice(segment, i);
    const next = line.charAt(i + 1);
    const code = line.charCodeAt(i + 1);
    let after = i + 2;
    if (isOctal(code)) {
      while (after < end && after < i + 4 && isOctal(line.charCodeAt(after))) after += 1;
      out += String.fromCharCode(parseInt(line.slice(i + 1, after), 8));
    } else if (next === 'x' && isHex(line.charCodeAt(i + 2))) {
      after = i + 3;
      if (after < end && isHex(line.charCodeAt(after))) after += 1;
      out += String.fromCharCode(parseInt(line.slice(i + 2, after), 16));
    } else {
      out += SIMPLE_ESCAPES[next] ?? next;
    }
    segment = after;
    i = line.indexOf('\\', after);
  }
  return out + line.slice(segment, end);
}
