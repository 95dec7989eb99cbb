/**
 * A MessageWriter that applies stream maps on the way out, so every strategy (FULL_TABLE,
 * INCREMENTAL, LOG_BASED snapshot and streaming) gets them without knowing about them:
 *
 * - SCHEMA lines of a mapped stream are rewritten by lib/maps/schema-map.ts (rare: parsed and
 *   re-serialised; they were made by JSON.stringify, so nothing in them changes but the map).
 * - RECORD lines of a stream whose records change are framed with a marker (`recordFormat`):
 *   the engine writes `\0<n>\0{record}\0<tail>`, and `write` maps the record text, drops it when
 *   the filter says so, and writes it with the real framing. The engine never needs to parse.
 * - Everything else passes through untouched: the byte batches of a stream without a map, or
 *   whose map only drops columns (left out of the query, lib/maps/plan-maps.ts), go on as they
 *   are. A byte batch that holds a marked record (JSON text never holds a raw NUL) is cut into
 *   lines and each goes through `write`.
 */
import { recordFormatFor, type StreamRecordFormat } from '../messages/record-format';
import { schemaMessage } from '../messages/serialize';
import type { SchemaMessage } from '../messages/types';
import type { MessageWriter } from '../messages/writer';
import type { RecordMapper } from './record-map';
import { mapSchema } from './schema-map';
import type { StreamMap } from './stream-maps';

export interface MappedStream {
  /** The stream's name in messages (its alias, when it has one). */
  stream: string;
  map: StreamMap;
  /** Set when its records change (else only its SCHEMA does). */
  mapRecord?: RecordMapper;
}

const MARK = '\u0000';
const SCHEMA_START = '{"type":"SCHEMA"';

export function mappedWriter(inner: MessageWriter, streams: readonly MappedStream[]): MessageWriter {
  const byStream = new Map(streams.map((s) => [s.stream, s]));
  const mappers: RecordMapper[] = [];
  const formats: StreamRecordFormat[] = [];

  const writeRecord = (line: string): void | Promise<void> => {
    const second = line.indexOf(MARK, 1);
    const index = Number(line.slice(1, second));
    const last = line.lastIndexOf(MARK);
    const mapped = mappers[index](line.slice(second + 1, last));
    if (mapped === undefined) return undefined;
    return inner.write(formats[index].prefix + mapped + line.slice(last + 1));
  };

  const writeSchema = (line: string): void | Promise<void> => {
    const message = JSON.parse(line) as SchemaMessage;
    const mapped = byStream.get(message.stream);
    if (!mapped) return inner.write(line);
    const shape = mapSchema(mapped.map, message.stream, {
      schema: message.schema,
      keyProperties: message.key_properties,
      bookmarkProperties: message.bookmark_properties,
    });
    return inner.write(schemaMessage(message.stream, shape.schema, shape.keyProperties, shape.bookmarkProperties));
  };

  const write = (line: string): void | Promise<void> => {
    if (line.charCodeAt(0) === 0) return writeRecord(line);
    if (line.startsWith(SCHEMA_START)) return writeSchema(line);
    return inner.write(line);
  };

  const recordFormat = (stream: string): StreamRecordFormat => {
    const real = recordFormatFor(inner, stream);
    const mapRecord = byStream.get(stream)?.mapRecord;
    if (!mapRecord) return real;
    const index = mappers.length;
    mappers.push(mapRecord);
    formats.push(real);
    return {
      prefix: MARK + index + MARK,
      tail: (version, at) => MARK + real.tail(version, at),
      changeColumns: real.changeColumns,
      written: real.written?.bind(real),
    };
  };

  // The text is taken before the first await: the caller may reuse `data` once this returns.
  const writeLines = async (data: Uint8Array): Promise<void> => {
    const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
    for (let start = 0, end = text.indexOf('\n'); end !== -1; start = end + 1, end = text.indexOf('\n', start)) {
      const pending = write(text.slice(start, end));
      if (pending) await pending;
    }
  };
  const writeBytes = (data: Uint8Array) => (mappers.length > 0 && data.indexOf(0) !== -1 ? writeLines(data) : inner.writeBytes(data));
  const writer: MessageWriter = { write, flush: () => inner.flush(), writeBytes, recordFormat };
  if (inner.endStream) writer.endStream = inner.endStream.bind(inner);
  return writer;
}
