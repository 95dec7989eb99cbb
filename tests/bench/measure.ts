/**
 * Times one process from spawn to exit with its stdout into /dev/null, and takes its peak RSS:
 * from GNU time (`/usr/bin/time -f %M`) when installed, else by polling /proc/PID/status VmHWM;
 * and, given a sampler of the server's CPU (./server-cpu.ts), the server CPU of the run.
 * Also a counting run that reads the tap's stdout and counts RECORD and STATE lines.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Measured {
  wallSeconds: number;
  /** Peak resident set size of the process, KiB (null if it could not be read). */
  peakRssKiB: number | null;
  /** User + system CPU seconds of the process (GNU time only, else null). */
  cpuSeconds: number | null;
  /** CPU seconds of the server processes that ended during the run (null without a sampler). */
  serverCpuSeconds: number | null;
}

/** The server's CPU so far (seconds), or null when it cannot be read. */
export type ServerCpu = () => number | null;

/** Time for the run's backends to exit and be counted after the client is gone. */
const SETTLE_MS = 200;

export interface Command {
  file: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

const GNU_TIME = '/usr/bin/time';

function exitError(command: Command, code: number | null, stderr: string): Error {
  return new Error(`${command.file} ${command.args.join(' ')} exited with ${code}: ${stderr.slice(-2000)}`);
}

function pollHwm(pid: number | undefined, peak: { kib: number | null }): NodeJS.Timeout {
  return setInterval(() => {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (match) peak.kib = Math.max(peak.kib ?? 0, Number(match[1]));
    } catch {
      // The process has exited.
    }
  }, 20);
}

/** Runs `command` with stdout to /dev/null; rejects if it exits non-zero. */
export async function measure(command: Command, serverCpu?: ServerCpu): Promise<Measured> {
  return run(command, 'ignore', serverCpu);
}

async function run(command: Command, output: 'ignore' | ((chunk: Buffer) => void), serverCpu?: ServerCpu): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'tap-bench-'));
  const timeFile = join(dir, 'rss');
  const useGnuTime = existsSync(GNU_TIME);
  const [file, args] = useGnuTime ? [GNU_TIME, ['-f', '%M %U %S', '-o', timeFile, command.file, ...command.args]] : [command.file, command.args];
  const devNull = openSync('/dev/null', 'w');
  const serverBefore = serverCpu?.() ?? null;
  const started = process.hrtime.bigint();
  const child = spawn(file, args, { env: command.env ?? process.env, stdio: ['ignore', output === 'ignore' ? devNull : 'pipe', 'pipe'] });
  if (output !== 'ignore') child.stdout?.on('data', output);
  const peak = { kib: null as number | null };
  const poller = useGnuTime ? undefined : pollHwm(child.pid, peak);
  let stderr = '';
  child.stderr?.on('data', (data: Buffer) => {
    stderr = (stderr + data.toString('utf8')).slice(-8000);
  });
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (code !== 0) throw exitError(command, code, stderr);
    let cpuSeconds: number | null = null;
    if (useGnuTime) {
      const [rss, user, system] = (readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '').split(' ').map(Number);
      peak.kib = rss;
      cpuSeconds = user + system;
    }
    let serverCpuSeconds: number | null = null;
    if (serverCpu && serverBefore !== null) {
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const after = serverCpu();
      if (after !== null) serverCpuSeconds = after - serverBefore;
    }
    return { wallSeconds, peakRssKiB: peak.kib, cpuSeconds, serverCpuSeconds };
  } finally {
    if (poller) clearInterval(poller);
    closeSync(devNull);
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface RecordCount extends Measured {
  records: number;
  recordBytes: number;
  totalBytes: number;
  stateMessages: number;
}

const RECORD_HEAD = Buffer.from('{"type":"RECORD"');
const STATE_HEAD = Buffer.from('{"type":"STATE"');

/** Runs the tap with stdout piped here and counts its RECORD lines (and their bytes) and STATE lines. */
export async function countRecords(command: Command, serverCpu?: ServerCpu): Promise<RecordCount> {
  const counts = { records: 0, recordBytes: 0, totalBytes: 0, stateMessages: 0 };
  let head = Buffer.alloc(0); // the first bytes of the current line
  let lineBytes = 0;
  const endLine = () => {
    if (head.subarray(0, RECORD_HEAD.length).equals(RECORD_HEAD)) {
      counts.records += 1;
      counts.recordBytes += lineBytes;
    } else if (head.subarray(0, STATE_HEAD.length).equals(STATE_HEAD)) {
      counts.stateMessages += 1;
    }
    head = Buffer.alloc(0);
    lineBytes = 0;
  };
  const measured = await run(
    command,
    (chunk: Buffer) => {
      counts.totalBytes += chunk.length;
      let start = 0;
      while (start < chunk.length) {
        const lf = chunk.indexOf(0x0a, start);
        const end = lf === -1 ? chunk.length : lf + 1;
        if (head.length < RECORD_HEAD.length) head = Buffer.concat([head, chunk.subarray(start, Math.min(end, start + RECORD_HEAD.length))]);
        lineBytes += end - start;
        if (lf !== -1) endLine();
        start = end;
      }
    },
    serverCpu,
  );
  return { ...measured, ...counts };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
