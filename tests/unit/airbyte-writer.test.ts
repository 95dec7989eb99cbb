import { AirbyteWriter, type Estimate } from '../../lib/airbyte/writer';
import { activateVersionMessage, schemaMessage, stateMessage } from '../../lib/messages/serialize';
import type { MessageWriter } from '../../lib/messages/writer';
import type { Bookmark } from '../../lib/state/types';

function output(): MessageWriter & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    write: (line) => void lines.push(line),
    writeBytes: (data) => void lines.push(...Buffer.from(data).toString('utf8').split('\n').filter((l) => l !== '')),
    flush: async () => undefined,
  };
}

function writer(options: { global?: boolean; logical?: string[]; estimates?: Map<string, Estimate> } = {}) {
  const out = output();
  const streams = new Map([['s-a', { name: 'a', namespace: 's' }], ['s-b', { name: 'b', namespace: 's' }]]);
  let clock = 1000;
  const w = new AirbyteWriter({ out, streams, logical: new Set(options.logical ?? []), global: options.global ?? false, estimates: options.estimates ?? new Map(), clock: () => clock++ });
  return { w, out };
}

const state = (current: string | null, bookmarks: Record<string, Bookmark>) => stateMessage({ currently_syncing: current, bookmarks });
const parsed = (lines: string[]) => lines.map((l) => JSON.parse(l));

test('a FULL_TABLE stream: STARTED, ESTIMATE, STATE, RUNNING, records (bytes), STATE with the count, COMPLETE', async () => {
  const { w, out } = writer({ estimates: new Map([['s-a', { rows: 2, bytes: 8192 }]]) });
  w.write(schemaMessage('s-a', { type: 'object' }, ['id']));
  w.write(state('s-a', { 's-a': { version: 1, ctid_page: 0 } }));
  w.write(activateVersionMessage('s-a', 1));
  const format = w.recordFormat('s-a');
  const tail = format.tail(1, new Date(1700000000123));
  expect(format.prefix).toBe('{"type":"RECORD","record":{"namespace":"s","stream":"a","data":');
  expect(tail).toBe(',"emitted_at":1700000000123}}');
  expect(format.changeColumns).toEqual({ lsn: '_ab_cdc_lsn', deletedAt: '_ab_cdc_deleted_at', updatedAt: '_ab_cdc_updated_at' });
  w.writeBytes(Buffer.from(`${format.prefix}{"id":1}${tail}\n${format.prefix}{"id":2}${tail}\n`));
  format.written?.(2);
  // The engine ends the stream; COMPLETE waits for the STATE that holds its final bookmark.
  w.endStream('s-a');
  await w.flush();
  expect(out.lines).toHaveLength(6);
  w.write(state(null, { 's-a': { version: 1 } }));
  await w.flush();
  expect(parsed(out.lines)).toEqual([
    { type: 'TRACE', trace: { type: 'STREAM_STATUS', emitted_at: 1000, stream_status: { stream_descriptor: { name: 'a', namespace: 's' }, status: 'STARTED' } } },
    { type: 'TRACE', trace: { type: 'ESTIMATE', emitted_at: 1000, estimate: { name: 'a', namespace: 's', type: 'STREAM', row_estimate: 2, byte_estimate: 8192 } } },
    { type: 'STATE', state: { type: 'STREAM', stream: { stream_descriptor: { name: 'a', namespace: 's' }, stream_state: { version: 1, ctid_page: 0 } }, sourceStats: { recordCount: 0 } } },
    { type: 'TRACE', trace: { type: 'STREAM_STATUS', emitted_at: 1001, stream_status: { stream_descriptor: { name: 'a', namespace: 's' }, status: 'RUNNING' } } },
    { type: 'RECORD', record: { namespace: 's', stream: 'a', data: { id: 1 }, emitted_at: 1700000000123 } },
    { type: 'RECORD', record: { namespace: 's', stream: 'a', data: { id: 2 }, emitted_at: 1700000000123 } },
    { type: 'STATE', state: { type: 'STREAM', stream: { stream_descriptor: { name: 'a', namespace: 's' }, stream_state: { version: 1 } }, sourceStats: { recordCount: 2 } } },
    { type: 'TRACE', trace: { type: 'STREAM_STATUS', emitted_at: 1002, stream_status: { stream_descriptor: { name: 'a', namespace: 's' }, status: 'COMPLETE' } } },
  ]);
  expect(out.lines[2]).toContain('"sourceStats":{"recordCount":0.0}');
  w.finish(true);
  expect(out.lines).toHaveLength(8); // already COMPLETE
});

test('STREAM states only for started streams, and only when changed or records were written', () => {
  const { w, out } = writer();
  w.write(schemaMessage('s-a', {}, []));
  w.write(state('s-a', { 's-a': { version: 1 }, 's-b': { version: 9 }, 'x-other': { version: 5 } }));
  w.write(state('s-a', { 's-a': { version: 1 }, 's-b': { version: 9 } }));
  const states = parsed(out.lines).filter((m) => m.type === 'STATE');
  expect(states.map((m) => m.state.stream.stream_descriptor.name)).toEqual(['a']);
});

test('GLOBAL (CDC): one state with the shared LSN of the LOG_BASED streams and every stream state; counts of all streams', () => {
  const { w, out } = writer({ global: true, logical: ['s-a'] });
  w.write(schemaMessage('s-a', {}, []));
  w.recordFormat('s-a').written?.(3);
  w.recordFormat('s-b').written?.(2);
  w.write(state(null, { 's-a': { last_replication_method: 'LOG_BASED', lsn: 42 }, 's-b': { version: 1 } }));
  w.write(state(null, { 's-a': { last_replication_method: 'LOG_BASED', lsn: 42 }, 's-b': { version: 1 } }));
  const states = parsed(out.lines).filter((m) => m.type === 'STATE');
  expect(states).toEqual([
    {
      type: 'STATE',
      state: {
        type: 'GLOBAL',
        global: {
          shared_state: { lsn: 42 },
          stream_states: [
            { stream_descriptor: { name: 'a', namespace: 's' }, stream_state: { last_replication_method: 'LOG_BASED', lsn: 42 } },
            { stream_descriptor: { name: 'b', namespace: 's' }, stream_state: { version: 1 } },
          ],
        },
        sourceStats: { recordCount: 5 },
      },
    },
  ]);
  // A LOG_BASED stream completes with the run, not when its snapshot ends.
  expect(parsed(out.lines).filter((m) => m.type === 'TRACE').map((m) => m.trace.stream_status.status)).toEqual(['STARTED']);
  w.finish(true);
  expect(parsed(out.lines).pop().trace.stream_status).toEqual({ stream_descriptor: { name: 'a', namespace: 's' }, status: 'COMPLETE' });
});

test('a failed run: the active stream INCOMPLETE; ACTIVATE_VERSION never written; record strings pass through', () => {
  const { w, out } = writer();
  w.write(schemaMessage('s-b', {}, []));
  const format = w.recordFormat('s-b');
  w.write(format.prefix + '{"id":1}' + format.tail(undefined, new Date(5)));
  w.write(activateVersionMessage('s-b', 1));
  expect(w.activeStream).toEqual({ name: 'b', namespace: 's' });
  w.finish(false);
  expect(parsed(out.lines).map((m) => m.type + ':' + (m.trace?.stream_status?.status ?? m.record?.data.id))).toEqual([
    'TRACE:STARTED', 'TRACE:RUNNING', 'RECORD:1', 'TRACE:INCOMPLETE',
  ]);
});
