/** --about, --version and --help: no config and no database needed; output on stdout. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parse } from 'yaml';
import { TAP_BIN } from '../helpers/run-tap';

/** These outputs are not Singer messages, so the raw streams are read (runTap parses JSON lines). */
function runTap(args: string[], options: { config?: unknown } = {}): { code: number | null; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tap-cli-about-'));
  try {
    const argv = [TAP_BIN];
    if (options.config !== undefined) {
      writeFileSync(join(dir, 'config.json'), JSON.stringify(options.config));
      argv.push('--config', join(dir, 'config.json'));
    }
    const run = spawnSync(process.execPath, [...argv, ...args], { encoding: 'utf8', timeout: 30_000 });
    return { code: run.status, stdout: run.stdout, stderr: run.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
type Setting = { writeOnly?: boolean; properties?: Record<string, Setting> };
const schema = JSON.parse(readFileSync(join(__dirname, '..', '..', 'schemas', 'config.schema.json'), 'utf8')) as {
  properties: Record<string, Setting>;
};
/** The schema's settings by name; a group's (ssh_tunnel, batch_config.encoding) by dotted name. */
const flatten = (properties: Record<string, Setting>, prefix: string): Array<[string, Setting]> =>
  Object.entries(properties).flatMap(([name, setting]): Array<[string, Setting]> =>
    setting.properties ? flatten(setting.properties, `${prefix}${name}.`) : [[`${prefix}${name}`, setting]],
  );
const settings: Record<string, Setting> = Object.fromEntries(flatten(schema.properties, ''));

describe('--about', () => {
  it('prints JSON with name, version, capabilities and every setting', async () => {
    const run = await runTap(['--about'], { config: { password: 'about-secret-value' } });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const about = JSON.parse(run.stdout);
    expect(about).toMatchObject({ name: 'tap-postgres-ts', version: pkg.version });
    expect(typeof about.description).toBe('string');
    expect(about.capabilities).toEqual(
      expect.arrayContaining(['catalog', 'discover', 'properties', 'state', 'about', 'test', 'activate-version', 'batch', 'log-based']),
    );
    expect(about.settings.map((s: { name: string }) => s.name)).toEqual(Object.keys(settings));
    for (const setting of about.settings) {
      expect(Object.keys(setting)).toEqual(expect.arrayContaining(['name', 'type', 'description', 'secret']));
      expect(setting.secret).toBe(settings[setting.name].writeOnly === true);
      expect(setting.description).not.toBe('');
    }
    expect(about.settings.find((s: { name: string }) => s.name === 'state_interval').default).toBe(10000);
    expect(run.stdout).not.toContain('about-secret-value');
  });

  it('returns the settings and capabilities of the Meltano plugin definition (meltano-hub.yml)', async () => {
    const hub = parse(readFileSync(join(__dirname, '..', '..', 'meltano-hub.yml'), 'utf8'));
    const about = JSON.parse(runTap(['--about', '--format', 'json']).stdout);
    expect(about.capabilities).toEqual(hub.capabilities);
    const meltanoFields = ['name', 'label', 'kind', 'description', 'value', 'sensitive', 'options'];
    const pick = (setting: Record<string, unknown>) => Object.fromEntries(meltanoFields.filter((k) => k in setting).map((k) => [k, setting[k]]));
    expect(about.settings.map(pick)).toEqual(hub.settings);
  });

  it('--format json is the default; --format markdown prints a settings table', async () => {
    const json = await runTap(['--about', '--format', 'json']);
    expect(() => JSON.parse(json.stdout)).not.toThrow();
    const run = await runTap(['--about', '--format', 'markdown']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^# tap-postgres-ts /);
    expect(run.stdout).toContain('## Capabilities');
    expect(run.stdout).toContain('| Setting | Type | Default | Env | Secret | Description |');
    expect(run.stdout).toMatch(/\| password \| string \|.*\| yes \|/);
  });
});

describe('--version and --help', () => {
  it('--version prints the package version', async () => {
    const run = await runTap(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`tap-postgres-ts ${pkg.version}\n`);
  });

  it('--help lists the flags', async () => {
    const run = await runTap(['--help']);
    expect(run.code).toBe(0);
    for (const flag of ['--config', '--discover', '--catalog', '--properties', '--state', '--select', '--replication-method', '--replication-key', '--quiet', '--about', '--format', '--test', '--version']) {
      expect(run.stdout).toContain(flag);
    }
  });
});
