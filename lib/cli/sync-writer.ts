/**
 * Where a sync's messages go: stdout's writer (without ACTIVATE_VERSION messages when
 * emit_activate_version_messages is false), with the BATCH writer in front when batch_config is set.
 */
import type { TapConfig } from '../config/types';
import type { MessageWriter } from '../messages/writer';

export async function syncWriter(config: TapConfig): Promise<MessageWriter> {
  const { createStreamWriter } = await import('../messages/writer');
  const stdout = createStreamWriter(process.stdout);
  const out = config.emit_activate_version_messages === false ? (await import('../messages/without-activate-version')).withoutActivateVersion(stdout) : stdout;
  const batch = config.batch_config;
  if (!batch) return out;
  const { createBatchWriter } = await import('../messages/batch-writer');
  return createBatchWriter(out, { directory: batch.folder, prefix: batch.prefix, compression: batch.compression, batchSize: batch.batch_size });
}
