/**
 * Config problems in words: keys the spec does not know, and ajv's errors as one phrase per
 * key (`/port must be an integer (got "x")`). Values of secret keys are never echoed.
 */
import type { ErrorObject } from 'ajv';
import { oneOfBranches, secretKeys } from './spec';
import type { ConnectorSpecification, JsonSchema } from './types';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Paths of keys neither the spec nor the chosen oneOf branch declares (`/foo`, `/ssl_mode/bar`). */
export function unknownKeys(config: Json, spec: ConnectorSpecification): string[] {
  const declared = (spec.connectionSpecification.properties ?? {}) as Record<string, JsonSchema>;
  const unknown = Object.keys(config).filter((key) => !(key in declared)).map((key) => `/${key}`);
  for (const [name, { key, branches }] of oneOfBranches(spec)) {
    const value = config[name];
    if (!isObject(value)) continue;
    const branch = branches.get(String(value[key]));
    if (!branch) continue;
    const known = (branch.properties ?? {}) as Json;
    unknown.push(...Object.keys(value).filter((inner) => !(inner in known)).map((inner) => `/${name}/${inner}`));
  }
  return unknown;
}

function lastKey(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function phrase(error: ErrorObject, spec: ConnectorSpecification, secrets: Set<string>): string {
  const path = error.instancePath || '';
  const p = error.params as Record<string, any>;
  const got = secrets.has(lastKey(path)) || error.data === undefined ? '' : ` (got ${JSON.stringify(error.data)})`;
  switch (error.keyword) {
    case 'required':
      return `${path}/${p.missingProperty} is required`;
    case 'type':
      return `${path} must be ${p.type === 'integer' ? 'an integer' : `of type ${p.type}`}${got}`;
    case 'enum':
      return `${path} must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}${got}`;
    case 'const':
      return `${path} must be ${JSON.stringify(p.allowedValue)}`;
    case 'discriminator': {
      const values = [...(oneOfBranches(spec).get(path.slice(1))?.branches.keys() ?? [])];
      return `${path}/${p.tag} must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}${p.tagValue === undefined ? '' : ` (got ${JSON.stringify(p.tagValue)})`}`;
    }
    case 'pattern':
      return `${path} must match ${p.pattern}${got}`;
    case 'maxLength':
      return p.limit === 0 ? `${path} is not supported and must be empty` : `${path} must have at most ${p.limit} characters`;
    case 'minLength':
      return p.limit === 1 ? `${path} must not be empty` : `${path} must have at least ${p.limit} characters`;
    case 'minimum':
    case 'maximum':
      return `${path} must be ${error.keyword === 'minimum' ? '>=' : '<='} ${p.limit}${got}`;
    default:
      return `${path} ${error.message ?? 'is invalid'}`;
  }
}

/** One phrase per problem (the first error of each path). */
export function configProblems(errors: ErrorObject[], spec: ConnectorSpecification): string[] {
  const secrets = secretKeys(spec);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const error of errors) {
    const text = phrase(error, spec, secrets);
    const key = error.keyword === 'required' ? text : error.instancePath;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(text);
  }
  return out;
}
