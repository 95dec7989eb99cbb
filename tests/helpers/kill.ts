import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lastState } from './messages';
import type { TapRun } from './run-tap';

/**
 * A number in [min, min + span), drawn from the run's seed (TAP_TEST_SEED, set by jest.config.ts
 * and printed by the summary reporter when a test fails) and `label`: the same seed gives each
 * label the same number, whatever order or subset of tests runs.
 */
export function seededOffset(label: string, min: number, span: number): number {
  const seed = process.env.TAP_TEST_SEED ?? '0';
  const digest = createHash('sha256').update(`${seed}:${label}`).digest();
  return min + (digest.readUInt32BE(0) % span);
}

/** An onSpawn hook that SIGKILLs the tap once it has written `bytes` bytes to stdout. */
export function killAfterBytes(bytes: number): (child: ChildProcess) => void {
  return (child) => {
    let seen = 0;
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen >= bytes) child.kill('SIGKILL');
    });
  };
}

/** An onSpawn hook that runs `action` once, when the tap's first stdout bytes arrive. */
export function onFirstOutput(action: (child: ChildProcess) => void): (child: ChildProcess) => void {
  return (child) => {
    child.stdout?.once('data', () => action(child));
  };
}

/** A small seeded generator (mulberry32): numbers in [0, 1), the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface KillChainOptions {
  /** Names the chain's random sequence (with TAP_TEST_SEED) and its failure messages. */
  label: string;
  /** How many runs must be killed before the last, complete run. */
  kills: number;
  /** Runs the tap from `state`; `onSpawn` kills it. */
  run(state: unknown, onSpawn?: (child: ChildProcess) => void): Promise<TapRun>;
  /** The stdout byte offset at which a run is killed (the tap writes its output in chunks of 1 MiB). */
  killAt(random: () => number): number;
  /** Writes while the tap runs (started at its first output) and between runs. */
  during?(random: () => number): Promise<void>;
  between(random: () => number): Promise<void>;
}

export interface KillChain {
  /** Every run in order, the last one complete. */
  runs: TapRun[];
  /** The last run's final STATE. */
  state: Record<string, any>;
  /** `TAP_TEST_SEED=… label`, to name in a failure. */
  seed: string;
  /** One line per run: where it was killed and the STATE it resumed from. */
  trace: string[];
}

/**
 * Kill-and-resume: runs the tap, SIGKILLs it at a seeded random stdout offset, writes to the
 * database, resumes from the last STATE any run emitted, and repeats until `kills` runs were
 * killed; then one run that completes. A run that ends before its kill point counts as a plain
 * run (the chain goes on). Throws, naming the seed, when a run fails.
 */
export async function killAndResume(options: KillChainOptions): Promise<KillChain> {
  const seed = `TAP_TEST_SEED=${process.env.TAP_TEST_SEED ?? '0'} (${options.label})`;
  const random = seededRandom(seededOffset(options.label, 0, 2 ** 31));
  const runs: TapRun[] = [];
  const trace: string[] = [];
  let state: Record<string, any> | undefined;
  let kills = 0;
  const fail = (what: string) => new Error(`${seed}: ${what}\n${trace.join('\n')}`);
  while (kills < options.kills) {
    if (runs.length >= options.kills * 3) throw fail(`only ${kills} of ${runs.length} runs reached their kill point`);
    const offset = options.killAt(random);
    let writing: Promise<void> | undefined;
    const started = Date.now();
    const kill = killAfterBytes(offset);
    const run = await options.run(state, (child) => {
      kill(child);
      if (options.during) onFirstOutput(() => (writing = options.during!(random)))(child);
    });
    await writing;
    runs.push(run);
    const resumedFrom = JSON.stringify(state?.bookmarks ?? {});
    if (run.signal === 'SIGKILL') kills += 1;
    else if (run.code !== 0) throw fail(`run ${runs.length} exited ${run.code}: ${run.stderr}`);
    state = lastState(run.messages) ?? state;
    trace.push(`run ${runs.length} from ${resumedFrom}: ${run.signal === 'SIGKILL' ? `killed at ${offset} bytes` : 'complete'}, ${run.stdout.length} bytes in ${Date.now() - started} ms`);
    if (process.env.TAP_TEST_TRACE) process.stderr.write(`${options.label}: ${trace[trace.length - 1]}\n`);
    await options.between(random);
  }
  const started = Date.now();
  const last = await options.run(state);
  runs.push(last);
  trace.push(`run ${runs.length} from ${JSON.stringify(state?.bookmarks ?? {})}: the last, ${last.stdout.length} bytes in ${Date.now() - started} ms`);
  if (last.code !== 0) throw fail(`the last run exited ${last.code}: ${last.stderr}`);
  const final = lastState(last.messages);
  if (!final) throw fail('the last run wrote no STATE');
  return { runs, state: final, seed, trace };
}

/** `count` distinct ids in [1, max] drawn from `random`, as an SQL int[] literal. */
export function pickIds(random: () => number, count: number, max: number): string {
  const picked = new Set<number>();
  while (picked.size < Math.min(count, max)) picked.add(1 + Math.floor(random() * max));
  return `ARRAY[${[...picked].join(',')}]::int[]`;
}

/** SQL text of 1,280 characters from `salt`, under the TOAST threshold: about 1.4 kB of output per row. */
export const widePad = (salt: string) => `repeat(md5(${salt}), 40)`;

/** Fails when `lost` names any row; the difference jest prints shows the seed and each run's kill point. */
export function expectNoneLost(chain: KillChain, lost: string[]): void {
  const report = (rows: string[]) => ({ lost: rows.slice(0, 20), count: rows.length, seed: chain.seed, runs: chain.trace });
  expect(report(lost)).toEqual(report([]));
}
