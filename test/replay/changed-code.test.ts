// The replay test can fail: the workflows bundled with a deliberate change of workflow code do not replay
// the recorded histories. And the inactivity sweep's continue-as-new, which changed its command
// sequence, is behind a patch: histories recorded before it still replay, and would not without it.
import { DeterminismViolationError } from '@temporalio/workflow';
import { describe, expect, it } from 'vitest';
import { bundleWithSwaps, fixture, type RecordedHistory, recordedHistories, replay } from './replay-support.ts';

const histories = recordedHistories();
const BEFORE_THE_PATCH = 'inactivity-sweep.before-continue-as-new.json';
/** Imported by a file of workflows/ (the fixtures import the real modules, and are not swapped). */
const fromWorkflows = (file: string) => new RegExp(`[\\\\/]workflows[\\\\/]${file}$`);

const errorKinds = (results: Map<string, Error | undefined>) =>
  Object.fromEntries(
    [...results].map(([file, error]) => [
      file,
      error ? (error instanceof DeterminismViolationError ? 'nondeterminism' : error.message) : 'replays',
    ]),
  );

describe('a change of workflow code', () => {
  it('to the interpreter’s command sequence fails the replay of every enrollment that went through it', async () => {
    const bundle = await bundleWithSwaps([
      {
        request: /core\/journey\/interpreter\.ts$/,
        importer: fromWorkflows('[^\\\\/]+\\.ts'),
        fixture: fixture('interpreter-loads-facts-first.ts'),
      },
    ]);
    const results = await replay(bundle, histories);
    // A journey run that started decided `started`, now with one more command first. A run continued as
    // new resumes its carried commands and never decides `started`; churn scoring and the sweep have no journey.
    const expected = (history: RecordedHistory) => {
      const startedHere = /^[a-z-]+\.[0-9a-f]{8}\./.test(history.file) && !history.file.includes('.next-run');
      return startedHere ? 'nondeterminism' : 'replays';
    };
    expect(errorKinds(results)).toEqual(Object.fromEntries(histories.map((history) => [history.file, expected(history)])));
  });

  it('the sweep’s continue-as-new replays old histories through its patch, which they would fail without', async () => {
    const sweeps = histories.filter((history) => history.file.startsWith('inactivity-sweep.'));
    const old = sweeps.find((history) => history.file === BEFORE_THE_PATCH);
    // Recorded before the patch, over two pages: the continue-as-new point lies between them.
    const pages = old?.history.events?.filter(
      (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'sweepInactivityPage',
    );
    expect(pages?.length).toBeGreaterThanOrEqual(2);

    const suggest = { request: /^@temporalio\/workflow$/, importer: fromWorkflows('inactivity-sweep\\.ts') };
    const [patchedSweep, unpatchedSweep] = await Promise.all([
      bundleWithSwaps([{ ...suggest, fixture: fixture('temporal-suggests-continue-as-new.ts') }]),
      bundleWithSwaps([{ ...suggest, fixture: fixture('continue-as-new-without-patch.ts') }]),
    ]);
    // Temporal suggests continuing as new after every page; the patch keeps the old history on its path.
    expect(errorKinds(await replay(patchedSweep, sweeps))).toEqual(Object.fromEntries(sweeps.map((history) => [history.file, 'replays'])));
    // Without the patch, the old history meets a continue-as-new where it had its second page.
    expect(errorKinds(await replay(unpatchedSweep, [old as RecordedHistory]))).toEqual({ [BEFORE_THE_PATCH]: 'nondeterminism' });
  });
});
