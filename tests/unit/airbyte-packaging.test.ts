/**
 * The Docker image's entrypoint contract, checked from the files (Docker itself cannot run here):
 * ENTRYPOINT and AIRBYTE_ENTRYPOINT run the same bin the integration tests run, as a non-root
 * user, and metadata.yaml names the image the Dockerfile labels, at the package's version.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..', '..');
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

function instruction(name: string): string {
  const match = new RegExp(`^${name} (.+)$`, 'm').exec(finalStage);
  if (!match) throw new Error(`no ${name} in the Dockerfile's final stage`);
  return match[1];
}

test('ENTRYPOINT and AIRBYTE_ENTRYPOINT run bin/source-postgres-ts, copied into the image; the user is not root', () => {
  const entrypoint = (JSON.parse(instruction('ENTRYPOINT')) as string[]).join(' ');
  const env = /^ENV AIRBYTE_ENTRYPOINT="(.+)"$/m.exec(finalStage);
  expect(env?.[1]).toBe(entrypoint);
  const workdir = instruction('WORKDIR');
  expect(entrypoint).toBe(`node ${workdir}/bin/source-postgres-ts`);
  expect(finalStage).toMatch(/^COPY bin \.\/bin$/m);
  expect(finalStage).toMatch(/^COPY schemas \.\/schemas$/m);
  expect(finalStage).toMatch(/^COPY --from=build \/build\/dist \.\/dist$/m);
  expect(existsSync(join(ROOT, 'bin', 'source-postgres-ts'))).toBe(true);
  expect(readFileSync(join(ROOT, 'bin', 'source-postgres-ts'), 'utf8')).toContain("require('../dist/airbyte/main.js')");
  expect(instruction('USER')).not.toMatch(/^(root|0)$/);
  expect(instruction('FROM')).toMatch(/^node:20-alpine$/);
});

test('metadata.yaml: a source, the image the Dockerfile labels, the package version, the hosts it connects to', () => {
  const metadata = parse(readFileSync(join(ROOT, 'metadata.yaml'), 'utf8')) as { data: Record<string, any>; metadataSpecVersion: string };
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };
  const data = metadata.data;
  expect(metadata.metadataSpecVersion).toBe('1.0');
  expect(data).toMatchObject({ connectorType: 'source', connectorSubtype: 'database', dockerImageTag: pkg.version, license: 'MIT' });
  expect(data.definitionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(instruction('LABEL')).toBe(`io.airbyte.name=${data.dockerRepository} io.airbyte.version=${data.dockerImageTag}`);
  expect(data.allowedHosts.hosts).toEqual(['${host}', '${tunnel_method.tunnel_host}']);
  expect(pkg.bin['source-postgres-ts']).toBe('bin/source-postgres-ts');
});
