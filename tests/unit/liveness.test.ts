/** When a replication pass waits and stops (lib/sync/logical/liveness.ts), on a made-up clock. */
import { Liveness, NOTICE_EVERY_MS, PROBE_AFTER_MS } from '../../lib/sync/logical/liveness';

const END = 0x5000n;
const limits = { idleMs: 1000, maxRunMs: 600_000 };

test('short of the WAL end, no change for a long time is waiting, not idle', () => {
  const live = new Liveness(limits, END, 0);
  live.heard(0x4000n, false, 50_000); // a keepalive: the server is still reading
  expect(live.reachedEnd).toBe(false);
  expect(live.stop(120_000)).toBeUndefined();
  expect(live.waitMs(120_000)).toBe(1000);
});

test('the idle limit counts from when the server reached the end, then from the last change', () => {
  const live = new Liveness(limits, END, 0);
  live.heard(END, false, 30_000);
  expect(live.reachedEnd).toBe(true);
  expect(live.stop(30_999)).toBeUndefined();
  expect(live.waitMs(30_600)).toBe(400);
  expect(live.stop(31_000)).toBe('idle');
  live.heard(END + 10n, true, 31_500);
  expect(live.stop(32_400)).toBeUndefined();
  expect(live.stop(32_500)).toBe('idle');
});

test('the max-run limit stops the pass wherever it is', () => {
  const live = new Liveness({ idleMs: 1000, maxRunMs: 5000 }, END, 1000);
  expect(live.waitMs(5500)).toBe(500);
  expect(live.stop(5999)).toBeUndefined();
  expect(live.stop(6000)).toBe('max run');
});

test('a keepalive is asked for after a quiet second, at most once a second', () => {
  const live = new Liveness(limits, END, 0);
  expect(live.probe(PROBE_AFTER_MS - 1)).toBe(false);
  expect(live.probe(PROBE_AFTER_MS)).toBe(true);
  expect(live.probe(PROBE_AFTER_MS + 500)).toBe(false);
  live.heard(0x100n, false, PROBE_AFTER_MS + 600); // the answer: quiet counts from it
  expect(live.probe(2 * PROBE_AFTER_MS + 599)).toBe(false);
  expect(live.probe(2 * PROBE_AFTER_MS + 600)).toBe(true);
  expect(live.probe(2 * PROBE_AFTER_MS + 700)).toBe(false);
});

test('waiting for a large transaction is logged with how far the server has read, then every 30 s', () => {
  const live = new Liveness(limits, END, 0);
  expect(live.notice(limits.idleMs + PROBE_AFTER_MS - 1)).toBeUndefined();
  live.heard(0x4000n, false, 1500);
  const first = live.notice(limits.idleMs + PROBE_AFTER_MS);
  expect(first).toMatch(/^waiting for the server to decode a large transaction: no change for 2 s, WAL read up to 0\/4000 of 0\/5000 /);
  expect(live.notice(limits.idleMs + PROBE_AFTER_MS + NOTICE_EVERY_MS - 1)).toBeUndefined();
  expect(live.notice(limits.idleMs + PROBE_AFTER_MS + NOTICE_EVERY_MS)).toMatch(/no change for 32 s/);
  live.heard(END, false, 40_000);
  expect(live.notice(100_000)).toBeUndefined();
});
