/**
 * The oldest server the tap supports (lib/db/server-info.ts): on an older one every mode that
 * connects stops with one clear line and exit 1; on a supported one it runs. The version matrix
 * (`npm run test:matrix`) runs this file on servers on both sides of the line.
 */
import { MIN_SERVER_VERSION_NUM } from '../../lib/db/server-info';
import { serverVersionNum, testConfig } from '../helpers/db';
import { runTap } from '../helpers/run-tap';

const supported = serverVersionNum() >= MIN_SERVER_VERSION_NUM;

test.each([['--discover'], ['--test']])(`%s on this server (${serverVersionNum()}): ${supported ? 'runs' : 'one line, exit 1'}`, async (mode) => {
  const run = await runTap([mode], { config: testConfig() });
  if (supported) {
    expect(run.code).toBe(0);
    return;
  }
  expect(run.code).toBe(1);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/SERVER_TOO_OLD: PostgreSQL \d+\.\d+ is older than 12, the oldest this tap supports/);
});
