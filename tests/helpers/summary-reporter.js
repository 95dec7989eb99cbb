// Prints the plain closing line CI reads ("N passed, N failed") after jest's own summary, and,
// when a test failed, the seed of the run's random choices (tests/helpers/random.ts).
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    if (results.numFailedTests > 0 || results.numRuntimeErrorTestSuites > 0) {
      process.stdout.write(`seed: TAP_TEST_SEED=${process.env.TAP_TEST_SEED} replays this run's random kill points\n`);
    }
    process.stdout.write(`tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
module.exports = SummaryReporter;
