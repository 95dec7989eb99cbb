import { describeError, InputError, isPipeClosed, PipeClosedError, SyncError, TapError } from '../../lib/errors';

test('isPipeClosed: the writer\'s PipeClosedError and Node\'s own EPIPE, nothing else', () => {
  expect(isPipeClosed(new PipeClosedError(new Error('write EPIPE')))).toBe(true);
  expect(isPipeClosed(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))).toBe(true);
  expect(isPipeClosed(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(false);
  expect(isPipeClosed(new SyncError('STREAM_FAILED', 'x'))).toBe(false);
  expect(isPipeClosed(null)).toBe(false);
  expect(isPipeClosed(undefined)).toBe(false);
  expect(isPipeClosed('EPIPE')).toBe(false);
});

test('every purposeful error is a coded TapError with its exit code', () => {
  const pipe = new PipeClosedError(new Error('write EPIPE'));
  expect(pipe).toBeInstanceOf(TapError);
  expect([pipe.code, pipe.exitCode, pipe.name]).toEqual(['EPIPE', 1, 'PipeClosedError']);
  expect(describeError(pipe)).toBe('EPIPE: the reader of the output closed the pipe (write EPIPE); stopping');
  expect(describeError(new InputError('BAD_STATE', 'state: /bookmarks must be an object'))).toBe('BAD_STATE: state: /bookmarks must be an object');
  expect(describeError(Object.assign(new Error('relation "t" does not exist'), { code: '42P01' }))).toBe('42P01: relation "t" does not exist');
});
