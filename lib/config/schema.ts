/**
 * The config JSON Schema (schemas/config.schema.json) — the one source of keys, types, defaults,
 * descriptions, env fallbacks (`x-env`) and secrets (`writeOnly`), read by validation, redaction
 * and `--about`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SettingSchema {
  type?: string | string[];
  enum?: unknown[];
  items?: SettingSchema;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  default?: unknown;
  description?: string;
  writeOnly?: boolean;
  'x-env'?: string;
  /** A group of settings (type object), e.g. ssh_tunnel. */
  properties?: Record<string, SettingSchema>;
  /** A number given for this string key is taken as its digits (a numeric password). */
  'x-numeric-text'?: boolean;
}

export interface ConfigSchema {
  $id?: string;
  type: 'object';
  description?: string;
  properties: Record<string, SettingSchema>;
  [keyword: string]: unknown;
}

/** Both lib/config (ts-jest) and dist/config (built) sit two levels below the package root. */
export const CONFIG_SCHEMA_PATH = join(__dirname, '..', '..', 'schemas', 'config.schema.json');

/**
 * Every leaf setting by its dotted name (`ssh_tunnel.host`, as Meltano names nested settings),
 * in schema order; a group's own entry is left out.
 */
export function flatSettings(schema: ConfigSchema): Array<[string, SettingSchema]> {
  const out: Array<[string, SettingSchema]> = [];
  const visit = (properties: Record<string, SettingSchema>, prefix: string): void => {
    for (const [key, setting] of Object.entries(properties)) {
      if (setting.properties) visit(setting.properties, `${prefix}${key}.`);
      else out.push([`${prefix}${key}`, setting]);
    }
  };
  visit(schema.properties, '');
  return out;
}

export function loadConfigSchema(): ConfigSchema {
  return JSON.parse(readFileSync(CONFIG_SCHEMA_PATH, 'utf8')) as ConfigSchema;
}
