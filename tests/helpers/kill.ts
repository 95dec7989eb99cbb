import type { ChildProcess } from 'node:child_process';

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
