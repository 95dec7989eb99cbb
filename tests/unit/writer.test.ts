import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { PipeClosedError, TapError } from '../../lib/errors';
import { createMemoryWriter, createStreamWriter } from '../../lib/messages/writer';

/** A Writable that takes `delayMs` per chunk and records what it got and its peak buffer. */
function slowSink(delayMs: number, highWaterMark = 256) {
  const received: string[] = [];
  let peakBuffered = 0;
  const stream = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, callback) {
      received.push(chunk.toString('utf8'));
      setTimeout(callback, delayMs);
    },
  });
  const track = () => {
    peakBuffered = Math.max(peakBuffered, stream.writableLength);
  };
  return { stream, received, track, peak: () => peakBuffered };
}

function epipeSink(): Writable {
  return new Writable({
    write(_chunk, _encoding, callback) {
      callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    },
  });
}

describe('createStreamWriter', () => {
  test('honours back-pressure: bounded buffer, order kept, promise only when the stream wants drain', async () => {
    const sink = slowSink(1);
    const writer = createStreamWriter(sink.stream, { chunkBytes: 1000 });
    let promises = 0;
    let immediate = 0;
    for (let i = 0; i < 5000; i += 1) {
      const pending = writer.write(`{"n":${i}}`);
      sink.track();
      if (pending) {
        promises += 1;
        await pending;
      } else {
        immediate += 1;
      }
    }
    await writer.flush();
    expect(promises).toBeGreaterThan(10);
    expect(immediate).toBeGreaterThan(4000);
    expect(sink.peak()).toBeLessThanOrEqual(1000 + 256 + 20);
    const lines = sink.received.join('').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toEqual(Array.from({ length: 5000 }, (_, i) => `{"n":${i}}`));
    expect(sink.received.every((chunk) => chunk.endsWith('\n'))).toBe(true);
  });

  test('batches: nothing reaches the stream before chunkBytes, flush sends the rest and waits', async () => {
    const sink = slowSink(20);
    const writer = createStreamWriter(sink.stream, { chunkBytes: 1 << 20 });
    for (let i = 0; i < 100; i += 1) expect(writer.write(`line ${i}`)).toBeUndefined();
    expect(sink.received).toEqual([]);
    await writer.flush();
    expect(sink.received.join('')).toBe(Array.from({ length: 100 }, (_, i) => `line ${i}\n`).join(''));
    expect(sink.stream.writableLength).toBe(0);
    await writer.flush(); // nothing left: resolves
  });

  test('writeBytes: whole lines in order with write(), back-pressure, data larger than a chunk', async () => {
    const sink = slowSink(1);
    const writer = createStreamWriter(sink.stream, { chunkBytes: 64 });
    const expected: string[] = [];
    let promises = 0;
    for (let i = 0; i < 500; i += 1) {
      const line = i % 3 === 0 ? `{"s":${i}}` : `{"b":${i},"pad":"${'x'.repeat(i % 7 === 0 ? 100 : 10)}"}`;
      expected.push(line);
      const bytes = Buffer.from(line + '\n');
      const pending = i % 3 === 0 ? writer.write(line) : writer.writeBytes?.(bytes);
      bytes.fill(0x21); // the caller may reuse its buffer at once
      if (pending) {
        promises += 1;
        await pending;
      }
    }
    await writer.flush();
    expect(promises).toBeGreaterThan(10);
    expect(sink.received.join('')).toBe(expected.map((line) => line + '\n').join(''));
  });

  test('chunks are reused only when asked (a PassThrough reader keeps the very Buffer)', async () => {
    const keep = (reuseChunks?: boolean) => {
      const chunks: Buffer[] = [];
      const stream = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          chunks.push(chunk);
          callback();
        },
      });
      return { chunks, writer: createStreamWriter(stream, { chunkBytes: 5000, reuseChunks }) };
    };
    const lines = Array.from({ length: 50 }, (_, i) => `line ${i} ${'p'.repeat(1000)}`);
    const kept = keep();
    for (const line of lines) await kept.writer.write(line);
    await kept.writer.flush();
    expect(Buffer.concat(kept.chunks).toString()).toBe(lines.map((line) => line + '\n').join(''));
    expect(new Set(kept.chunks.map((chunk) => chunk.buffer)).size).toBe(kept.chunks.length);
    const reused = keep(true);
    for (const line of lines) {
      await reused.writer.write(line);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await reused.writer.flush();
    expect(new Set(reused.chunks.map((chunk) => chunk.buffer)).size).toBeLessThan(reused.chunks.length);
  });

  test('EPIPE from the stream: PipeClosedError on every later write and flush, no unhandled error', async () => {
    const writer = createStreamWriter(epipeSink(), { chunkBytes: 10 });
    let caught: unknown;
    try {
      for (let i = 0; i < 1000; i += 1) {
        const pending = writer.write('0123456789');
        if (pending) await pending;
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PipeClosedError);
    expect(caught).toBeInstanceOf(TapError);
    expect((caught as PipeClosedError).code).toBe('EPIPE');
    expect((caught as PipeClosedError).exitCode).toBe(1);
    expect(() => writer.write('more')).toThrow(PipeClosedError);
    await expect(writer.flush()).rejects.toBeInstanceOf(PipeClosedError);
  });

  test('flush into a stream that fails rejects with PipeClosedError', async () => {
    const writer = createStreamWriter(epipeSink());
    writer.write('a');
    await expect(writer.flush()).rejects.toBeInstanceOf(PipeClosedError);
    expect(() => writer.write('b')).toThrow(PipeClosedError);
  });

  test('a destroyed stream: write after close throws PipeClosedError', async () => {
    const sink = slowSink(0);
    const writer = createStreamWriter(sink.stream, { chunkBytes: 4 });
    sink.stream.destroy();
    expect(() => writer.write('hello')).toThrow(PipeClosedError);
    await expect(writer.flush()).rejects.toBeInstanceOf(PipeClosedError);
  });

  test('a stream closed while waiting for drain rejects the pending write', async () => {
    const stream = new Writable({ highWaterMark: 1, write: () => undefined }); // never calls back
    const writer = createStreamWriter(stream, { chunkBytes: 1 });
    const pending = writer.write('x');
    expect(pending).toBeInstanceOf(Promise);
    stream.destroy();
    await expect(pending).rejects.toBeInstanceOf(PipeClosedError);
  });

  test('stdout piped into `head -c 10`: the writer stops with PipeClosedError, no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'writer-epipe-'));
    const script = join(dir, 'child.js');
    const root = join(__dirname, '..', '..');
    writeFileSync(
      script,
      `
      const { createStreamWriter } = require(${JSON.stringify(join(root, 'lib/messages/writer.ts'))});
      const { describeError } = require(${JSON.stringify(join(root, 'lib/errors.ts'))});
      (async () => {
        const writer = createStreamWriter(process.stdout, { chunkBytes: 4096 });
        try {
          for (let i = 0; i < 5e6; i += 1) {
            const pending = writer.write('{"type":"RECORD","n":' + i + '}');
            if (pending) await pending;
          }
          await writer.flush();
        } catch (error) {
          process.stderr.write(describeError(error) + '\\n');
          process.exitCode = error.exitCode ?? 3;
        }
      })();
      `,
    );
    try {
      const command = `"${process.execPath}" -r ts-node/register/transpile-only "${script}" | head -c 10 >/dev/null; echo "exit=\${PIPESTATUS[0]}" >&2`;
      const result = spawnSync('bash', ['-c', command], { cwd: root, encoding: 'utf8', timeout: 40_000 });
      expect(result.stderr).toContain('EPIPE: the reader of the output closed the pipe');
      expect(result.stderr).toMatch(/exit=1\s*$/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('createMemoryWriter', () => {
  test('keeps lines in order', async () => {
    const writer = createMemoryWriter();
    writer.write('a');
    writer.write('b');
    await writer.flush();
    expect(writer.lines).toEqual(['a', 'b']);
  });
});
