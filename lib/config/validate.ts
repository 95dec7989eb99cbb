/**
 * Validates the merged raw config (files + PG* env) against the config schema with ajv: all
 * errors at once, schema defaults filled in, numbers and booleans given as strings coerced
 * (Meltano passes every value as a string). Every bad key becomes part of ONE InputError line:
 * `config: /port must be an integer 1-65535 (got "abc"); /sslmode must be one of ...`.
 * Values of secret (writeOnly) keys are never echoed.
 */
import Ajv, { type ErrorObject } from 'ajv';
import { InputError } from '../errors';
import type { ConfigSchema, SettingSchema } from './schema';

/** Where a value came from, when not a config file: key -> env var name. */
export type ValueSources = Record<string, string>;

function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true, allowUnionTypes: true });
  ajv.addKeyword({ keyword: 'x-env', schemaType: 'string' });
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
  if (types.includes('boolean')) return 'true or false';
  if (types.includes('object')) return 'an object';
  if (setting.pattern) return `a string matching ${setting.pattern}`;
  if (setting.maxLength !== undefined) return `a string of 1-${setting.maxLength} characters`;
  if (setting.minLength) return 'a non-empty string';
  return 'a string';
}

/** The setting an error is about, as path parts: ['port'], or ['ssh_tunnel', 'port'] inside a group. */
function keyPath(error: ErrorObject, schema: ConfigSchema): string[] {
  const [top, inner] = error.instancePath.split('/').slice(1);
  if (!top) return [];
  return inner !== undefined && schema.properties[top]?.properties ? [top, inner] : [top];
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
  if (validate(data)) return data;
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const error of validate.errors ?? []) {
    const path = keyPath(error, schema);
    if (path.length === 0) {
      problems.push(`the config must be a JSON object`);
      break;
    }
    if (seen.has(path.join('.'))) continue;
    seen.add(path.join('.'));
    problems.push(describeKey(path, original, schema, sources));
  }
  throw new InputError('CONFIG_INVALID', `config: ${problems.join('; ')}`);
}
