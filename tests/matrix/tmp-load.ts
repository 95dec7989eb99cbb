import globalSetup from '../helpers/global-setup';
import globalTeardown from '../helpers/global-teardown';
(async () => {
  try { await globalSetup(); console.log('OK', process.env.TAP_TEST_PORT); } catch (e) { console.log('FAIL', (e as Error).message); }
  await globalTeardown();
})();
