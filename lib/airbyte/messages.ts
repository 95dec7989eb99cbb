/**
 * One compact JSON line per Airbyte message (without the LF; the writer adds it). RECORD lines
 * are framed around the record object the engine encodes (recordPrefix + object + recordTail),
 * never parsed and re-stringified.
 */
import type {
  AirbyteCatalog,
  AirbyteConnectionStatus,
  AirbyteEstimateTraceMessage,
  AirbyteLogLevel,
  AirbyteMessage,
  AirbyteStateMessage,
  ConnectorSpecification,
  FailureType,
  StreamDescriptor,
  StreamStatus,
} from './types';

export function line(message: AirbyteMessage): string {
  return JSON.stringify(message);
}

/** `{"type":"RECORD","record":{"namespace":…,"stream":…,"data":` */
export function recordPrefix(stream: StreamDescriptor): string {
  const namespace = stream.namespace === undefined ? '' : '"namespace":' + JSON.stringify(stream.namespace) + ',';
  return '{"type":"RECORD","record":{' + namespace + '"stream":' + JSON.stringify(stream.name) + ',"data":';
}

/** After the record object: `,"emitted_at":<ms>}}`. */
export function recordTail(emittedAt: number): string {
  return ',"emitted_at":' + emittedAt + '}}';
}

export function logMessage(level: AirbyteLogLevel, message: string): string {
  return line({ type: 'LOG', log: { level, message } });
}

export function specMessage(spec: ConnectorSpecification): string {
  return line({ type: 'SPEC', spec });
}

export function connectionStatusMessage(status: AirbyteConnectionStatus): string {
  return line({ type: 'CONNECTION_STATUS', connectionStatus: status });
}

export function catalogMessage(catalog: AirbyteCatalog): string {
  return line({ type: 'CATALOG', catalog });
}

export function streamStatusMessage(stream: StreamDescriptor, status: StreamStatus, at: number): string {
  return line({ type: 'TRACE', trace: { type: 'STREAM_STATUS', emitted_at: at, stream_status: { stream_descriptor: stream, status } } });
}

export function estimateMessage(estimate: AirbyteEstimateTraceMessage, at: number): string {
  return line({ type: 'TRACE', trace: { type: 'ESTIMATE', emitted_at: at, estimate } });
}

export function errorTraceMessage(message: string, failureType: FailureType, at: number, stream?: StreamDescriptor): string {
  const error = { message, failure_type: failureType, ...(stream ? { stream_descriptor: stream } : {}) };
  return line({ type: 'TRACE', trace: { type: 'ERROR', emitted_at: at, error } });
}

/**
 * A STATE line. `recordCount` is written with a decimal point (`12.0`), as the protocol asks
 * of this double.
 */
export function stateMessage(state: Omit<AirbyteStateMessage, 'sourceStats'>, recordCount: number): string {
  const body = JSON.stringify(state);
  return '{"type":"STATE","state":' + body.slice(0, -1) + ',"sourceStats":{"recordCount":' + recordCount + '.0}}}';
}
