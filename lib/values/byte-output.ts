/**
 * A reusable output buffer the byte encoders write JSON into. When a write may not fit, the
 * filled part goes to `drain` (which must copy it, or send it before the buffer is written
 * again) and writing starts over at 0; a value larger than the buffer gets a larger buffer.
 */
export class ByteOutput {
  buf: Buffer;
  pos = 0;

  constructor(
    size: number,
    private readonly drain: (filled: Buffer) => void,
  ) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Makes room for `bytes` more bytes at `pos`. */
  ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    this.flush();
    if (bytes > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(bytes, this.buf.length * 2));
  }

  /** Hands the filled part to `drain` and starts over. */
  flush(): void {
    if (this.pos === 0) return;
    this.drain(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }

  /** Copies `src` (pre-encoded constant bytes: keys, prefixes) at `pos`; room must be ensured. */
  bytes(src: Uint8Array): void {
    const buf = this.buf;
    let pos = this.pos;
    const length = src.length;
    if (length > 48) {
      buf.set(src, pos);
      this.pos = pos + length;
      return;
    }
    for (let i = 0; i < length; i += 1) buf[pos++] = src[i];
    this.pos = pos;
  }

  /** Copies `src[start, end)` at `pos`; room must be ensured. */
  range(src: Buffer, start: number, end: number): void {
    const buf = this.buf;
    let pos = this.pos;
    if (end - start > 32) {
      this.pos = pos + src.copy(buf, pos, start, end);
      return;
    }
    for (let i = start; i < end; i += 1) buf[pos++] = src[i];
    this.pos = pos;
  }

  /**
   * Writes `text` as UTF-8 (any length: makes its own room, in a larger buffer rather than by a
   * flush, so a line being written is never cut).
   */
  text(text: string): void {
    const bytes = text.length * 3;
    if (this.pos + bytes > this.buf.length) {
      const larger = Buffer.allocUnsafe(Math.max(this.pos + bytes, this.buf.length * 2));
      this.buf.copy(larger, 0, 0, this.pos);
      this.buf = larger;
    }
    this.pos += this.buf.write(text, this.pos);
  }
}
