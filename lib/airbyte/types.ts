/**
 * The Airbyte protocol messages this connector reads and writes, named and shaped as the
 * protocol has them (AirbyteMessage and friends; `connectionStatus` is camelCase there too).
 * schemas/airbyte/messages.schema.json describes the same subset for validation.
 */

export interface StreamDescriptor {
  name: string;
  namespace?: string;
}

export type SyncMode = 'full_refresh' | 'incremental';
export type DestinationSyncMode = 'append' | 'overwrite' | 'append_dedup' | 'update' | 'soft_delete';
export type JsonSchema = Record<string, unknown>;

export interface AirbyteStream {
  name: string;
  namespace?: string;
  json_schema: JsonSchema;
  supported_sync_modes: SyncMode[];
  source_defined_cursor?: boolean;
  default_cursor_field?: string[];
  source_defined_primary_key?: string[][];
  is_resumable?: boolean;
}

export interface AirbyteCatalog {
  streams: AirbyteStream[];
}

export interface ConfiguredAirbyteStream {
  stream: AirbyteStream;
  sync_mode: SyncMode;
  destination_sync_mode: DestinationSyncMode;
  cursor_field?: string[];
  primary_key?: string[][];
}

export interface ConfiguredAirbyteCatalog {
  streams: ConfiguredAirbyteStream[];
}

export interface AirbyteRecordMessage {
  namespace?: string;
  stream: string;
  data: Record<string, unknown>;
  /** Epoch milliseconds. */
  emitted_at: number;
}

export type AirbyteStateType = 'STREAM' | 'GLOBAL' | 'LEGACY';

export interface AirbyteStreamState {
  stream_descriptor: StreamDescriptor;
  stream_state?: Record<string, unknown>;
}

export interface AirbyteGlobalState {
  shared_state?: Record<string, unknown>;
  stream_states: AirbyteStreamState[];
}

export interface AirbyteStateStats {
  recordCount?: number;
  rejectedRecordCount?: number;
}

export interface AirbyteStateMessage {
  type?: AirbyteStateType;
  stream?: AirbyteStreamState;
  global?: AirbyteGlobalState;
  /** LEGACY (deprecated): the whole state blob. */
  data?: Record<string, unknown>;
  sourceStats?: AirbyteStateStats;
}

export type AirbyteLogLevel = 'FATAL' | 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' | 'TRACE';

export interface AirbyteLogMessage {
  level: AirbyteLogLevel;
  message: string;
}

export interface ConnectorSpecification {
  documentationUrl?: string;
  connectionSpecification: JsonSchema;
  supportsIncremental?: boolean;
  supported_destination_sync_modes?: DestinationSyncMode[];
  protocol_version?: string;
}

export interface AirbyteConnectionStatus {
  status: 'SUCCEEDED' | 'FAILED';
  message?: string;
}

export type FailureType = 'system_error' | 'config_error' | 'transient_error';
export type StreamStatus = 'STARTED' | 'RUNNING' | 'COMPLETE' | 'INCOMPLETE';

export interface AirbyteErrorTraceMessage {
  message: string;
  internal_message?: string;
  failure_type: FailureType;
  stream_descriptor?: StreamDescriptor;
}

export interface AirbyteEstimateTraceMessage {
  name: string;
  type: 'STREAM' | 'SYNC';
  namespace?: string;
  row_estimate?: number;
  byte_estimate?: number;
}

export interface AirbyteStreamStatusTraceMessage {
  stream_descriptor: StreamDescriptor;
  status: StreamStatus;
}

export interface AirbyteTraceMessage {
  type: 'ERROR' | 'ESTIMATE' | 'STREAM_STATUS';
  /** Epoch milliseconds. */
  emitted_at: number;
  error?: AirbyteErrorTraceMessage;
  estimate?: AirbyteEstimateTraceMessage;
  stream_status?: AirbyteStreamStatusTraceMessage;
}

export type AirbyteMessage =
  | { type: 'RECORD'; record: AirbyteRecordMessage }
  | { type: 'STATE'; state: AirbyteStateMessage }
  | { type: 'LOG'; log: AirbyteLogMessage }
  | { type: 'SPEC'; spec: ConnectorSpecification }
  | { type: 'CONNECTION_STATUS'; connectionStatus: AirbyteConnectionStatus }
  | { type: 'CATALOG'; catalog: AirbyteCatalog }
  | { type: 'TRACE'; trace: AirbyteTraceMessage };
