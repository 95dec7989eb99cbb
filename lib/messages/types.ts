/** Singer message shapes (https://hub.meltano.com/singer/spec), field names as the spec has them. */

export interface SchemaMessage {
  type: 'SCHEMA';
  stream: string;
  schema: Record<string, unknown>;
  key_properties: string[];
  bookmark_properties?: string[];
}

export interface RecordMessage {
  type: 'RECORD';
  stream: string;
  record: Record<string, unknown>;
  version?: number;
  /** RFC 3339, UTC. */
  time_extracted?: string;
}

export interface StateMessage {
  type: 'STATE';
  value: unknown;
}

export interface ActivateVersionMessage {
  type: 'ACTIVATE_VERSION';
  stream: string;
  version: number;
}

export type SingerMessage = SchemaMessage | RecordMessage | StateMessage | ActivateVersionMessage;
