import { SyncError } from '../../lib/errors';
import { copyLines, splitCopyLine } from '../helpers/record-reference';

function split(line: string): Array<string | null> {
  const into: Array<string | null> = [];
  const count = splitCopyLine(line, into);
  return into.slice(0, count);
}

async function* chunksOf(parts: Buffer[]): AsyncGenerator<Buffer> {
  for (const part of parts) yield part;
}

async function allLines(parts: Buffer[]): Promise<{ lines: string[]; batches: number }> {
  const lines: string[] = [];
  let batches = 0;
  for await (const batch of copyLines(chunksOf(parts))) {
    batches += 1;
    lines.push(...batch);
  }
  return { lines, batches };
}

describe('splitCopyLine', () => {
  test.each([
    ['a\tb\tc', ['a', 'b', 'c']],
    ['', ['']],
    ['\t', ['', '']],
    ['\\N\tx\t\\N', [null, 'x', null]],
    ['\\\\N', ['\\N']],
    ['a\\tb\\nc\\rd', ['a\tb\nc\rd']],
    ['\\b\\f\\v\\\\', ['\b\f\v\\']],
    ['\\101\\7\\0101', ['A\u0007\u00081']],
    ['\\x41\\x4a\\xg', ['AJxg']],
    ['\\q\\.', ['q.']],
    ['ünï\t😀\\t日本', ['ünï', '😀\t日本']],
    ['tail\\\\', ['tail\\']],
  ] as Array<[string, Array<string | null>]>)('%j', (line, fields) => {
    expect(split(line)).toEqual(fields);
  });

  test('reuses the caller array and checks the width', () => {
    const into: Array<string | null> = new Array(3);
    expect(splitCopyLine('1\t2\t3', into, 3)).toBe(3);
    expect(into).toEqual(['1', '2', '3']);
    splitCopyLine('4\t\\N\t6', into, 3);
    expect(into).toEqual(['4', null, '6']);
    expect(() => splitCopyLine('1\t2', into, 3)).toThrow(SyncError);
  });
});

describe('copyLines', () => {
  const text = 'a\tü\n\\N\t😀\\\\x\nlast\tline\n';
  const bytes = Buffer.from(text, 'utf8');
  const expected = ['a\tü', '\\N\t😀\\\\x', 'last\tline'];

  test('one chunk gives one batch of whole lines', async () => {
    expect(await allLines([bytes])).toEqual({ lines: expected, batches: 1 });
  });

  test('every split point, including inside multi-byte characters and escapes', async () => {
    for (let a = 0; a <= bytes.length; a += 1) {
      for (let b = a; b <= bytes.length; b += 1) {
        const parts = [bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)];
        expect((await allLines(parts)).lines).toEqual(expected);
      }
    }
  });

  test('one byte at a time', async () => {
    const parts = Array.from(bytes, (byte) => Buffer.from([byte]));
    expect((await allLines(parts)).lines).toEqual(expected);
  });

  test('an empty line is a row with one empty field; a final line without LF is kept', async () => {
    expect((await allLines([Buffer.from('\n\nx')])).lines).toEqual(['', '', 'x']);
  });

  test('the \\. end marker is dropped', async () => {
    expect((await allLines([Buffer.from('a\n\\.\n')])).lines).toEqual(['a']);
    expect((await allLines([Buffer.from('a\n\\.')])).lines).toEqual(['a']);
  });

  test('decoded fields survive the chunking', async () => {
    const { lines } = await allLines([bytes.subarray(0, 9), bytes.subarray(9)]);
    expect(lines.map(split)).toEqual([['a', 'ü'], [null, '😀\\x'], ['last', 'line']]);
  });
});
