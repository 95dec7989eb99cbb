/**
 * Where progress goes, on stderr only. On a terminal: one live line per active stream, redrawn
 * at most 4 times a second, with log lines printed above them. Otherwise: a progress log line per
 * active stream every `progress_interval_seconds`. (The summary line of a finished stream is a
 * log line in both cases: lib/log/metrics.ts writes it.)
 */
import type { Logger } from './logger';
import { liveLine, progressFields, type ProgressSnapshot } from './progress';

export interface ProgressView {
  /** Least milliseconds between two `show` calls. */
  readonly intervalMs: number;
  show(active: ProgressSnapshot[]): void;
  /** The stream ended: its live line goes. */
  retire(stream: string): void;
}

/** Progress as log lines (stderr not a terminal, or JSON logs). */
export function logView(log: Logger, intervalMs: number): ProgressView {
  return {
    intervalMs,
    show: (active) => active.forEach((s) => log.info(`${s.stream}: progress`, progressFields(s))),
    retire: () => undefined,
  };
}

const ESC = '\u001b[';

/** Live lines at the bottom of a terminal; `print` puts a log line above them. */
export class LiveView implements ProgressView {
  readonly intervalMs = 250;
  private lines: Array<{ stream: string; text: string }> = [];
  private drawn = 0;

  constructor(
    private readonly write: (text: string) => void,
    private readonly columns: () => number | undefined = () => undefined,
  ) {}

  show(active: ProgressSnapshot[]): void {
    this.lines = active.map((s) => ({ stream: s.stream, text: liveLine(s) }));
    this.redraw('');
  }

  retire(stream: string): void {
    const before = this.lines.length;
    this.lines = this.lines.filter((line) => line.stream !== stream);
    if (this.lines.length !== before) this.redraw('');
  }

  /** A log line, above the live lines (the logger's sink on a terminal). */
  readonly print = (line: string): void => this.redraw(line + '\n');

  private redraw(above: string): void {
    const width = this.columns();
    const fit = (line: string) => (width && line.length >= width ? line.slice(0, width - 1) : line);
    const erase = this.drawn > 0 ? `${ESC}${this.drawn}A\r${ESC}J` : '';
    this.write(erase + above + this.lines.map((line) => fit(line.text) + '\n').join(''));
    this.drawn = this.lines.length;
  }
}

/** A LiveView on stderr when it is a terminal and progress is wanted; else undefined. */
export function liveViewFor(stream: NodeJS.WriteStream, wanted: boolean): LiveView | undefined {
  if (!wanted || !stream.isTTY) return undefined;
  return new LiveView((text) => void stream.write(text), () => stream.columns);
}
