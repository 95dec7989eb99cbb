/**
 * SIGTERM/SIGINT during a sync: the first aborts the run's AbortSignal (reason = the signal's
 * name) so the strategy stops, writes a resumable STATE and returns; a second one ends the
 * process at once with the signal's default action (exit status 143/130).
 */
import type { Logger } from '../log/logger';

const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/** Installs the handlers; returns the function that removes them. */
export function abortOnSignals(controller: AbortController, log: Logger): () => void {
  const remove = (): void => SIGNALS.forEach((name) => process.off(name, handler));
  function handler(signal: NodeJS.Signals): void {
    if (controller.signal.aborted) {
      remove();
      process.exitCode = signal === 'SIGINT' ? 130 : 143;
      process.kill(process.pid, signal);
      return;
    }
    log.warn(`${signal} received: stopping after a resumable STATE (send it again to exit at once)`);
    controller.abort(signal);
  }
  SIGNALS.forEach((name) => process.on(name, handler));
  return remove;
}
