import { createMemoryWriter } from '../../lib/messages/writer';
import { StateEmitter } from '../../lib/sync/state-emitter';

function paced() {
  const out = createMemoryWriter();
  let now = 0;
  const emitter = new StateEmitter({ currently_syncing: null, bookmarks: {} }, out, { everyRecords: 3, everyMs: 1000, clock: () => now });
  const states = () => out.lines.map((line) => JSON.parse(line).value);
  return { emitter, states, advance: (ms: number) => (now += ms) };
}

test('paced: the first emit writes; later ones only after everyRecords records or everyMs', () => {
  const { emitter, states, advance } = paced();
  emitter.setCurrentlySyncing('s-a');
  emitter.emit();
  expect(states()).toEqual([{ currently_syncing: 's-a', bookmarks: {} }]);
  emitter.setBookmark('s-a', { version: 1 });
  emitter.setCurrentlySyncing('s-b');
  emitter.countRecords(2);
  emitter.emit();
  expect(states()).toHaveLength(1);
  emitter.countRecords(1);
  emitter.emit();
  expect(states()[1]).toEqual({ currently_syncing: 's-b', bookmarks: { 's-a': { version: 1 } } });
  emitter.setBookmark('s-b', { version: 2 });
  advance(999);
  emitter.emit();
  expect(states()).toHaveLength(2);
  advance(1);
  emitter.emit();
  expect(states()).toHaveLength(3);
});

test('flush writes the current state now; a state equal to the last one written is not written again', () => {
  const { emitter, states } = paced();
  emitter.emit();
  emitter.setBookmark('s-a', { version: 1 });
  emitter.emit();
  expect(states()).toHaveLength(1);
  emitter.flush();
  expect(states()[1]).toEqual({ currently_syncing: null, bookmarks: { 's-a': { version: 1 } } });
  emitter.setBookmark('s-a', { version: 1 });
  emitter.flush();
  expect(states()).toHaveLength(2);
});

test('flush after records writes the state again even when it is unchanged, so the output ends with a STATE', () => {
  const { emitter, states } = paced();
  emitter.setBookmark('s-a', { version: 1, ctid_page: 4 });
  emitter.flush();
  emitter.countRecords(2);
  emitter.flush();
  expect(states()).toEqual([
    { currently_syncing: null, bookmarks: { 's-a': { version: 1, ctid_page: 4 } } },
    { currently_syncing: null, bookmarks: { 's-a': { version: 1, ctid_page: 4 } } },
  ]);
  emitter.flush();
  expect(states()).toHaveLength(2);
});

test('without a pace every change is written; the state given is not changed', () => {
  const given = { currently_syncing: null, bookmarks: { old: { version: 5 } } };
  const out = createMemoryWriter();
  const emitter = new StateEmitter(given, out);
  emitter.setBookmark('s-a', { version: 1 });
  emitter.emit();
  emitter.setBookmark('s-a', { version: 2 });
  emitter.emit();
  expect(out.lines).toHaveLength(2);
  expect(given).toEqual({ currently_syncing: null, bookmarks: { old: { version: 5 } } });
});

test('the counting writer counts the records its record format was told of, and passes every message through', () => {
  const { emitter, states } = paced();
  const out = createMemoryWriter();
  const counted = emitter.countingWriter(out);
  counted.write('{"type":"SCHEMA"}');
  void counted.writeBytes(Buffer.from('{"type":"RECORD"}\n'));
  expect(out.lines).toEqual(['{"type":"SCHEMA"}', '{"type":"RECORD"}']);
  emitter.emit();
  emitter.setBookmark('s-a', { version: 1 });
  counted.recordFormat?.('s-a').written?.(3);
  emitter.emit();
  expect(states()).toHaveLength(2);
});
