/** Checks emitted lines against the project's output contract (schemas/singer). */
import Ajv from 'ajv';
import { contractErrors, contractValidators } from './contract-schemas';

/** Every line is one Singer message valid against schemas/singer/message.schema.json. */
export function expectValidSingerLines(stdout: string): void {
  const { message } = contractValidators();
  const lines = stdout.split('\n');
  expect(lines.pop()).toBe('');
  for (const line of lines) {
    const parsed = JSON.parse(line) as unknown;
    if (!message(parsed)) throw new Error(`invalid Singer message ${line.slice(0, 300)}: ${contractErrors(message)}`);
  }
}

/** The catalog is valid against schemas/singer/catalog.schema.json. */
export function expectValidCatalog(catalog: unknown): void {
  const { catalog: validate } = contractValidators();
  if (!validate(catalog)) throw new Error(`invalid catalog: ${contractErrors(validate)}`);
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
