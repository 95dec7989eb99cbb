/**
 * Runs the built tap (`bin/tap-postgres-ts`) as a child process, the way users run it: config,
 * catalog and state are written to temporary files and passed by flag.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TAP_BIN = join(__dirname, '..', '..', 'bin', 'tap-postgres-ts');

export interface TapRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout parsed line by line (every line must be JSON; a partial last line is dropped). */
  messages: Array<Record<string, any>>;
}

export interface TapRunOptions {
  config?: unknown;
  catalog?: unknown;
  state?: unknown;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** Called with the child once it is spawned (e.g. to kill it mid-run). */
  onSpawn?: (child: import('node:child_process').ChildProcess) => void;
}

export function parseLines(stdout: string): Array<Record<string, any>> {
  const lines = stdout.split('\n');
  if (lines[lines.length - 1] !== '') lines.pop(); // partial line of a killed process
  return lines.filter((line) => line !== '').map((line) => JSON.parse(line));
}

/**
 * Runs `bin` with `leading` arguments, then the config, catalog and state as file flags, then
 * `trailing` arguments (the Singer tap takes its flags after the files, the Airbyte source its
 * command before them).
 */
export async function runBin(bin: string, leading: string[], trailing: string[], options: TapRunOptions = {}): Promise<TapRun> {
  const dir = mkdtempSync(join(tmpdir(), 'tap-run-'));
  const argv = [bin, ...leading];
  const files: Array<[string, unknown]> = [
    ['--config', options.config],
    ['--catalog', options.catalog],
    ['--state', options.state],
  ];
  for (const [flag, content] of files) {
    if (content === undefined) continue;
    const file = join(dir, flag.slice(2) + '.json');
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    argv.push(flag, file);
  }
  argv.push(...trailing);
  const child = spawn(process.execPath, argv, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  options.onSpawn?.(child);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 50_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (c, s) => resolve([c, s])),
  );
  clearTimeout(timer);
  rmSync(dir, { recursive: true, force: true });
  const stdout = Buffer.concat(out).toString('utf8');
  return { code, signal, stdout, stderr: Buffer.concat(err).toString('utf8'), messages: parseLines(stdout) };
}

export function runTap(args: string[], options: TapRunOptions = {}): Promise<TapRun> {
  return runBin(TAP_BIN, [], args, options);
}
