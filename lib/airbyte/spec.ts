/**
 * The connector specification (schemas/airbyte/spec.json): what `spec` prints, what configs are
 * validated against, and which keys are secret (`airbyte_secret: true`, found by walking the
 * schema with json-schema-traverse, oneOf branches included).
 */
import Ajv, { type ValidateFunction } from 'ajv';
import traverse from 'json-schema-traverse';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectorSpecification, JsonSchema } from './types';

/** Both lib/airbyte (ts-jest) and dist/airbyte (built) sit two levels below the package root. */
export const SPEC_PATH = join(__dirname, '..', '..', 'schemas', 'airbyte', 'spec.json');

/** The discriminating key of each oneOf object in the spec. */
const DISCRIMINATORS: Readonly<Record<string, string>> = { ssl_mode: 'mode', replication_method: 'method', tunnel_method: 'tunnel_method' };

/** Keywords of Airbyte's UI that are no JSON Schema vocabulary. */
const UI_KEYWORDS = ['airbyte_secret', 'always_show', 'multiline', 'order', 'group', 'groups', 'display_type', 'airbyte_hidden'];

export function loadSpec(): ConnectorSpecification {
  return JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as ConnectorSpecification;
}

/** Names of the properties marked `airbyte_secret: true` anywhere in the connection specification. */
export function secretKeys(spec: ConnectorSpecification): Set<string> {
  const keys = new Set<string>();
  const visit: traverse.Callback = (node, _ptr, _root, _parentPtr, parentKeyword, _parent, keyIndex) => {
    if (parentKeyword === 'properties' && typeof keyIndex === 'string' && node.airbyte_secret === true) keys.add(keyIndex);
  };
  traverse(spec.connectionSpecification as traverse.SchemaObject, visit);
  return keys;
}

/** The discriminated oneOf objects, each with its discriminating key and branches by value. */
export function oneOfBranches(spec: ConnectorSpecification): Map<string, { key: string; branches: Map<string, JsonSchema> }> {
  const properties = (spec.connectionSpecification.properties ?? {}) as Record<string, JsonSchema>;
  const out = new Map<string, { key: string; branches: Map<string, JsonSchema> }>();
  for (const [name, key] of Object.entries(DISCRIMINATORS)) {
    const branches = new Map<string, JsonSchema>();
    for (const branch of (properties[name]?.oneOf ?? []) as JsonSchema[]) {
      const constant = ((branch.properties as Record<string, JsonSchema>)[key] as { const: string }).const;
      branches.set(constant, branch);
    }
    out.set(name, { key, branches });
  }
  return out;
}

/**
 * A validator of the connection specification: defaults filled in, all errors at once, and each
 * oneOf object checked against the one branch its discriminating key names (ajv's
 * `discriminator`), so errors speak of that branch only.
 */
export function compileConfigValidator(spec: ConnectorSpecification): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, discriminator: true, strict: false, verbose: true });
  for (const keyword of UI_KEYWORDS) ajv.addKeyword({ keyword });
  const schema = structuredClone(spec.connectionSpecification) as JsonSchema & { properties: Record<string, JsonSchema> };
  for (const [name, key] of Object.entries(DISCRIMINATORS)) {
    const property = schema.properties[name];
    if (!property) continue;
    property.discriminator = { propertyName: key };
    property.required = [key];
    delete property.default;
  }
  return ajv.compile(schema);
}
