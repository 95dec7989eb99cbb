/**
 * lib/db/copy-socket.ts on a byte stream cut at every pair of points (inside headers, payloads
 * and the CopyOutResponse): a claimed COPY's rows reach the sink as runs of whole CopyData
 * messages, in order, with a full sink pausing the socket until resumed; every other byte reaches
 * the driver, in order.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { claimCopyOut, watchCopyOut } from '../../lib/db/copy-socket';
import { copyDataPayloads } from '../helpers/record-reference';

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const ROWS = ['1\tä\n', '2\t\\N\n', '', '3\tlonger row with some text\n'];
const BEFORE = [message('T', Buffer.from('row description')), message('Z', Buffer.from('I'))];
const COPY_OUT = message('H', Buffer.from([0, 0, 2, 0, 0, 0, 0]));
const AFTER = [message('c', Buffer.alloc(0)), message('C', Buffer.from('COPY 4\0')), message('Z', Buffer.from('I'))];
const STREAM = Buffer.concat([...BEFORE, COPY_OUT, ...ROWS.map((row) => message('d', Buffer.from(row))), ...AFTER]);
const DRIVER_SEES = Buffer.concat([...BEFORE, COPY_OUT, ...AFTER]);

/** A socket stand-in: 'data' through emit, pause/resume counted. */
class FakeSocket extends EventEmitter {
  paused = false;
  pause(): this {
    this.paused = true;
    return this;
  }
  resume(): this {
    this.paused = false;
    return this;
  }
}

function run(parts: Buffer[], fullEvery: number): { sunk: string[]; driver: Buffer } {
  const socket = new FakeSocket();
  const driverBytes: Buffer[] = [];
  const sunk: string[] = [];
  let calls = 0;
  let claim: ReturnType<typeof claimCopyOut>;
  socket.on('data', (bytes: Buffer) => {
    driverBytes.push(Buffer.from(bytes));
    // The driver resolves the COPY's query while it handles the CopyOutResponse.
    if (claim === undefined && Buffer.concat(driverBytes).includes(COPY_OUT)) {
      claim = claimCopyOut({
        data: (src, start, end) => {
          calls += 1;
          sunk.push(...copyDataPayloads(src, start, end));
          return calls % fullEvery !== 0;
        },
      });
      if (claim === undefined) throw new Error('no claim during the hand-over');
    }
  });
  watchCopyOut(socket as unknown as Socket);
  const queue = [...parts];
  while (queue.length > 0 || socket.paused) {
    if (socket.paused) claim?.resume();
    else socket.emit('data', queue.shift() as Buffer);
  }
  return { sunk, driver: Buffer.concat(driverBytes) };
}

test('every two cuts of the stream: the rows to the sink, the rest to the driver, in order', () => {
  for (const fullEvery of [1, 2, 1000]) {
    for (let a = 0; a <= STREAM.length; a += 1) {
      for (let b = a; b <= STREAM.length; b += 1) {
        const { sunk, driver } = run([STREAM.subarray(0, a), STREAM.subarray(a, b), STREAM.subarray(b)], fullEvery);
        // One expect per failure only: thousands of passing expects cost seconds.
        if (sunk.join('|') !== ROWS.join('|') || !driver.equals(DRIVER_SEES)) expect({ a, b, fullEvery, sunk, driver }).toEqual({ a, b, fullEvery, sunk: ROWS, driver: DRIVER_SEES });
      }
    }
  }
});

test('an unclaimed COPY goes to the driver whole', () => {
  const socket = new FakeSocket();
  const driverBytes: Buffer[] = [];
  socket.on('data', (bytes: Buffer) => driverBytes.push(Buffer.from(bytes)));
  watchCopyOut(socket as unknown as Socket);
  socket.emit('data', STREAM.subarray(0, 40));
  socket.emit('data', STREAM.subarray(40));
  expect(Buffer.concat(driverBytes).equals(STREAM)).toBe(true);
});
