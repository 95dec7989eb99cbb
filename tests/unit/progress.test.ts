import { createLogger } from '../../lib/log/logger';
import { SyncMetrics } from '../../lib/log/metrics';
import { etaSeconds, fraction, liveLine, progressFields, type ProgressSnapshot } from '../../lib/log/progress';
import { LiveView, logView, type ProgressView } from '../../lib/log/progress-view';

const base: ProgressSnapshot = { stream: 'public-big', records: 250_000, bytes: 0, seconds: 2 };

describe('progress arithmetic', () => {
  it('FULL_TABLE: pages read of the heap pages', () => {
    const s = { ...base, estimate: { unit: 'pages' as const, total: 1000 }, done: 250 };
    expect(fraction(s)).toBe(0.25);
    expect(etaSeconds(s)).toBe(6);
    expect(liveLine(s)).toBe('public-big  250,000 rows  125,000 rows/s  25%  ETA 0:06');
    expect(progressFields(s)).toEqual({ stream: 'public-big', records: 250_000, rows_per_second: 125_000, percent: 25, eta_seconds: 6 });
  });

  it('INCREMENTAL: rows of the row estimate, never 100 % before the end', () => {
    expect(fraction({ ...base, estimate: { unit: 'rows', total: 1_000_000 } })).toBe(0.25);
    expect(fraction({ ...base, estimate: { unit: 'rows', total: 1_000 } })).toBe(0.99);
    expect(fraction({ ...base, estimate: { unit: 'rows', total: 1_000 }, finished: true })).toBe(1);
  });

  it('LOG_BASED: WAL bytes of the distance to the end; no estimate: no percent, no ETA', () => {
    expect(fraction({ ...base, estimate: { unit: 'lsn', total: 4096 }, done: 1024 })).toBe(0.25);
    expect(fraction({ ...base, estimate: { unit: 'rows', total: 0 } })).toBeUndefined();
    expect(liveLine({ ...base, seconds: 3_700, records: 3_700 })).toBe('public-big  3,700 rows  1 rows/s');
    expect(liveLine({ ...base, seconds: 100, estimate: { unit: 'lsn', total: 100 }, done: 1 })).toBe('public-big  250,000 rows  2,500 rows/s  1%  ETA 2:45:00');
  });
});

function recorder(intervalMs: number): ProgressView & { shown: string[][] } {
  const shown: string[][] = [];
  return { intervalMs, shown, show: (active) => shown.push(active.map((s) => `${s.stream}:${s.records}`)), retire: () => undefined };
}

describe('SyncMetrics drives the view', () => {
  it('shows the active streams at most once per view interval, from the batches the readers report', () => {
    let now = 0;
    const view = recorder(250);
    const metrics = new SyncMetrics(createLogger({ level: 'error' }), 10_000, () => now, view);
    metrics.start('a', { unit: 'rows', total: 100 });
    metrics.start('b');
    metrics.add('a', 10);
    now += 100;
    metrics.add('b', 5);
    now += 200;
    metrics.add('a', 10);
    now += 100;
    metrics.add('a', 10);
    now += 250;
    metrics.end('b', 'succeeded');
    metrics.add('a', 1);
    expect(view.shown).toEqual([['a:20', 'b:5'], ['a:31']]);
  });

  it('logView: a progress log line per active stream', () => {
    const lines: string[] = [];
    const log = createLogger({ sink: (line) => lines.push(line) });
    logView(log, 10_000).show([{ ...base, estimate: { unit: 'pages', total: 1000 }, done: 500 }]);
    expect(lines).toEqual(['tap-postgres-ts INFO public-big: progress records=250000 rows_per_second=125000 percent=50 eta_seconds=2']);
  });
});

describe('LiveView', () => {
  it('redraws its lines in place, prints log lines above them, drops retired streams, fits the width', () => {
    let out = '';
    const view = new LiveView((text) => (out += text), () => 30);
    view.show([base, { ...base, stream: 'public-other', records: 5 }]);
    expect(out).toBe('public-big  250,000 rows  125\npublic-other  5 rows  3 rows/\n');
    out = '';
    view.print('tap-postgres-ts INFO hello');
    expect(out).toBe('\u001b[2A\r\u001b[Jtap-postgres-ts INFO hello\npublic-big  250,000 rows  125\npublic-other  5 rows  3 rows/\n');
    out = '';
    view.retire('public-big');
    expect(out).toBe('\u001b[2A\r\u001b[Jpublic-other  5 rows  3 rows/\n');
    out = '';
    view.retire('public-other');
    view.print('last');
    expect(out).toBe('\u001b[1A\r\u001b[Jlast\n');
  });
});
