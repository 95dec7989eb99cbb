/**
 * COPY rows straight from the socket: every socket the tap opens (./socket.ts) is watched here
 * ahead of postgres.js, message by message. Outside a claimed COPY the bytes go to postgres.js
 * unchanged, cut only after each CopyOutResponse. When the COPY that response starts is claimed
 * (./copy-out.ts claims it while postgres.js handles the response, through `delivering`), its
 * CopyData messages go to the claim's sink instead, each run of them as it lies in the socket
 * read (headers included) — no per-row Buffer views, messages, pushes or copies — and everything from the first other message on (CopyDone, an error) goes to
 * postgres.js again, which ends or fails the COPY as usual. When the sink is full the socket is
 * paused; `resume()` continues with the bytes held back.
 *
 * Only whole messages are taken apart: a message cut between socket reads is completed first
 * (the driver does the same); postgres.js gets contiguous runs of the stream either way.
 */
import type { Socket } from 'node:net';

/**
 * Takes `src[start, end)`: one or more whole CopyData messages, headers included (in text COPY,
 * one row each); false = full.
 */
export interface CopySink {
  data(src: Buffer, start: number, end: number): boolean;
}

export interface CopyClaim {
  /** Continues after a full sink: the held-back bytes, then the socket. */
  resume(): void;
  /** The rest of this COPY's rows are dropped (the reader left early); the socket flows on. */
  abandon(): void;
}

const COPY_DATA = 0x64; // 'd'
const COPY_OUT_RESPONSE = 0x48; // 'H'
const HEADER = 5;

/** The watcher whose bytes postgres.js is handling at this moment, if any. */
let delivering: CopyWatcher | undefined;

/** During postgres.js's handling of a CopyOutResponse: takes that COPY's rows; else undefined. */
export function claimCopyOut(sink: CopySink): CopyClaim | undefined {
  return delivering?.claim(sink);
}

const DROP: CopySink = { data: () => true };

class CopyWatcher {
  private sink: CopySink | undefined;
  /** The start of a message cut by the end of a socket read. */
  private cut: Buffer[] = [];
  private cutBytes = 0;
  /** Socket reads not yet taken apart while the sink is full. */
  private held: Buffer[] = [];
  private full = false;

  constructor(
    private readonly socket: Socket,
    private readonly toDriver: (bytes: Buffer) => void,
  ) {}

  claim(sink: CopySink): CopyClaim {
    this.sink = sink;
    return {
      resume: () => this.resume(sink),
      abandon: () => {
        if (this.sink === sink) this.sink = DROP;
        this.resume(sink);
      },
    };
  }

  receive(chunk: Buffer): void {
    if (this.full) this.held.push(chunk);
    else this.take(chunk);
  }

  private resume(sink: CopySink): void {
    if (!this.full || (this.sink !== sink && this.sink !== DROP)) return;
    this.full = false;
    while (!this.full && this.held.length > 0) this.take(this.held.shift() as Buffer);
    if (!this.full) this.socket.resume();
  }

  private deliver(bytes: Buffer): void {
    if (bytes.length === 0) return;
    delivering = this;
    try {
      this.toDriver(bytes);
    } finally {
      delivering = undefined;
    }
  }

  /** Takes one socket read apart (the sink may fill: the rest is held). */
  private take(chunk: Buffer): void {
    let pos = 0;
    if (this.cutBytes > 0) {
      pos = this.completeCut(chunk);
      if (pos < 0) return;
      const message = this.cut.length === 1 ? this.cut[0] : Buffer.concat(this.cut, this.cutBytes);
      this.cut = [];
      this.cutBytes = 0;
      this.messages(message, 0);
      if (this.full) {
        if (pos < chunk.length) this.held.unshift(chunk.subarray(pos));
        return;
      }
    }
    const end = this.messages(chunk, pos);
    if (end < chunk.length && !this.full) {
      this.cut.push(chunk.subarray(end));
      this.cutBytes = chunk.length - end;
    }
  }

  /**
   * Adds bytes of `chunk` to the cut message until it is whole; returns where the rest of
   * `chunk` starts, or -1 when all of it went into the still unfinished message.
   */
  private completeCut(chunk: Buffer): number {
    let pos = 0;
    if (this.cutBytes < HEADER) {
      const headerPart = Math.min(HEADER - this.cutBytes, chunk.length);
      this.cut.push(chunk.subarray(0, headerPart));
      this.cutBytes += headerPart;
      pos = headerPart;
      if (this.cutBytes < HEADER) return -1;
    }
    const head = this.cut.length === 1 ? this.cut[0] : Buffer.concat(this.cut, this.cutBytes);
    this.cut = [head];
    const total = 1 + head.readUInt32BE(1);
    const part = Math.min(total - this.cutBytes, chunk.length - pos);
    if (part > 0) {
      this.cut.push(chunk.subarray(pos, pos + part));
      this.cutBytes += part;
      pos += part;
    }
    return this.cutBytes < total ? -1 : pos;
  }

  /**
   * Handles the whole messages of `src` from `start`; returns where the first incomplete one
   * starts (src.length when none). Consecutive CopyData messages go to the sink as one run. When
   * the sink fills, the rest is held and the socket paused.
   */
  private messages(src: Buffer, start: number): number {
    const length = src.length;
    let pos = start;
    let toDriver = start;
    let run = -1;
    while (length - pos >= HEADER) {
      const total = 1 + ((src[pos + 1] << 24) | (src[pos + 2] << 16) | (src[pos + 3] << 8) | src[pos + 4]);
      if (length - pos < total) break;
      if (this.sink !== undefined && src[pos] === COPY_DATA) {
        if (run === -1) {
          if (toDriver < pos) this.deliver(src.subarray(toDriver, pos));
          run = pos;
        }
        pos += total;
        toDriver = pos;
        continue;
      }
      if (run !== -1) {
        if (this.toSink(src, run, pos)) return length;
        run = -1;
      }
      if (this.sink !== undefined) this.sink = undefined; // CopyDone, an error, …: the COPY is over
      const type = src[pos];
      pos += total;
      if (type === COPY_OUT_RESPONSE) {
        // Cut here: a claim made while postgres.js handles it takes the messages after it.
        this.deliver(src.subarray(toDriver, pos));
        toDriver = pos;
      }
    }
    if (run !== -1 && this.toSink(src, run, pos)) return length;
    if (toDriver < pos) this.deliver(src.subarray(toDriver, pos));
    return pos;
  }

  /** Gives the sink the CopyData messages `src[start, end)`; true when it is full (the rest held). */
  private toSink(src: Buffer, start: number, end: number): boolean {
    const sink = this.sink as CopySink;
    if (sink.data(src, start, end) || sink === DROP) return false;
    this.full = true;
    if (end < src.length) this.held.unshift(src.subarray(end));
    this.socket.pause();
    return true;
  }
}

/** Watches `socket` (its `emit` of 'data', ahead of postgres.js's listener) for claimed COPYs. */
export function watchCopyOut(socket: Socket): void {
  const emit = socket.emit.bind(socket);
  const watcher = new CopyWatcher(socket, (bytes) => {
    emit('data', bytes);
  });
  socket.emit = (event: string | symbol, ...args: unknown[]): boolean => {
    if (event !== 'data') return emit(event, ...args);
    watcher.receive(args[0] as Buffer);
    return true;
  };
}
