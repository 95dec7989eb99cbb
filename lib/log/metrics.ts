/**
 * Singer-SDK-style metrics on stderr: per stream, a `record_count` counter every interval (the
 * records since the last one, so the values add up to the stream's total) and at the stream's
 * end, then a `sync_duration` timer in seconds with `status` succeeded or failed. Readers call
 * `add` once per batch of rows, never per row, so metrics cost nothing measurable.
 */
import type { Logger } from './logger';

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
}

export class SyncMetrics {
  private readonly meters = new Map<string, Meter>();

  constructor(
    private readonly log: Logger,
    private readonly intervalMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** A stream (or a phase of it) starts: its timer starts and its counter is zero. */
  start(stream: string): void {
    const now = this.clock();
    this.meters.set(stream, { started: now, lastReport: now, pending: 0, total: 0 });
  }

  /** `records` more records of `stream` were written; reports the counter when the interval is up. */
  add(stream: string, records: number): void {
    const meter = this.meters.get(stream);
    if (!meter || records === 0) return;
    meter.pending += records;
    meter.total += records;
    const now = this.clock();
    if (now - meter.lastReport >= this.intervalMs) this.report(stream, meter, now);
  }

  /** The stream's last counter and its timer. Returns the stream's records since `start`. */
  end(stream: string, status: 'succeeded' | 'failed'): number {
    const meter = this.meters.get(stream);
    if (!meter) return 0;
    const now = this.clock();
    this.report(stream, meter, now);
    const seconds = Math.round(now - meter.started) / 1000;
    this.log.metric({ type: 'timer', metric: 'sync_duration', value: seconds, tags: { stream, status } }, { records: meter.total });
    this.meters.delete(stream);
    return meter.total;
  }

  private report(stream: string, meter: Meter, now: number): void {
    this.log.metric({ type: 'counter', metric: 'record_count', value: meter.pending, tags: { stream } }, { records: meter.total });
    meter.pending = 0;
    meter.lastReport = now;
  }
}
