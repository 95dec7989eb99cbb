import { createLogger, type LogLevel } from '../../lib/log/logger';
import { SyncMetrics } from '../../lib/log/metrics';

function setup(format: 'text' | 'json', level: LogLevel = 'info') {
  const lines: string[] = [];
  let now = 1_000_000;
  const log = createLogger({ format, level, sink: (line) => lines.push(line) });
  const metrics = new SyncMetrics(log, 10_000, () => now);
  return { lines, log, metrics, tick: (ms: number) => (now += ms) };
}

/** The metric objects of text lines `tap-postgres-ts INFO METRIC: {json}`. */
function textPoints(lines: string[]): Array<Record<string, any>> {
  return lines.filter((l) => l.includes(' METRIC: ')).map((l) => JSON.parse(l.slice(l.indexOf('METRIC: ') + 8)));
}

describe('SyncMetrics', () => {
  it('a record_count counter every interval (records since the last one) and at the end, then a sync_duration timer', () => {
    const { lines, metrics, tick } = setup('text');
    metrics.start('public-orders');
    metrics.add('public-orders', 500);
    tick(4_000);
    metrics.add('public-orders', 500);
    expect(lines).toHaveLength(0);
    tick(6_000);
    metrics.add('public-orders', 250);
    tick(1_500);
    metrics.add('public-orders', 100);
    expect(metrics.end('public-orders', 'succeeded')).toBe(1_350);
    expect(lines.pop()).toBe('tap-postgres-ts INFO public-orders: summary records=1350 bytes=0 seconds=11.5 rows_per_second=117 status=succeeded');
    expect(lines.every((l) => l.startsWith('tap-postgres-ts INFO METRIC: {'))).toBe(true);
    expect(textPoints(lines)).toEqual([
      { type: 'counter', metric: 'record_count', value: 1_250, tags: { stream: 'public-orders' } },
      { type: 'counter', metric: 'record_count', value: 100, tags: { stream: 'public-orders' } },
      { type: 'timer', metric: 'sync_duration', value: 11.5, tags: { stream: 'public-orders', status: 'succeeded' } },
    ]);
  });

  it('an empty stream still ends with a zero counter and a failed timer when it failed', () => {
    const { lines, metrics, tick } = setup('text');
    metrics.start('s');
    tick(20_000);
    metrics.add('s', 0);
    metrics.end('s', 'failed');
    expect(textPoints(lines)).toEqual([
      { type: 'counter', metric: 'record_count', value: 0, tags: { stream: 's' } },
      { type: 'timer', metric: 'sync_duration', value: 20, tags: { stream: 's', status: 'failed' } },
    ]);
  });

  it('streams are counted apart; unknown streams are ignored', () => {
    const { lines, metrics } = setup('text');
    metrics.start('a');
    metrics.start('b');
    metrics.add('a', 3);
    metrics.add('b', 4);
    metrics.add('zzz', 9);
    metrics.end('b', 'succeeded');
    metrics.end('a', 'succeeded');
    const counters = textPoints(lines).filter((p) => p.type === 'counter');
    expect(counters.map((p) => [p.tags.stream, p.value])).toEqual([['b', 4], ['a', 3]]);
  });

  it('json format: one object per line, the point in metric_info, stream and counters as fields', () => {
    const { lines, metrics, tick } = setup('json');
    metrics.start('public-orders');
    metrics.add('public-orders', 42, 4200);
    tick(250);
    metrics.end('public-orders', 'succeeded');
    const all = lines.map((l) => JSON.parse(l));
    expect(all.pop()).toMatchObject({ message: 'public-orders: summary', stream: 'public-orders', records: 42, bytes: 4200, seconds: 0.3, rows_per_second: 168 });
    const objects = all;
    for (const o of objects) {
      expect(o).toMatchObject({ level: 'info', levelname: 'INFO', name: 'tap-postgres-ts', message: 'METRIC', stream: 'public-orders', records: 42 });
      expect(new Date(o.time).toISOString()).toBe(o.time);
    }
    expect(objects.map((o) => o.metric_info)).toEqual([
      { type: 'counter', metric: 'record_count', value: 42, tags: { stream: 'public-orders' } },
      { type: 'timer', metric: 'sync_duration', value: 0.25, tags: { stream: 'public-orders', status: 'succeeded' } },
    ]);
  });

  it('log_level warn silences metrics', () => {
    const { lines, metrics } = setup('json', 'warn');
    metrics.start('s');
    metrics.add('s', 1);
    metrics.end('s', 'succeeded');
    expect(lines).toEqual([]);
  });
});

describe('logger', () => {
  it('json lines carry level, levelname, name, time, message and the fields', () => {
    const { lines, log } = setup('json', 'debug');
    log.warn('public-x: something', { stream: 'public-x', records: 3 });
    expect(JSON.parse(lines[0])).toMatchObject({ level: 'warn', levelname: 'WARNING', name: 'tap-postgres-ts', message: 'public-x: something', stream: 'public-x', records: 3 });
  });

  it('text lines leave out a stream field the message already starts with', () => {
    const { lines, log } = setup('text');
    log.info('public-x: done', { stream: 'public-x', records: 3 });
    log.info('starting', { stream: 'public-x' });
    expect(lines).toEqual(['tap-postgres-ts INFO public-x: done records=3', 'tap-postgres-ts INFO starting stream=public-x']);
  });
});
