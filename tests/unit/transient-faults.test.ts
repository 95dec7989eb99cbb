import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { finalServerError, reportFatalMessage } from '../../lib/db/fatal-message';
import { describeFailure, isConnectionLost, isTransient } from '../../lib/db/transient-error';
import { AbortedError, SyncError } from '../../lib/errors';
import { createLogger } from '../../lib/log/logger';
import { PipeClosedError } from '../../lib/errors';
import type { RunContext } from '../../lib/context';
import { backoffSeconds, RetriesExhausted, withRetries } from '../../lib/sync/retry';
import { bookmarkInput } from '../../lib/values/datetime';

/** An ErrorResponse message as the server sends it (fields: type byte, text, NUL; then NUL). */
function errorResponse(fields: Record<string, string>): Buffer {
  const body = Buffer.concat([...Object.entries(fields).map(([type, text]) => Buffer.from(`${type}${text}\0`)), Buffer.from([0])]);
  const head = Buffer.alloc(5);
  head[0] = 0x45;
  head.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const fatal = { S: 'FATAL', V: 'FATAL', C: '57P01', M: 'terminating connection due to administrator command', F: 'postgres.c', L: '3211', R: 'ProcessInterrupts' };
const copyData = (text: string) => {
  const head = Buffer.alloc(5);
  head[0] = 0x64;
  head.writeUInt32BE(text.length + 4, 1);
  return Buffer.concat([head, Buffer.from(text)]);
};

describe('finalServerError (the server\'s last message before it closes)', () => {
  it('finds a FATAL ErrorResponse at the end of a chunk, after rows', () => {
    const rows = Buffer.concat([copyData('1\tone\n'), copyData('2\ttwo\n')]);
    const found = finalServerError(Buffer.concat([rows, errorResponse(fatal)]));
    expect(found?.start).toBe(rows.length);
    expect(found?.error).toMatchObject({ code: '57P01', severity: 'FATAL', message: 'terminating connection due to administrator command' });
  });

  it('ignores a chunk that ends with a row, an ERROR (the connection lives on) or a partial message', () => {
    expect(finalServerError(copyData('1\tone\n'))).toBeUndefined();
    expect(finalServerError(errorResponse({ ...fatal, S: 'ERROR', V: 'ERROR', C: '42501' }))).toBeUndefined();
    expect(finalServerError(errorResponse(fatal).subarray(3))).toBeUndefined();
    expect(finalServerError(Buffer.from('name\0\0'))).toBeUndefined();
  });

  it('keeps detail and hint', () => {
    const found = finalServerError(errorResponse({ S: 'FATAL', C: '40001', M: 'terminating connection due to conflict with recovery', D: 'User query might have needed to see row versions that must be removed.', H: 'reconnect' }));
    expect(found?.error).toMatchObject({ code: '40001', detail: expect.stringContaining('row versions'), hint: 'reconnect' });
  });
});

describe('reportFatalMessage (what postgres.js reads from the socket)', () => {
  function watched() {
    const socket = new EventEmitter();
    const data: Buffer[] = [];
    const errors: unknown[] = [];
    socket.on('data', (chunk: Buffer) => data.push(chunk));
    socket.on('error', (error: unknown) => errors.push(error));
    reportFatalMessage(socket as unknown as Socket);
    return { socket, data, errors };
  }
  const rows = Buffer.concat([copyData('1\tone\n'), copyData('2\ttwo\n')]);
  const message = errorResponse(fatal);

  it('passes rows as they are', () => {
    const { socket, data, errors } = watched();
    socket.emit('data', rows);
    expect(Buffer.concat(data)).toEqual(rows);
    expect(errors).toEqual([]);
  });

  it('takes the FATAL message out of the chunk and reports it as an error, after the rows', () => {
    const { socket, data, errors } = watched();
    socket.emit('data', Buffer.concat([rows, message]));
    expect(Buffer.concat(data)).toEqual(rows);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: '57P01', severity: 'FATAL' });
  });

  it('finds a message split over two chunks: the second chunk is held back', () => {
    const { socket, data, errors } = watched();
    const whole = Buffer.concat([rows, message]);
    const cut = rows.length + 7;
    socket.emit('data', whole.subarray(0, cut));
    socket.emit('data', whole.subarray(cut));
    expect(Buffer.concat(data)).toEqual(whole.subarray(0, cut));
    expect(errors).toMatchObject([{ code: '57P01' }]);
  });
});

describe('transient or permanent', () => {
  const pg = (code: string, message = 'x', severity = 'ERROR') => Object.assign(new Error(message), { code, severity });

  it.each([
    ['57P01', 'terminating connection due to administrator command'],
    ['57P02', 'terminating connection because of crash of another server process'],
    ['57P03', 'the database system is starting up'],
    ['53300', 'sorry, too many clients already'],
    ['55P03', 'canceling statement due to lock timeout'],
    ['40001', 'canceling statement due to conflict with recovery'],
    ['CONNECTION_CLOSED', 'write CONNECTION_CLOSED 127.0.0.1:5432'],
    ['ECONNRESET', 'read ECONNRESET'],
    ['ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'],
    ['ETIMEDOUT', 'read ETIMEDOUT'],
    ['EPIPE', 'write EPIPE'],
  ])('%s is transient', (code, message) => {
    expect(isTransient(pg(code, message))).toBe(true);
  });

  it.each([
    ['42501', 'permission denied for table t'],
    ['42P01', 'relation "t" does not exist'],
    ['57014', 'canceling statement due to statement timeout'],
    ['40001', 'could not serialize access due to concurrent update'],
    ['28P01', 'password authentication failed for user "u"'],
  ])('%s (%s) is permanent', (code, message) => {
    expect(isTransient(pg(code, message))).toBe(false);
  });

  it('errors the tap raises itself are never retried (a closed output pipe included)', () => {
    expect(isTransient(new PipeClosedError(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })))).toBe(false);
    expect(isTransient(new SyncError('CONNECTION_FAILED', 'x'))).toBe(false);
    expect(isTransient(new Error('no code'))).toBe(false);
  });

  it('tells a lost connection from a failed statement', () => {
    expect(isConnectionLost(pg('57P01', 'x', 'FATAL'))).toBe(true);
    expect(isConnectionLost(pg('CONNECTION_CLOSED'))).toBe(true);
    expect(isConnectionLost(pg('08006'))).toBe(true);
    expect(isConnectionLost(pg('55P03'))).toBe(false);
    expect(isConnectionLost(pg('40001', 'canceling statement due to conflict with recovery'))).toBe(false);
  });

  it('describes a failure in one line with the server\'s code', () => {
    expect(describeFailure(pg('57P01', 'terminating connection due to administrator command'))).toBe('57P01: terminating connection due to administrator command');
    expect(describeFailure(pg('CONNECTION_CLOSED', 'write CONNECTION_CLOSED 10.0.0.1:5432'))).toBe('the connection to the server was lost (CONNECTION_CLOSED 10.0.0.1:5432)');
  });
});

describe('withRetries', () => {
  const context = (maxRetries: number, lines: string[], signal = new AbortController().signal) =>
    ({
      config: { max_retries: maxRetries, retry_backoff_seconds: 0.001 },
      log: createLogger({ sink: (line) => lines.push(line) }),
      signal,
    }) as unknown as RunContext;
  const terminated = () => Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01', severity: 'FATAL' });

  it('waits 1, 2, 4, 8, … seconds, at most 60', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((retry) => backoffSeconds(1, retry))).toEqual([1, 2, 4, 8, 16, 32, 60, 60]);
    expect(backoffSeconds(0.1, 2)).toBeCloseTo(0.4);
  });

  it('runs the attempt again after transient failures, with a warning each', async () => {
    const lines: string[] = [];
    const seen: number[] = [];
    const result = await withRetries(context(5, lines), 's-t', async (retry) => {
      seen.push(retry);
      if (retry < 2) throw terminated();
      return 'done';
    });
    expect(result).toBe('done');
    expect(seen).toEqual([0, 1, 2]);
    expect(lines).toEqual([
      'tap-postgres-ts WARN s-t: 57P01: terminating connection due to administrator command; retry 1 of 5 in 0.001 s, from the last row written',
      'tap-postgres-ts WARN s-t: 57P01: terminating connection due to administrator command; retry 2 of 5 in 0.002 s, from the last row written',
    ]);
  });

  it('gives up after max_retries with the server\'s reason and the count', async () => {
    let attempts = 0;
    const failing = withRetries(context(2, []), 's-t', async () => {
      attempts += 1;
      throw terminated();
    });
    await expect(failing).rejects.toThrow(new RetriesExhausted(terminated(), 2).message);
    await expect(failing).rejects.toThrow('57P01: terminating connection due to administrator command (still failing after 2 retries)');
    expect(attempts).toBe(3);
  });

  it('throws a permanent failure as it is, at once; with max_retries 0 the first transient one', async () => {
    let attempts = 0;
    const denied = Object.assign(new Error('permission denied for table t'), { code: '42501' });
    await expect(withRetries(context(5, []), 's-t', async () => { attempts += 1; throw denied; })).rejects.toBe(denied);
    expect(attempts).toBe(1);
    const lost = Object.assign(new Error('write CONNECTION_CLOSED 10.0.0.1:5432'), { code: 'CONNECTION_CLOSED' });
    await expect(withRetries(context(0, []), 's-t', async () => { throw lost; })).rejects.toThrow(
      /^the connection to the server was lost \(CONNECTION_CLOSED 10\.0\.0\.1:5432\)$/,
    );
  });

  it('stops waiting when the run is aborted', async () => {
    const controller = new AbortController();
    const ctx = { ...context(5, []), config: { max_retries: 5, retry_backoff_seconds: 30 } } as unknown as RunContext;
    Object.assign(ctx, { signal: controller.signal });
    const started = Date.now();
    const run = withRetries(ctx, 's-t', async () => { throw terminated(); });
    setTimeout(() => controller.abort('SIGTERM'), 50);
    await expect(run).rejects.toBeInstanceOf(AbortedError);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('bookmarkInput (expanded years back to PostgreSQL\'s form)', () => {
  it.each([
    ['date', '-000043-03-15', '0044-03-15 BC'],
    ['date', '0000-06-01', '0001-06-01 BC'],
    ['date', '+010000-01-01', '10000-01-01'],
    ['date', '2024-02-29', '2024-02-29'],
    ['timestamp', '-000043-03-15T10:00:00.500000+00:00', '0044-03-15T10:00:00.500000+00:00 BC'],
    ['timestamptz', '+294276-12-31T23:59:59.999999+00:00', '294276-12-31T23:59:59.999999+00:00'],
    ['timestamptz', '2024-01-01T00:00:00.000000+00:00', '2024-01-01T00:00:00.000000+00:00'],
  ] as const)('%s %s → %s', (kind, value, expected) => {
    expect(bookmarkInput(kind, value)).toBe(expected);
  });

  it('leaves other kinds alone, even when the text looks like a date', () => {
    expect(bookmarkInput('string', '-000043-03-15')).toBe('-000043-03-15');
    expect(bookmarkInput('bigint', 42)).toBe(42);
  });
});
