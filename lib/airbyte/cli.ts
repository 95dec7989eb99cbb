/**
 * The Airbyte connector command line: `spec`, `check --config F`, `discover --config F`,
 * `read --config F --catalog F [--state F]` (yargs 17). Parsing never prints or exits: a bad
 * command line is one InputError.
 */
import yargs from 'yargs';
import type { FileFlag } from '../cli/args';
import { InputError } from '../errors';

export type AirbyteCommand = 'spec' | 'check' | 'discover' | 'read';

export interface AirbyteArgs {
  command: AirbyteCommand;
  config?: FileFlag;
  catalog?: FileFlag;
  state?: FileFlag;
}

const USAGE = 'usage: source-postgres-ts spec | check --config FILE | discover --config FILE | read --config FILE --catalog FILE [--state FILE]';

/** The file flags each command takes, the required ones first. */
const FLAGS: Record<AirbyteCommand, { required: string[]; optional: string[] }> = {
  spec: { required: [], optional: [] },
  check: { required: ['config'], optional: [] },
  discover: { required: ['config'], optional: [] },
  read: { required: ['config', 'catalog'], optional: ['state'] },
};

function usageError(message: string): InputError {
  return new InputError('USAGE', `${message.replace(/\s+/g, ' ').trim()}; ${USAGE}`);
}

function fileFlag(name: string, value: unknown): FileFlag | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw usageError(`--${name} given more than once`);
  if (typeof value !== 'string' || value === '') throw usageError(`--${name} needs a file path`);
  return { flag: `--${name}`, path: value };
}

export function parseAirbyteArgs(argv: string[]): AirbyteArgs {
  const parsed = yargs(argv)
    .exitProcess(false)
    .version(false)
    .help(false)
    .strictOptions()
    .parserConfiguration({ 'duplicate-arguments-array': true, 'camel-case-expansion': false, 'dot-notation': false })
    .option('config', { type: 'string', requiresArg: true })
    .option('catalog', { type: 'string', requiresArg: true })
    .option('state', { type: 'string', requiresArg: true })
    .fail((message, error) => {
      throw usageError(message ?? error?.message ?? 'invalid command line');
    })
    .parseSync() as Record<string, unknown> & { _: unknown[] };
  const words = parsed._.map(String);
  if (words.length !== 1 || !(words[0] in FLAGS)) {
    throw usageError(words.length === 0 ? 'no command given' : `unknown command ${JSON.stringify(words.join(' '))}`);
  }
  const command = words[0] as AirbyteCommand;
  const { required, optional } = FLAGS[command];
  const args: AirbyteArgs = { command };
  for (const name of ['config', 'catalog', 'state'] as const) {
    const flag = fileFlag(name, parsed[name]);
    if (flag === undefined) {
      if (required.includes(name)) throw usageError(`${command} needs --${name} FILE`);
      continue;
    }
    if (!required.includes(name) && !optional.includes(name)) throw usageError(`${command} takes no --${name}`);
    args[name] = flag;
  }
  return args;
}
