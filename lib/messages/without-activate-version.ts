/**
 * A writer that drops ACTIVATE_VERSION messages (config `emit_activate_version_messages: false`,
 * as the Meltano SDK's setting): every other line and byte batch passes unchanged.
 */
import type { MessageWriter } from './writer';

const PREFIX = '{"type":"ACTIVATE_VERSION"';

export function withoutActivateVersion(writer: MessageWriter): MessageWriter {
  const out: MessageWriter = {
    write: (line) => (line.startsWith(PREFIX) ? undefined : writer.write(line)),
    flush: () => writer.flush(),
    writeBytes: (data) => writer.writeBytes(data),
  };
  if (writer.recordFormat) out.recordFormat = writer.recordFormat.bind(writer);
  return out;
}
