/** Where a sync's messages go: stdout's writer, with the BATCH writer in front when batch_config is set. */
import type { TapConfig } from '../config/types';
import type { MessageWriter } from '../messages/writer';

export async function syncWriter(config: TapConfig): Promise<MessageWriter> {
  const { createStreamWriter } = await import('../messages/writer');
  const out = createStreamWriter(process.stdout);
  const batch = config.batch_config;
  if (!batch) return out;
  const { createBatchWriter } = await import('../messages/batch-writer');
  return createBatchWriter(out, { directory: batch.folder, prefix: batch.prefix, compression: batch.compression, batchSize: batch.batch_size });
}
