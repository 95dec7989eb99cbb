/**
 * Validates the merged raw config (files + PG* env) against the config schema with ajv: all
 * errors at once, schema defaults filled in, numbers and booleans given as strings coerced
 * (Meltano passes every value as a string). Every bad key becomes part of ONE InputError line:
 * `config: /port must be an integer 1-65535 (got "abc"); /sslmode must be one of ...`.
 * Coercion goes one way only: a string may stand for a number or a boolean, but a number or a
 * boolean is not taken for a string (`"host": 123` is an error, not the host "123"), except for
 * keys marked `x-numeric-text` (a numeric password). Values of secret (writeOnly) keys are never
 * echoed.
 */
import Ajv, { type ErrorObject } from 'ajv';
import { InputError } from '../errors';
import type { ConfigSchema, SettingSchema } from './schema';

/** Where a value came from, when not a config file: key -> env var name. */
export type ValueSources = Record<string, string>;

function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true, allowUnionTypes: true });
  ajv.addKeyword({ keyword: 'x-env', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'x-numeric-text', schemaType: 'boolean' });
  return ajv;
}

/** The expected form of a setting, in words, derived from its schema. */
export function expectedForm(setting: SettingSchema): string {
  if (setting.enum) return `one of ${setting.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  const types = ([] as string[]).concat(setting.type ?? []);
  if (types.includes('array')) return 'an array of non-empty strings or a comma-separated string';
  if (types.includes('integer')) {
    const { minimum: min, maximum: max } = setting;
    if (min !== undefined && max !== undefined) return `an integer ${min}-${max}`;
    if (min !== undefined) return `an integer >= ${min}`;
    return 'an integer';
  }
  if (types.includes('number')) return setting.minimum !== undefined ? `a number >= ${setting.minimum}` : 'a number';
  if (types.includes('boolean')) return 'true or false';
  if (types.includes('object')) return 'an object';
  if (setting.pattern) return `a string matching ${setting.pattern}`;
  if (setting.maxLength !== undefined) return `a string of 1-${setting.maxLength} characters`;
  if (setting.minLength) return 'a non-empty string';
  return 'a string';
}

/**
 * The setting an error is about, as path parts: ['port'], ['ssh_tunnel', 'port'] inside a group,
 * ['batch_config', 'encoding', 'format'] inside a group's group.
 */
function keyPath(error: ErrorObject, schema: ConfigSchema): string[] {
  const path: string[] = [];
  let properties: Record<string, SettingSchema> | undefined = schema.properties;
  for (const part of error.instancePath.split('/').slice(1)) {
    if (!properties) break;
    path.push(part);
    properties = properties[part]?.properties;
  }
  return path;
}

/** A JSON type ajv would coerce into a string the key does not take as one (numbers, booleans). */
function wrongScalar(value: unknown, setting: SettingSchema): boolean {
  if (setting.enum || (typeof value !== 'number' && typeof value !== 'boolean')) return false;
  const types = ([] as string[]).concat(setting.type ?? []);
  if (typeof value === 'boolean') return !types.includes('boolean');
  return !types.includes('integer') && !types.includes('number') && setting['x-numeric-text'] !== true;
}

/** Paths of values (or, for arrays of strings, an item) that are a number or boolean where text is due. */
function scalarsForText(data: Record<string, unknown>, properties: Record<string, SettingSchema>, prefix: string[] = []): string[][] {
  return Object.keys(data).flatMap((key) => {
    const setting = properties[key];
    const value = data[key];
    if (!setting) return [];
    if (setting.properties && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      return scalarsForText(value as Record<string, unknown>, setting.properties, [...prefix, key]);
    }
    const wrong = Array.isArray(value)
      ? setting.items !== undefined && value.some((item) => wrongScalar(item, setting.items as SettingSchema))
      : wrongScalar(value, setting);
    return wrong ? [[...prefix, key]] : [];
  });
}

function describeKey(path: string[], data: Record<string, unknown>, schema: ConfigSchema, sources: ValueSources): string {
  let setting: SettingSchema = { properties: schema.properties };
  let value: unknown = data;
  for (const part of path) {
    setting = setting.properties?.[part] ?? {};
    value = (value as Record<string, unknown> | undefined)?.[part];
  }
  const name = path.join('.');
  const from = sources[name] ? ` (from ${sources[name]})` : '';
  const shown = setting.writeOnly ? '' : ` (got ${JSON.stringify(value)})`;
  return `/${path.join('/')}${from} must be ${expectedForm(setting)}${shown}`;
}

/**
 * Returns a validated copy of `raw` with defaults filled and coercions applied, or throws an
 * InputError naming every bad key.
 */
export function validateConfig(
  raw: Record<string, unknown>,
  schema: ConfigSchema,
  sources: ValueSources = {},
): Record<string, unknown> {
  // ajv fills defaults and coerces in place, inside groups too: work on a deep copy.
  const data: Record<string, unknown> = structuredClone(raw);
  const original = raw;
  const validate = newAjv().compile(schema);
  const bad = new Map(scalarsForText(original, schema.properties).map((path) => [path.join('.'), path]));
  if (validate(data) && bad.size === 0) return data;
  for (const error of validate.errors ?? []) {
    const path = keyPath(error, schema);
    if (path.length === 0) throw new InputError('CONFIG_INVALID', 'config: the config must be a JSON object');
    bad.set(path.join('.'), path);
  }
  // In the order the user wrote the keys.
  const order = Object.keys(original);
  const paths = [...bad.values()].sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]));
  const problems = paths.map((path) => describeKey(path, original, schema, sources));
  throw new InputError('CONFIG_INVALID', `config: ${problems.join('; ')}`);
}
