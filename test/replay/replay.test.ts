// Running workflows must survive a deploy: every recorded history (test/replay/histories/, recorded by
// `npm run record:histories`) replays against the workflow bundle of this tree without nondeterminism.
// A failure here means a change of workflow code would break enrollments that are waiting right now:
// put the change behind `patched(...)` (docs/architecture.md, "Versioning workflows").
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from '../support/temporal.ts';
import { recordedHistories, replay } from './replay-support.ts';

const histories = recordedHistories();
const files = histories.map((history) => history.file);
const shippedJourneys = readdirSync(fileURLToPath(new URL('../../journeys/', import.meta.url)))
  .filter((file) => file.endsWith('.yaml'))
  .map((file) => file.replace(/\.yaml$/, ''));

describe('recorded workflow histories', () => {
  it('cover every shipped journey, after continue-as-new too, the churn scoring run and the inactivity sweep', () => {
    for (const key of shippedJourneys) {
      expect(
        files.filter((file) => file.startsWith(`${key}.`) && !file.includes('.continued-as-new.')),
        key,
      ).not.toEqual([]);
      expect(
        files.filter((file) => file.startsWith(`${key}.`) && file.includes('.continued-as-new.next-run')),
        key,
      ).not.toEqual([]);
    }
    for (const point of [
      '.paused-before-send.',
      '.customer-paused-before-send.',
      '.survey-answered-',
      '.cap-deferred.',
      'churn-scoring.',
      'inactivity-sweep.',
      'alert-delivery.',
    ]) {
      expect(
        files.some((file) => file.includes(point)),
        point,
      ).toBe(true);
    }
  });

  it('all replay against the current workflow code', async () => {
    const results = await replay(workflowBundle(), histories);
    expect([...results.keys()].sort()).toEqual(files);
    const failed = [...results].filter(([, error]) => error).map(([file, error]) => `${file}: ${error?.message}`);
    expect(failed).toEqual([]);
  });
});
