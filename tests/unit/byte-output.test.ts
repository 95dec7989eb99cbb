/**
 * ByteOutput: `ensure` hands the filled part to the drain and starts over; `text` makes room by
 * growing the buffer, never by a drain, so a line being written is never cut between drains.
 */
import { ByteOutput } from '../../lib/values/byte-output';

function output(size: number) {
  const drained: string[] = [];
  const out = new ByteOutput(size, (filled) => drained.push(filled.toString('utf8')));
  return { out, drained };
}

test('ensure drains the filled part when the next write may not fit', () => {
  const { out, drained } = output(8);
  out.ensure(6);
  out.bytes(Buffer.from('line1\n'));
  out.ensure(6);
  expect(drained).toEqual(['line1\n']);
  out.bytes(Buffer.from('line2\n'));
  out.flush();
  expect(drained).toEqual(['line1\n', 'line2\n']);
});

test('text larger than the room left grows the buffer and keeps the line whole', () => {
  const { out, drained } = output(8);
  out.ensure(4);
  out.bytes(Buffer.from('{"a":'));
  out.text('"é and a long value"');
  out.bytes(Buffer.from('}\n'));
  expect(drained).toEqual([]);
  out.flush();
  expect(drained).toEqual(['{"a":"é and a long value"}\n']);
});
