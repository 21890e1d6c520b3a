// Prints the plain closing line CI reads ("Tests: N passed, N failed, N skipped"). Everything that makes
// the run fail counts as failed: a failed test, a file that failed outside its tests (a hook, an
// import), and an unhandled error (an error event or rejection nobody handled, which Vitest reports
// apart from any test). So the line never says "0 failed" on a run that exits non-zero, and a line
// with failures always comes with a non-zero exit.
import type { Reporter, SerializedError, TestModule, TestRunEndReason } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError> = [],
    _reason?: TestRunEndReason,
  ): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      let testFailed = false;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') {
          failed++;
          testFailed = true;
        } else skipped++;
      }
      // A file that failed outside its tests (a hook, an import) is a failure even if no test was marked.
      if (module.state() === 'failed' && !testFailed) failed++;
    }
    failed += unhandledErrors.length;
    // The default reporter prints each of them in full above.
    if (unhandledErrors.length) process.stdout.write(`\nUnhandled errors: ${unhandledErrors.length} (counted as failed)\n`);
    process.stdout.write(`\nTests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
    // Vitest already exits 1 on unhandled errors unless told to ignore them; the line and the exit code agree either way.
    if (failed > 0 && !process.exitCode) process.exitCode = 1;
  }
}
