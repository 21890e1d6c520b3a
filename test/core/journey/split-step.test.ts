import { describe, expect, it } from 'vitest';
import { allRawSteps, allSteps, journeyJsonSchema, validateJourneyDefinition } from '../../../core/journey/definition.ts';
import { flatSteps } from '../../../core/journey/flat-steps.ts';
import { decide, initialState } from '../../../core/journey/interpreter.ts';
import { customerFromProfile, runSimulation, simulationCustomerSchema } from '../../../core/journey/simulation-scenarios.ts';
import { simulate } from '../../../core/journey/simulator.ts';
import { definition } from '../../support/journeys.ts';

const start = Date.parse('2026-06-03T12:00:00Z'); // a Wednesday, midday in UTC
const customer = { timezone: 'UTC', consent: { marketing: true } };

const subjectTest = definition({
  category: 'transactional',
  policies: { quietHours: false },
  steps: [
    { id: 'settle', wait: { duration: 'P1D' } },
    {
      id: 'subject-test',
      split: {
        variants: [
          { key: 'a', weight: 50, steps: [{ id: 'email-a', send: { template: 'winback' } }] },
          {
            key: 'b',
            weight: 50,
            steps: [
              { id: 'wait-b', wait: { duration: 'P1D' } },
              { id: 'email-b', send: { template: 'winback' } },
            ],
          },
        ],
      },
    },
    { id: 'after', set: { tag: 'tested' } },
  ],
});

const run = (assignmentKey: string | undefined, extra: { group?: 'control'; pinnedVariants?: Record<string, string> } = {}) =>
  simulate({
    definition: subjectTest,
    customer,
    start,
    days: 10,
    ...(assignmentKey !== undefined ? { assignmentKey } : {}),
    ...extra,
  });
const variantOf = (result: ReturnType<typeof run>) => result.timeline.find((entry) => entry.kind === 'split')?.detail?.variant;

describe('an A/B split step', () => {
  it("takes each customer into one variant, logs it, and goes on to the step after the split at that variant's end", () => {
    const byVariant = new Map<unknown, string[]>();
    for (let i = 0; i < 40 && byVariant.size < 2; i++) {
      const result = run(`customer-${i}`);
      byVariant.set(
        variantOf(result),
        result.timeline.map((entry) => `${entry.stepId}:${entry.status}`),
      );
    }
    expect(byVariant.get('a')).toEqual([
      '(start):treatment',
      'settle:waiting',
      'settle:done',
      'subject-test:assigned',
      'email-a:sent',
      'after:done',
      '(end):completed',
    ]);
    expect(byVariant.get('b')).toEqual([
      '(start):treatment',
      'settle:waiting',
      'settle:done',
      'subject-test:assigned',
      'wait-b:waiting',
      'wait-b:done',
      'email-b:sent',
      'after:done',
      '(end):completed',
    ]);
  });

  it('logs the assignment as a split entry naming the variant', () => {
    const entry = run('customer-1').timeline.find((line) => line.stepId === 'subject-test');
    expect(entry).toMatchObject({ kind: 'split', status: 'assigned', detail: { variant: expect.stringMatching(/^[ab]$/) } });
  });

  it('takes the same customer into the same variant every time', () => {
    for (let i = 0; i < 50; i++) expect(variantOf(run(`customer-${i}`))).toBe(variantOf(run(`customer-${i}`)));
  });

  it('over 10,000 customers gives each variant its weight share, within 3 standard errors', () => {
    const weighted = definition({
      steps: [
        {
          id: 'offer',
          split: {
            variants: [
              { key: 'ten', weight: 60, steps: [{ id: 'ten-off', set: { tag: 'ten' } }] },
              { key: 'twenty', weight: 30, steps: [{ id: 'twenty-off', set: { tag: 'twenty' } }] },
              { key: 'none', weight: 10, steps: [{ id: 'no-offer', set: { tag: 'none' } }] },
            ],
          },
        },
      ],
    });
    const n = 10_000;
    const counts = new Map<unknown, number>();
    for (let i = 0; i < n; i++) {
      const result = simulate({ definition: weighted, customer, start, days: 1, assignmentKey: `row-${i}` });
      const variant = result.timeline.find((entry) => entry.kind === 'split')?.detail?.variant;
      counts.set(variant, (counts.get(variant) ?? 0) + 1);
    }
    for (const [key, weight] of [
      ['ten', 0.6],
      ['twenty', 0.3],
      ['none', 0.1],
    ] as const) {
      const standardError = Math.sqrt((weight * (1 - weight)) / n);
      expect(Math.abs((counts.get(key) ?? 0) / n - weight)).toBeLessThan(3 * standardError);
    }
  });

  it('takes holdout (control) enrollments through the split too, sending nothing', () => {
    const result = run('customer-3', { group: 'control' });
    expect(variantOf(result)).toBe(variantOf(run('customer-3')));
    expect(result.sent).toEqual([]);
    expect(result.timeline.filter((entry) => entry.kind === 'send').every((entry) => entry.detail?.reason === 'holdout')).toBe(true);
  });

  it('takes the first variant when the enrollment has no assignment key (started before splits existed)', () => {
    expect(variantOf(run(undefined))).toBe('a');
  });

  it('takes a pinned variant whatever the assignment says', () => {
    for (let i = 0; i < 10; i++) expect(variantOf(run(`customer-${i}`, { pinnedVariants: { 'subject-test': 'b' } }))).toBe('b');
  });

  it("simulates a described customer on each split's first variant, or on the variants the scenario pins", () => {
    const simulateProfile = (given: unknown) => {
      const customer = customerFromProfile(simulationCustomerSchema.parse(given));
      return runSimulation({ definition: subjectTest, customer, start, days: 5 });
    };
    expect(variantOf(simulateProfile({ timezone: 'UTC' }))).toBe('a');
    expect(variantOf(simulateProfile({ timezone: 'UTC', variants: { 'subject-test': 'b' } }))).toBe('b');
  });

  it('lets a branch go to a step inside a variant, and "next" at the end of a variant leaves the split', () => {
    const jumping = definition({
      steps: [
        { id: 'jump-in', branch: { cases: [{ when: { tag: 'x' }, goto: 'inside-b' }], otherwise: 'next' } },
        {
          id: 'split',
          split: {
            variants: [
              { key: 'a', weight: 1, steps: [{ id: 'inside-a', set: { tag: 'a' } }] },
              { key: 'b', weight: 1, steps: [{ id: 'inside-b', set: { tag: 'b' } }] },
            ],
          },
        },
        { id: 'last', set: { tag: 'last' } },
      ],
    });
    const result = simulate({ definition: jumping, customer: { ...customer, tags: ['x'] }, start, days: 1 });
    expect(result.timeline.map((entry) => entry.stepId)).toEqual(['(start)', 'jump-in', 'inside-b', 'last', '(end)']);
  });

  it('keeps the cursor of a definition without splits: its flat list is its steps', () => {
    const plain = definition({
      steps: [
        { id: 'a', wait: { duration: 'P1D' } },
        { id: 'b', send: { template: 'winback' } },
      ],
    });
    expect(flatSteps(plain)).toEqual(plain.steps);
    const state = initialState({ timezone: 'UTC', enteredAt: start, assignmentKey: 'row-1' });
    expect(decide(plain, state, { kind: 'started', at: start }).state.cursor).toBe(0);
  });
});

describe('a split in a definition', () => {
  const valid = {
    key: 'ab',
    name: 'AB',
    trigger: { event: 'order.placed' },
    steps: [
      { id: 'first', wait: { duration: 'P1D' } },
      { id: 'second', wait: { duration: 'P1D' } },
      {
        id: 'subject-test',
        split: {
          variants: [
            { key: 'a', weight: 50, steps: [{ id: 'email-a', send: { template: 'winback' } }] },
            { key: 'b', weight: 50, steps: [{ id: 'email-b', send: { template: 'winback' } }] },
          ],
        },
      },
    ],
  };
  const withSplit = (split: unknown, extraSteps: unknown[] = []) => ({
    ...valid,
    steps: [...valid.steps.slice(0, 2), { id: 'subject-test', split }, ...extraSteps],
  });
  const variant = (key: string, weight: number, steps: unknown[]) => ({ key, weight, steps });
  const email = (id: string) => ({ id, send: { template: 'winback' } });

  it('is accepted, and every step is listed with its path', () => {
    const result = validateJourneyDefinition(valid);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(allSteps(result.definition).map(({ step, path }) => `${path}=${step.id}`)).toEqual([
      'steps[0]=first',
      'steps[1]=second',
      'steps[2]=subject-test',
      'steps[2].split.variants[0].steps[0]=email-a',
      'steps[2].split.variants[1].steps[0]=email-b',
    ]);
    expect(allRawSteps(valid).map(({ path }) => path)).toEqual(allSteps(result.definition).map(({ path }) => path));
  });

  const invalid: [string, unknown, string, RegExp][] = [
    [
      'a nested step id that repeats another step',
      withSplit({ variants: [variant('a', 1, [email('first')]), variant('b', 1, [email('email-b')])] }),
      'steps[2].split.variants[0].steps[0].id',
      /repeats 'first'/,
    ],
    [
      'a split of one variant',
      withSplit({ variants: [variant('a', 1, [email('email-a')])] }),
      'steps[2].split.variants',
      /at least 2 variants/,
    ],
    [
      'a variant of weight 0',
      withSplit({ variants: [variant('a', 1, [email('email-a')]), variant('b', 0, [email('email-b')])] }),
      'steps[2].split.variants[1].weight',
      /positive number/,
    ],
    [
      'a branch inside a variant that goes to an unknown step',
      withSplit({
        variants: [
          variant('a', 1, [{ id: 'choose', branch: { cases: [{ when: { tag: 'vip' }, goto: 'nowhere' }] } }]),
          variant('b', 1, [email('email-b')]),
        ],
      }),
      'steps[2].split.variants[0].steps[0].branch.cases[0].goto',
      /'nowhere', which is not a step/,
    ],
    [
      'two variants with the same key',
      withSplit({ variants: [variant('a', 1, [email('email-a')]), variant('a', 1, [email('email-b')])] }),
      'steps[2].split.variants[1].key',
      /repeats 'a'/,
    ],
    [
      'a split inside a variant',
      withSplit({
        variants: [
          variant('a', 1, [{ id: 'inner', split: { variants: [variant('x', 1, [email('x1')]), variant('y', 1, [email('y1')])] } }]),
          variant('b', 1, [email('email-b')]),
        ],
      }),
      'steps[2].split.variants[0].steps[0].split',
      /may not split again/,
    ],
    [
      'a misspelt field in a variant step',
      withSplit({ variants: [variant('a', 1, [{ id: 'w', wait: { duraton: 'P1D' } }]), variant('b', 1, [email('email-b')])] }),
      'steps[2].split.variants[0].steps[0].wait.duraton',
      /unknown field/,
    ],
  ];
  it.each(invalid)('is refused for %s, naming the path', (_name, raw, path, message) => {
    const result = validateJourneyDefinition(raw);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it('is described by the published JSON Schema, which refuses a split inside a variant', () => {
    const text = JSON.stringify(journeyJsonSchema());
    expect(text).toContain('"variants"');
    expect(text).toContain('"weight"');
    expect(text).toContain('"not":{}');
  });
});
