import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';

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
