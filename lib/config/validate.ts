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
  if (setting.pattern) return `a string matching ${setting.pattern}`;
  if (setting.maxLength !== undefined) return `a string of 1-${setting.maxLength} characters`;
  if (setting.minLength) return 'a non-empty string';
  return 'a string';
}

/** A JSON type ajv would coerce into a string the key does not take as one (numbers, booleans). */
function wrongScalar(value: unknown, setting: SettingSchema): boolean {
  if (setting.enum || (typeof value !== 'number' && typeof value !== 'boolean')) return false;
  const types = ([] as string[]).concat(setting.type ?? []);
  if (typeof value === 'boolean') return !types.includes('boolean');
  return !types.includes('integer') && !types.includes('number') && setting['x-numeric-text'] !== true;
}

/** Keys whose value (or, for arrays of strings, an item) is a number or boolean where text is due. */
function scalarsForText(data: Record<string, unknown>, schema: ConfigSchema): string[] {
  return Object.keys(data).filter((key) => {
    const setting = schema.properties[key];
    if (!setting) return false;
    const value = data[key];
    if (Array.isArray(value)) return setting.items !== undefined && value.some((item) => wrongScalar(item, setting.items as SettingSchema));
    return wrongScalar(value, setting);
  });
}

function topKey(error: ErrorObject): string {
  return error.instancePath.split('/')[1] ?? '';
}

function describeKey(key: string, data: Record<string, unknown>, schema: ConfigSchema, sources: ValueSources): string {
  const setting = schema.properties[key] ?? {};
  const from = sources[key] ? ` (from ${sources[key]})` : '';
  const shown = setting.writeOnly ? '' : ` (got ${JSON.stringify(data[key])})`;
  return `/${key}${from} must be ${expectedForm(setting)}${shown}`;
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
  // ajv coerces in place, arrays included: `original` keeps what the user wrote, for messages.
  const data: Record<string, unknown> = Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, Array.isArray(value) ? [...value] : value]));
  const original: Record<string, unknown> = { ...raw };
  const validate = newAjv().compile(schema);
  const bad = new Set(scalarsForText(original, schema));
  if (validate(data) && bad.size === 0) return data;
  for (const error of validate.errors ?? []) {
    const key = topKey(error);
    if (!key) throw new InputError('CONFIG_INVALID', 'config: the config must be a JSON object');
    bad.add(key);
  }
  const problems = Object.keys(original).filter((key) => bad.has(key)).map((key) => describeKey(key, original, schema, sources));
  throw new InputError('CONFIG_INVALID', `config: ${problems.join('; ')}`);
}
