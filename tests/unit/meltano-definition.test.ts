/**
 * meltano-hub.yml: generated from the config schema (fails when the two drift apart: run
 * `npm run meltano:definition`), and of the shape the Meltano hub's `extractors` definitions
 * take (this test keeps its own copy of the rules it relies on).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { DEFINITION_PATH, definitionText } from '../tools/meltano-definition';

const schema = JSON.parse(readFileSync(join(__dirname, '..', '..', 'schemas', 'config.schema.json'), 'utf8')) as {
  properties: Record<string, { writeOnly?: boolean; enum?: unknown[]; default?: unknown; description?: string; type?: string | string[] }>;
};
const text = readFileSync(DEFINITION_PATH, 'utf8');
const definition = parse(text);

const SETTING_KINDS = ['oauth', 'hidden', 'password', 'date_iso8601', 'file', 'email', 'integer', 'options', 'object', 'array', 'boolean', 'string', 'decimal'];
const CAPABILITIES = ['properties', 'catalog', 'discover', 'state', 'about', 'stream-maps', 'schema-flattening', 'activate-version', 'batch', 'test', 'log-based', 'structured-logging'];
const TOP_LEVEL = [
  'name', 'pip_url', 'variant', 'namespace', 'label', 'description', 'executable', 'settings', 'docs', 'repo', 'logo_url', 'hidden',
  'python', 'settings_group_validation', 'commands', 'capabilities', 'metadata', 'schema', 'select', 'maintenance_status', 'quality',
  'domain_url', 'keywords', 'requires', 'definition', 'next_steps', 'settings_preamble', 'usage', 'prereq', 'supported_python_versions', 'log_parser',
];

/** The Meltano hub's rules for an extractor definition, as far as this file uses them. */
const extractorShape = {
  type: 'object',
  required: ['name', 'namespace', 'variant', 'quality'],
  additionalProperties: false,
  properties: {
    ...Object.fromEntries(TOP_LEVEL.map((key) => [key, {}])),
    name: { type: 'string' },
    namespace: { type: 'string' },
    variant: { type: 'string' },
    label: { type: 'string' },
    description: { type: 'string' },
    executable: { type: 'string' },
    domain_url: { type: ['string', 'null'] },
    keywords: { type: 'array', items: { type: 'string' } },
    log_parser: { type: 'string' },
    maintenance_status: { enum: ['active', 'beta', 'development', 'inactive', 'unknown'] },
    quality: { enum: ['gold', 'silver', 'bronze', 'unknown'] },
    capabilities: { type: 'array', items: { enum: CAPABILITIES } },
    settings: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        additionalProperties: false,
        properties: {
          name: { type: 'string' },
          aliases: { type: 'array', items: { type: 'string' } },
          label: { type: 'string' },
          value: {},
          placeholder: { type: 'string' },
          kind: { enum: SETTING_KINDS },
          description: { type: 'string' },
          tooltip: { type: 'string' },
          documentation: { type: 'string' },
          env: { type: 'string' },
          options: { type: 'array', items: { type: 'object', properties: { label: { type: 'string' }, value: { type: 'string' } } } },
          hidden: { type: 'boolean' },
          sensitive: { type: 'boolean' },
        },
      },
    },
  },
};

describe('meltano-hub.yml', () => {
  it('is what `npm run meltano:definition` makes from the config schema today', () => {
    expect(text).toBe(definitionText());
  });

  it('has the shape of a Meltano hub extractor definition', () => {
    const validate = new Ajv({ allErrors: true }).compile(extractorShape);
    const valid = validate(definition);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(new Ajv().compile(extractorShape)({ ...definition, bogus: 1 })).toBe(false);
  });

  it('has one setting per config key: label, kind, description, default, sensitive secrets, enum options', () => {
    const settings = definition.settings as Array<Record<string, any>>;
    // Nested groups (ssh_tunnel, batch_config.encoding) are settings by dotted name, as Meltano names them.
    const flat: Record<string, (typeof schema.properties)[string]> = {};
    const visit = (properties: typeof schema.properties, prefix: string): void => {
      for (const [name, setting] of Object.entries(properties)) {
        const nested = (setting as { properties?: typeof schema.properties }).properties;
        if (nested) visit(nested, `${prefix}${name}.`);
        else flat[`${prefix}${name}`] = setting;
      }
    };
    visit(schema.properties, '');
    expect(settings.map((s) => s.name)).toEqual(Object.keys(flat));
    expect(settings.map((s) => s.name)).toContain('ssh_tunnel.private_key');
    for (const setting of settings) {
      const source = flat[setting.name];
      expect(setting.label).toMatch(/^[A-Z]/);
      expect(setting.description).toBe(source.description);
      expect(setting.sensitive === true).toBe(source.writeOnly === true);
      if (source.writeOnly) expect(setting).toMatchObject({ kind: 'password' });
      expect(setting.value).toEqual(source.writeOnly ? undefined : source.default);
      if (source.enum?.every((v) => typeof v === 'string')) {
        expect(setting.kind).toBe('options');
        expect(setting.options.map((o: { value: string }) => o.value)).toEqual(source.enum);
      }
    }
    const kinds = Object.fromEntries(settings.map((s) => [s.name, s.kind]));
    expect(kinds).toMatchObject({ port: 'integer', json_as_object: 'boolean', filter_schemas: 'array', ssl: 'boolean', host: 'string', sslkey: 'password' });
  });

  it('claims the capabilities the tap has', () => {
    expect(definition.capabilities).toEqual(
      expect.arrayContaining(['catalog', 'properties', 'discover', 'state', 'about', 'test', 'activate-version', 'batch', 'log-based', 'structured-logging', 'stream-maps']),
    );
  });
});
