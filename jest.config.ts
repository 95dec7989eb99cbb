import type { Config } from 'jest';

// One seed for every random choice the tests make (e.g. where a sync is killed), set here so
// the workers inherit it and the summary reporter can print it when a test fails:
// `TAP_TEST_SEED=<seed> npm test` replays the same choices.
process.env.TAP_TEST_SEED ||= String(Math.floor(Math.random() * 2 ** 31));

const shared = {
  preset: 'ts-jest',
  testEnvironment: 'node',
};

const config: Config = {
  projects: [
    // No database, no global set-up: `npx jest --selectProjects unit` needs only Node.
    { ...shared, displayName: 'unit', roots: ['<rootDir>/tests/unit'], testMatch: ['**/*.test.ts'] },
    // Against the throw-away test server that the global set-up starts and loads the fixtures into.
    {
      ...shared,
      displayName: 'integration',
      roots: ['<rootDir>/tests/integration'],
      testMatch: ['**/*.test.ts'],
      globalSetup: '<rootDir>/tests/helpers/global-setup.ts',
      globalTeardown: '<rootDir>/tests/helpers/global-teardown.ts',
    },
  ],
  testTimeout: 60_000,
  reporters: ['default', '<rootDir>/tests/helpers/summary-reporter.js'],
  // Two cores: the server and the taps the tests spawn share them with the two workers.
  maxWorkers: 2,
};

export default config;
