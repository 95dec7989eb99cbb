/**
 * One compact JSON line per Singer message, without the trailing newline (the writer adds it).
 * RECORD lines are assembled from pre-serialised parts, because the record body is already JSON
 * text (lib/values/record-bytes.ts) and must not be parsed and re-stringified.
 */
import type { ActivateVersionMessage, SchemaMessage, StateMessage } from './types';

export function schemaMessage(
  stream: string,
  schema: Record<string, unknown>,
  keyProperties: string[],
  bookmarkProperties?: string[],
): string {
  const message: SchemaMessage = { type: 'SCHEMA', stream, schema, key_properties: keyProperties };
  if (bookmarkProperties !== undefined) message.bookmark_properties = bookmarkProperties;
  return JSON.stringify(message);
}

/** `{"type":"RECORD","stream":"…","record":` — build once per stream. */
export function recordPrefix(stream: string): string {
  return '{"type":"RECORD","stream":' + JSON.stringify(stream) + ',"record":';
}

/**
 * A RECORD line from its prefix and the record's JSON text. `timeExtracted` must be an RFC 3339
 * timestamp (as `Date.prototype.toISOString` prints it); it is written without escaping.
 */
export function recordLine(prefix: string, recordJson: string, version: number | undefined, timeExtracted: string): string {
  return prefix + recordJson + recordTail(version, timeExtracted);
}

/** What follows the record object in a RECORD line: the version, if any, and time_extracted. */
export function recordTail(version: number | undefined, timeExtracted: string): string {
  return (version === undefined ? '' : ',"version":' + version) + ',"time_extracted":"' + timeExtracted + '"}';
}

export function stateMessage(value: unknown): string {
  const message: StateMessage = { type: 'STATE', value };
  return JSON.stringify(message);
}

export function activateVersionMessage(stream: string, version: number): string {
  const message: ActivateVersionMessage = { type: 'ACTIVATE_VERSION', stream, version };
  return JSON.stringify(message);
}
