/**
 * The run's meters, fed by the readers once per batch of rows (never per row, so they cost
 * nothing measurable), on stderr only:
 * - Singer-SDK-style metrics per stream: a `record_count` counter every interval (the records
 *   since the last one, so the values add up to the stream's total) and at the stream's end, then
 *   a `sync_duration` timer in seconds with `status` succeeded or failed;
 * - progress (lib/log/progress.ts): a view shows the active streams (live lines on a terminal,
 *   log lines every interval otherwise) and a summary line ends each stream.
 */
import type { Logger } from './logger';
import type { ProgressEstimate, ProgressSnapshot } from './progress';
import { summaryFields } from './progress';
import type { ProgressView } from './progress-view';

export interface MetricPoint {
  type: 'counter' | 'timer';
  metric: 'record_count' | 'sync_duration';
  value: number;
  tags: { stream: string; status?: 'succeeded' | 'failed' };
}

interface Meter {
  started: number;
  lastReport: number;
  pending: number;
  total: number;
  bytes: number;
  estimate?: ProgressEstimate;
  done?: number;
}

export class SyncMetrics {
  private readonly meters = new Map<string, Meter>();
  private lastShown = 0;

  constructor(
    private readonly log: Logger,
    private readonly intervalMs: number,
    private readonly clock: () => number = Date.now,
    private readonly view?: ProgressView,
  ) {
    this.lastShown = clock();
  }

  /** A stream (or a phase of it) starts: its timer starts and its counter is zero. */
  start(stream: string, estimate?: ProgressEstimate): void {
    const now = this.clock();
    this.meters.set(stream, { started: now, lastReport: now, pending: 0, total: 0, bytes: 0, estimate });
  }

  /** A better estimate than the one given at start (e.g. the table's heap pages). */
  estimate(stream: string, estimate: ProgressEstimate): void {
    const meter = this.meters.get(stream);
    if (meter) meter.estimate = estimate;
  }

  /** Pages read or WAL bytes streamed so far, for estimates in those units. */
  advance(stream: string, done: number): void {
    const meter = this.meters.get(stream);
    if (meter) meter.done = done;
  }

  /** `records` more records (`bytes` bytes of RECORD lines) of `stream` were written. */
  add(stream: string, records: number, bytes = 0): void {
    const meter = this.meters.get(stream);
    if (!meter) return;
    meter.pending += records;
    meter.total += records;
    meter.bytes += bytes;
    const now = this.clock();
    if (records > 0 && now - meter.lastReport >= this.intervalMs) this.report(stream, meter, now);
    if (this.view && now - this.lastShown >= this.view.intervalMs) {
      this.lastShown = now;
      this.view.show([...this.meters].map(([name, m]) => this.snapshot(name, m, now)));
    }
  }

  /** The stream's last counter, its timer and its summary line. Returns its records since `start`. */
  end(stream: string, status: 'succeeded' | 'failed'): number {
    const meter = this.meters.get(stream);
    if (!meter) return 0;
    const now = this.clock();
    this.meters.delete(stream);
    this.view?.retire(stream);
    this.report(stream, meter, now);
    const seconds = Math.round(now - meter.started) / 1000;
    this.log.metric({ type: 'timer', metric: 'sync_duration', value: seconds, tags: { stream, status } }, { records: meter.total });
    this.log.info(`${stream}: summary`, { ...summaryFields(this.snapshot(stream, meter, now)), status });
    return meter.total;
  }

  private snapshot(stream: string, meter: Meter, now: number): ProgressSnapshot {
    const { total: records, bytes, estimate, done } = meter;
    return { stream, records, bytes, seconds: (now - meter.started) / 1000, estimate, done };
  }

  private report(stream: string, meter: Meter, now: number): void {
    this.log.metric({ type: 'counter', metric: 'record_count', value: meter.pending, tags: { stream } }, { records: meter.total });
    meter.pending = 0;
    meter.lastReport = now;
  }
}
