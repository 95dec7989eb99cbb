/**
 * The command line (yargs 17), Singer conventions. Parsing never exits the process and never
 * prints: a bad command line becomes one InputError line (exit 2).
 */
import yargs from 'yargs';
import type { ReplicationMethod } from '../config/types';
import { parseSelectPattern } from '../catalog/select-patterns';
import { InputError } from '../errors';

export type Mode = 'discover' | 'sync' | 'test' | 'about' | 'version' | 'help' | 'none';

export interface FileFlag {
  flag: string;
  path: string;
}

export interface CliArgs {
  mode: Mode;
  configFiles: FileFlag[];
  /** --catalog, or the legacy --properties. */
  catalog?: FileFlag;
  state?: FileFlag;
  aboutFormat: 'json' | 'markdown';
  /** --select patterns (repeatable), in the order given. */
  select: string[];
  /** --replication-method / --replication-key: defaults for selected streams that name none. */
  replicationMethod?: ReplicationMethod;
  replicationKey?: string;
  /** --quiet: warnings and errors only (no progress, metrics or info lines). */
  quiet: boolean;
  /** The usage text, for --help. */
  help: string;
}

function usageError(message: string): InputError {
  return new InputError('USAGE', `${message.replace(/\s+/g, ' ').trim()} (see --help)`);
}

function parser(argv: string[]) {
  return yargs(argv)
    .scriptName('tap-postgres-ts')
    .usage(
      '$0 [--config FILE]... (--discover [--select PATTERN]... | (--catalog FILE | --select PATTERN...) [--state FILE] ' +
        '[--replication-method METHOD] [--replication-key COLUMN] | --test | --about [--format json|markdown])',
    )
    .exitProcess(false)
    .version(false)
    .help(false)
    .strict()
    .parserConfiguration({ 'duplicate-arguments-array': true, 'camel-case-expansion': false, 'dot-notation': false })
    .option('config', { type: 'string', requiresArg: true, describe: 'Config JSON file; repeat to merge several (later wins)' })
    .option('discover', { type: 'boolean', describe: 'Print the catalog of every readable table and view' })
    .option('catalog', { type: 'string', requiresArg: true, describe: 'Catalog JSON file with the selected streams: sync them' })
    .option('properties', { type: 'string', requiresArg: true, describe: 'Legacy name of --catalog' })
    .option('select', {
      type: 'string',
      requiresArg: true,
      describe: "Select streams by pattern, as Meltano's select: 'public-orders', 'public-*', '!public-audit_*', 'public-users.email', '!public-users.password_hash'; repeatable",
    })
    .option('replication-method', {
      choices: ['FULL_TABLE', 'INCREMENTAL', 'LOG_BASED'],
      requiresArg: true,
      describe: 'Replication method of the selected streams that name none',
    })
    .option('replication-key', { type: 'string', requiresArg: true, describe: 'Replication key of the selected INCREMENTAL streams that name none' })
    .option('state', { type: 'string', requiresArg: true, describe: 'State JSON file of the last run: resume from it' })
    .option('about', { type: 'boolean', describe: 'Print name, version, capabilities and settings' })
    .option('format', { choices: ['json', 'markdown'], requiresArg: true, describe: 'Format of --about' })
    .option('quiet', { type: 'boolean', describe: 'Log warnings and errors only: no progress, metrics or info lines on stderr' })
    .option('test', { type: 'boolean', describe: 'Connect, report server version and readable relations on stderr' })
    .option('version', { type: 'boolean', describe: 'Print the version' })
    .option('help', { type: 'boolean', describe: 'Print this help' })
    .fail((message, error) => {
      throw usageError(message ?? error?.message ?? 'invalid command line');
    });
}

/** One value of a file flag: a single non-empty path. */
function fileFlag(name: string, value: unknown): FileFlag | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw usageError(`--${name} given more than once`);
  if (typeof value !== 'string' || value === '') throw usageError(`--${name} needs a file path`);
  return { flag: `--${name}`, path: value };
}

function single(name: string, value: unknown): boolean {
  if (Array.isArray(value)) throw usageError(`--${name} given more than once`);
  return value === true;
}

/** --select or a replication default given: the run's catalog is made by lib/cli/selection.ts. */
export function usesSelection(args: CliArgs): boolean {
  return args.select.length > 0 || args.replicationMethod !== undefined || args.replicationKey !== undefined;
}

/** A repeatable string flag: every value non-empty. */
function strings(name: string, value: unknown): string[] {
  const values = ([] as unknown[]).concat(value ?? []);
  for (const v of values) if (typeof v !== 'string' || v === '') throw usageError(`--${name} needs a value`);
  return values as string[];
}

function singleString(name: string, value: unknown): string | undefined {
  if (Array.isArray(value)) throw usageError(`--${name} given more than once`);
  if (value !== undefined && (typeof value !== 'string' || value === '')) throw usageError(`--${name} needs a value`);
  return value as string | undefined;
}

interface Selection {
  select: string[];
  replication: string | undefined;
}

function modeOf(flags: Record<string, boolean>, catalog: FileFlag | undefined, state: FileFlag | undefined, format: boolean, selection: Selection): Mode {
  if (flags.help) return 'help';
  if (flags.version) return 'version';
  const modes = ['discover', 'test', 'about'].filter((name) => flags[name]);
  if (modes.length > 1) throw usageError(`--${modes.join(' and --')} cannot be combined`);
  if (flags.discover && (catalog || state)) throw usageError(`--discover cannot be combined with ${catalog ? catalog.flag : '--state'}`);
  if ((flags.test || flags.about) && (catalog || state)) {
    throw usageError(`--${modes[0]} cannot be combined with ${catalog ? catalog.flag : '--state'}`);
  }
  if (format && !flags.about) throw usageError('--format is only for --about');
  const selecting = selection.select.length > 0 ? '--select' : selection.replication;
  if ((flags.test || flags.about) && selecting) throw usageError(`--${modes[0]} cannot be combined with ${selecting}`);
  if (modes.length === 1) return modes[0] as Mode;
  if (catalog || selection.select.length > 0) return 'sync';
  if (state) throw usageError('--state needs --catalog FILE or --select PATTERN');
  return 'none';
}

export async function parseArgs(argv: string[]): Promise<CliArgs> {
  const cli = parser(argv);
  const parsed = cli.parseSync() as Record<string, unknown>;
  if (Array.isArray(parsed.catalog) || (parsed.catalog !== undefined && parsed.properties !== undefined)) {
    throw usageError(parsed.properties !== undefined ? '--catalog and --properties cannot be combined' : '--catalog given more than once');
  }
  const catalog = fileFlag('catalog', parsed.catalog) ?? fileFlag('properties', parsed.properties);
  const state = fileFlag('state', parsed.state);
  const configs = ([] as unknown[]).concat(parsed.config ?? []);
  const configFiles = configs.map((value) => fileFlag('config', value) as FileFlag);
  const flags: Record<string, boolean> = {};
  for (const name of ['discover', 'test', 'about', 'version', 'help']) flags[name] = single(name, parsed[name]);
  if (Array.isArray(parsed.format)) throw usageError('--format given more than once');
  const select = strings('select', parsed.select);
  const patterns = select.map(parseSelectPattern);
  if (patterns.length > 0 && patterns.every((p) => p.exclude) && catalog === undefined) {
    throw usageError('--select has only exclusions (!…): name what to include, or give --catalog FILE to exclude from');
  }
  const replicationMethod = singleString('replication-method', parsed['replication-method']) as ReplicationMethod | undefined;
  const replicationKey = singleString('replication-key', parsed['replication-key']);
  const replication = replicationMethod ? '--replication-method' : replicationKey ? '--replication-key' : undefined;
  const mode = modeOf(flags, catalog, state, parsed.format !== undefined, { select, replication });
  const help = mode === 'help' ? await cli.getHelp() : '';
  const aboutFormat = parsed.format === 'markdown' ? 'markdown' : 'json';
  const quiet = single('quiet', parsed.quiet);
  return { mode, configFiles, catalog, state, aboutFormat, select, replicationMethod, replicationKey, quiet, help };
}
