// The closing line counts everything that makes the run fail: a run with every test passed and one
// unhandled error says "1 failed" and exits non-zero.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SerializedError, TestModule } from 'vitest/node';
import SummaryReporter from '../support/summary-reporter.ts';

type State = 'passed' | 'failed' | 'skipped' | 'pending';

/** Just what the reporter reads of a module: its tests' states and its own. */
function fakeModule(tests: State[], moduleState: 'passed' | 'failed' = tests.includes('failed') ? 'failed' : 'passed'): TestModule {
  return {
    state: () => moduleState,
    children: { allTests: () => tests.map((state) => ({ result: () => ({ state }) }))[Symbol.iterator]() },
  } as unknown as TestModule;
}

const terminated: SerializedError = {
  name: 'error',
  message: 'terminating connection due to administrator command',
  code: '57P01',
};

describe('the summary line', () => {
  let output: string;
  let exitCode: typeof process.exitCode;

  beforeEach(() => {
    output = '';
    exitCode = process.exitCode;
    process.exitCode = undefined;
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output += String(chunk);
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = exitCode;
  });

  const line = () => /Tests: .*/.exec(output)?.[0];

  it('counts passed, failed and skipped tests, and a file that failed in a hook', () => {
    new SummaryReporter().onTestRunEnd(
      [fakeModule(['passed', 'passed', 'skipped']), fakeModule(['passed', 'failed']), fakeModule(['passed'], 'failed')],
      [],
      'failed',
    );
    expect(line()).toBe('Tests: 4 passed, 2 failed, 1 skipped');
  });

  it('counts each unhandled error as a failure, and the run exits non-zero', () => {
    const modules = [fakeModule(['passed', 'passed']), fakeModule(['passed'])];
    new SummaryReporter().onTestRunEnd(modules, [terminated, { ...terminated }, { message: 'Unhandled rejection' }], 'passed');
    expect(line()).toBe('Tests: 3 passed, 3 failed, 0 skipped');
    expect(output).toContain('Unhandled errors: 3 (counted as failed)');
    expect(process.exitCode).toBe(1);
  });

  it('leaves a clean run alone', () => {
    new SummaryReporter().onTestRunEnd([fakeModule(['passed', 'skipped'])], [], 'passed');
    expect(line()).toBe('Tests: 1 passed, 0 failed, 1 skipped');
    expect(output).not.toContain('Unhandled');
    expect(process.exitCode).toBeUndefined();
  });
});
