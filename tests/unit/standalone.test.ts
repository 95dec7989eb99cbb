/**
 * The repository stands alone: no file reads or names a path outside it. Every file git knows
 * (tracked, or new and not ignored; without git: every file but node_modules, dist, .tmp,
 * bench-results) is searched for a relative path to a sibling folder of shared material, the
 * absolute path of the folder that holds this checkout, and the machine's work folder.
 * package-lock.json is exempt (npm writes it). The needles are built at run time, so this file
 * does not match itself.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const SKIPPED_DIRS = new Set(['.git', 'node_modules', 'dist', '.tmp', 'bench-results', 'coverage']);
const EXEMPT = new Set(['package-lock.json']);

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) walk(join(dir, entry.name), out);
    } else if (entry.isFile()) {
      out.push(relative(ROOT, join(dir, entry.name)).split(sep).join('/'));
    }
  }
  return out;
}

/** Repository-relative paths of the files to search. */
function repositoryFiles(root: string): string[] {
  try {
    const listed = execFileSync('git', ['-C', root, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 * 1024 * 1024,
    });
    return [...new Set(listed.split('\0').filter((name) => name !== ''))];
  } catch {
    return walk(root);
  }
}

/**
 * What no file may contain. The folder above the checkout is left out when it sits right under
 * the file-system root (a clone in /tmp/x would otherwise forbid every mention of /tmp/).
 */
function forbiddenNeedles(root: string): string[] {
  const needles = ['..' + '/' + 'shared', '/' + 'work' + '/'];
  const parent = dirname(root);
  if (dirname(parent) !== parent && dirname(dirname(parent)) !== dirname(parent)) needles.push(parent + '/');
  return needles;
}

/** `file:line: text` for every line of these files holding a needle. */
function findNeedles(root: string, files: readonly string[], needles: readonly string[]): string[] {
  const hits: string[] = [];
  for (const file of files) {
    if (EXEMPT.has(file)) continue;
    const path = join(root, file);
    let text: string;
    try {
      if (!statSync(path).isFile()) continue;
      text = readFileSync(path, 'utf8');
    } catch {
      continue; // deleted in the work tree, not yet in the index
    }
    if (!needles.some((needle) => text.includes(needle))) continue;
    text.split('\n').forEach((line, index) => {
      if (needles.some((needle) => line.includes(needle))) hits.push(`${file}:${index + 1}: ${line.trim().slice(0, 160)}`);
    });
  }
  return hits;
}

describe('the repository stands alone', () => {
  test('no file names a path outside the repository', () => {
    const files = repositoryFiles(ROOT);
    expect(files).toContain('package.json');
    expect(files).toContain('tests/unit/standalone.test.ts');
    const hits = findNeedles(ROOT, files, forbiddenNeedles(ROOT));
    if (hits.length > 0) throw new Error(`paths outside the repository:\n${hits.join('\n')}`);
  });

  test('the search finds a planted path and names file and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tap-standalone-'));
    try {
      const needles = forbiddenNeedles(join(dir, 'repo'));
      expect(needles).toContain(dir + '/');
      writeFileSync(join(dir, 'a.md'), `fine\nsee ${'..' + '/' + 'shared'}/x\n`);
      writeFileSync(join(dir, 'b.ts'), `const p = '${dir}/other/file';\n`);
      writeFileSync(join(dir, 'package-lock.json'), `"${'..' + '/' + 'shared'}"\n`);
      expect(findNeedles(dir, ['a.md', 'b.ts', 'package-lock.json', 'missing.txt'], needles)).toEqual([
        `a.md:2: see ${'..' + '/' + 'shared'}/x`,
        `b.ts:1: const p = '${dir}/other/file';`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
