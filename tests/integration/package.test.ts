/**
 * The npm package works without the repository: `npm pack` (its `prepack` builds dist), install
 * the tarball into an empty folder, run `npx tap-postgres-ts` there. The packing happens in a
 * copy of the sources so the rebuild never touches the dist/ the other tests are running.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flatSettings, type ConfigSchema } from '../../lib/config/schema';
import { testConfig } from '../helpers/db';
import { runTap } from '../helpers/run-tap';

const ROOT = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const configSchema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'config.schema.json'), 'utf8')) as ConfigSchema;

/** Left out of the copy that gets packed: installed, built, generated or version-control data. */
const NOT_COPIED = new Set(['node_modules', 'dist', '.git', 'coverage', '.tmp', 'bench-results']);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The npm environment of `npm test` itself (its package, its folder) must not leak into the child npm. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const lower = key.toLowerCase();
    if ((lower.startsWith('npm_') && !lower.startsWith('npm_config_')) || lower === 'npm_config_local_prefix' || lower === 'init_cwd') continue;
    env[key] = value;
  }
  return env;
}

function run(command: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: childEnv(), maxBuffer: 64 * 1024 * 1024, timeout: 170_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function expectOk(step: string, result: Run): void {
  if (result.code !== 0) throw new Error(`${step} exited ${result.code}:\n${result.stderr}\n${result.stdout}`);
}

let work = '';
let app = '';
const installed = (...parts: string[]): string => join(app, 'node_modules', ...parts);
const npx = (args: string[]): Promise<Run> => run('npx', ['--no-install', pkg.name, ...args], app);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'tap-package-'));
  const source = join(work, 'source');
  const packed = join(work, 'packed');
  app = join(work, 'app');
  mkdirSync(packed);
  mkdirSync(app);
  cpSync(ROOT, source, { recursive: true, filter: (from) => from === ROOT || !NOT_COPIED.has(from.slice(ROOT.length + 1)) });
  symlinkSync(join(ROOT, 'node_modules'), join(source, 'node_modules'), 'dir'); // the compiler for prepack
  expectOk('npm pack', await run('npm', ['pack', '--prefer-offline', '--pack-destination', packed], source));
  const tarballs = readdirSync(packed).filter((name) => name.endsWith('.tgz'));
  expect(tarballs).toEqual([`${pkg.name}-${pkg.version}.tgz`]);
  expectOk('npm install', await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(packed, tarballs[0])], app));
}, 240_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed tarball, installed into an empty folder', () => {
  it('holds the built tap and its runtime files, not the sources or the dev tools', () => {
    expect(lstatSync(installed('.bin', pkg.name)).isSymbolicLink()).toBe(true);
    for (const file of ['bin/tap-postgres-ts', 'dist/cli/main.js', 'schemas/config.schema.json', 'package.json', 'README.md', 'LICENSE']) {
      expect([file, existsSync(installed(pkg.name, file))]).toEqual([file, true]);
    }
    for (const absent of [[pkg.name, 'lib'], [pkg.name, 'tests'], [pkg.name, 'dist', 'cli', 'main.js.map'], ['typescript'], ['jest'], ['ts-jest']]) {
      expect([absent.join('/'), existsSync(installed(...absent))]).toEqual([absent.join('/'), false]);
    }
  });

  it('npx tap-postgres-ts --version prints the package version', async () => {
    const result = await npx(['--version']);
    expect(result).toEqual({ code: 0, stdout: `${pkg.name} ${pkg.version}\n`, stderr: '' });
  });

  it('npx tap-postgres-ts --about reads the shipped config schema', async () => {
    const result = await npx(['--about']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const about = JSON.parse(result.stdout);
    expect(about).toMatchObject({ name: pkg.name, version: pkg.version });
    expect(about.settings.map((s: { name: string }) => s.name)).toEqual(flatSettings(configSchema).map(([name]) => name));
  });

  it('npx tap-postgres-ts --discover prints the catalog of the harness database, as the repository build does', async () => {
    const config = testConfig({ filter_schemas: ['tap_fixture'] });
    writeFileSync(join(app, 'config.json'), JSON.stringify(config));
    const result = await npx(['--config', 'config.json', '--discover']);
    expect(result.code).toBe(0);
    const catalog = JSON.parse(result.stdout);
    const ids = catalog.streams.map((s: { tap_stream_id: string }) => s.tap_stream_id);
    expect(ids).toEqual(expect.arrayContaining(['tap_fixture-all_types', 'tap_fixture-events', 'tap_fixture-Mixed Case ünï', 'tap_fixture-select']));
    const fromRepository = await runTap(['--discover'], { config });
    expect(fromRepository.code).toBe(0);
    expect(catalog).toEqual(fromRepository.messages[0]);
  });
});
