import { SyncError } from '../../lib/errors';
import { copyDataMessages, copyLines, splitCopyLine } from '../helpers/record-reference';

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
  const rows = ['a\tü\n', '\\N\t😀\\\\x\n', 'last\tline\n'];
  const expected = ['a\tü', '\\N\t😀\\\\x', 'last\tline'];

  test('each batch of CopyData messages gives its rows as lines', async () => {
    expect(await allLines([copyDataMessages(rows)])).toEqual({ lines: expected, batches: 1 });
    expect(await allLines([copyDataMessages(rows.slice(0, 1)), copyDataMessages(rows.slice(1))])).toEqual({ lines: expected, batches: 2 });
  });

  test('the \\. end marker is dropped; bytes that are not a row message fail', async () => {
    expect((await allLines([copyDataMessages(['a\n', '\\.\n'])])).lines).toEqual(['a']);
    await expect(allLines([Buffer.from('a\tb\n')])).rejects.toThrow(/no whole CopyData message/);
  });

  test('decoded fields survive', async () => {
    const { lines } = await allLines([copyDataMessages(rows)]);
    expect(lines.map(split)).toEqual([['a', 'ü'], [null, '😀\\x'], ['last', 'line']]);
  });
});
