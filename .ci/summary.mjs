// Prints "N passed, N failed" from Vitest's own JSON report, as the last line of the CI log.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  console.log(`no test report at ${file}: ${error.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const failed = report.numFailedTests + (report.numFailedTestSuites ?? 0) - countSuitesWithFailedTests(report);
const skipped = report.numPendingTests + (report.numTodoTests ?? 0);
console.log(`${report.numPassedTests} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);

// A suite that failed to load has no tests; count it once as a failure, not its (zero) tests.
function countSuitesWithFailedTests(r) {
  return r.testResults.filter((s) => s.status === 'failed' && s.assertionResults.some((t) => t.status === 'failed'))
    .length;
}
