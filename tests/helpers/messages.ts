/** Checks emitted lines against the Singer spec schemas in ../shared/spec/singer. */
import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const SPEC = join(__dirname, '..', '..', '..', 'shared', 'spec', 'singer');

function loadYaml(name: string): Record<string, unknown> {
  return parse(readFileSync(join(SPEC, name), 'utf8')) as Record<string, unknown>;
}

let validators: { message: (m: unknown) => boolean; catalog: (c: unknown) => boolean; ajv: Ajv } | undefined;

function compiled() {
  if (!validators) {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const catalog = loadYaml('SingerCatalog.yaml');
    const message = loadYaml('SingerMessage.yaml');
    ajv.addSchema(catalog);
    validators = { message: ajv.compile(message), catalog: ajv.getSchema(catalog.$id as string) as (c: unknown) => boolean, ajv };
  }
  return validators;
}

/** Every line is one Singer message: RECORD/SCHEMA/STATE per SingerMessage.yaml, ACTIVATE_VERSION by its spec shape. */
export function expectValidSingerLines(stdout: string): void {
  const { message, ajv } = compiled();
  const lines = stdout.split('\n');
  expect(lines.pop()).toBe('');
  for (const line of lines) {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    if (parsed.type === 'ACTIVATE_VERSION') {
      expect(Object.keys(parsed).sort()).toEqual(['stream', 'type', 'version']);
      expect(typeof parsed.stream).toBe('string');
      expect(Number.isInteger(parsed.version)).toBe(true);
      continue;
    }
    if (!message(parsed)) throw new Error(`invalid Singer message ${line.slice(0, 300)}: ${ajv.errorsText((message as any).errors)}`);
    if (parsed.type === 'RECORD') expect(typeof parsed.time_extracted).toBe('string');
  }
}

export function expectValidCatalog(catalog: unknown): void {
  const { catalog: validate, ajv } = compiled();
  if (!validate(catalog)) throw new Error(`invalid Singer catalog: ${ajv.errorsText((validate as any).errors)}`);
}

export function byType(messages: Array<Record<string, any>>, type: string): Array<Record<string, any>> {
  return messages.filter((m) => m.type === type);
}

export function lastState(messages: Array<Record<string, any>>): Record<string, any> | undefined {
  const states = byType(messages, 'STATE');
  return states.length > 0 ? states[states.length - 1].value : undefined;
}

/** Every RECORD matches the schema of its stream's latest SCHEMA message (types, not formats). */
export function expectRecordsMatchSchemas(messages: Array<Record<string, any>>): void {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const validators = new Map<string, ReturnType<Ajv['compile']>>();
  for (const message of messages) {
    if (message.type === 'SCHEMA') validators.set(message.stream, ajv.compile(message.schema));
    if (message.type !== 'RECORD') continue;
    const validate = validators.get(message.stream);
    if (!validate) throw new Error(`RECORD of ${message.stream} before its SCHEMA`);
    if (!validate(message.record)) {
      throw new Error(`RECORD of ${message.stream} does not match its SCHEMA: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(message.record).slice(0, 300)}`);
    }
  }
}
