/**
 * The project's output contract: the JSON Schemas in schemas/singer, compiled once with ajv in
 * strict mode (a typo in a schema keyword fails the tests instead of silently allowing anything).
 */
import Ajv, { type ValidateFunction } from 'ajv';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const SINGER_SCHEMAS = join(__dirname, '..', '..', 'schemas', 'singer');

const ID_PREFIX = 'https://github.com/tap-postgres-ts/schemas/singer/';

export interface ContractValidators {
  ajv: Ajv;
  /** Any output line: SCHEMA, RECORD, STATE or ACTIVATE_VERSION. */
  message: ValidateFunction;
  catalog: ValidateFunction;
  /** The value of a STATE message. */
  state: ValidateFunction;
  /** A stream's schema, as in the catalog and in SCHEMA messages. */
  streamSchema: ValidateFunction;
}

let compiled: ContractValidators | undefined;

function validator(ajv: Ajv, file: string): ValidateFunction {
  const validate = ajv.getSchema(ID_PREFIX + file);
  if (!validate) throw new Error(`schemas/singer/${file} is missing or has another $id`);
  return validate;
}

export function contractValidators(): ContractValidators {
  if (!compiled) {
    const ajv = new Ajv({ strict: true, allErrors: true });
    for (const file of readdirSync(SINGER_SCHEMAS).filter((name) => name.endsWith('.schema.json')).sort()) {
      ajv.addSchema(JSON.parse(readFileSync(join(SINGER_SCHEMAS, file), 'utf8')) as object);
    }
    compiled = {
      ajv,
      message: validator(ajv, 'message.schema.json'),
      catalog: validator(ajv, 'catalog.schema.json'),
      state: validator(ajv, 'state.schema.json'),
      streamSchema: validator(ajv, 'stream-schema.schema.json'),
    };
  }
  return compiled;
}

/** The validation errors of the last call of `validate`, as one line (empty when it passed). */
export function contractErrors(validate: ValidateFunction): string {
  const { ajv } = contractValidators();
  return validate.errors ? ajv.errorsText(validate.errors) : '';
}
