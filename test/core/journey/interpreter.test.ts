import { describe, expect, it } from 'vitest';
import { type JourneyDefinition, validateJourneyDefinition } from '../../../core/journey/definition.ts';
import { addDuration, decide, initialState } from '../../../core/journey/interpreter.ts';

function definition(raw: unknown): JourneyDefinition {
  const result = validateJourneyDefinition(raw);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.definition;
}

const checkin = definition({
  key: 'checkin',
  name: 'Check-in',
  trigger: { event: 'order.placed' },
  entity: 'order',
  steps: [
    { id: 'wait', wait: { duration: 'P3D' } },
    { id: 'email', send: { template: 'checkin' } },
  ],
  exitEvents: ['order.refunded'],
});

const start = Date.parse('2026-03-26T09:00:00Z');

describe('the journey interpreter', () => {
  it('waits, then sends, then completes', () => {
    let state = initialState('Europe/Paris');
    const started = decide(checkin, state, { kind: 'started', at: start });
    expect(started.commands).toEqual([{ kind: 'sleep_until', stepId: 'wait', until: expect.any(Number) }]);
    state = started.state;
    const fired = decide(checkin, state, { kind: 'timer_fired', at: start + 3 * 86_400_000 });
    expect(fired.commands).toEqual([{ kind: 'send', stepId: 'email', template: 'checkin' }]);
    const sent = decide(checkin, fired.state, { kind: 'sent', at: start + 3 * 86_400_000, stepId: 'email', outcome: 'sent' });
    expect(sent.commands).toEqual([{ kind: 'complete', outcome: 'completed', reason: 'all steps done' }]);
    expect(sent.state.status).toBe('done');
  });

  it('counts a wait of days in calendar days of the customer, across a DST change', () => {
    // Paris moves its clocks forward on 29 March 2026: three days after 10:00 is still 10:00 local.
    const until = addDuration(start, 'P3D', 'Europe/Paris');
    expect(new Date(until).toISOString()).toBe('2026-03-29T08:00:00.000Z');
    expect(until - start).toBe(3 * 86_400_000 - 3_600_000);
  });

  it('ends at once on an exit event, even mid-wait', () => {
    const started = decide(checkin, initialState('UTC'), { kind: 'started', at: start });
    const exited = decide(checkin, started.state, {
      kind: 'event',
      at: start + 1000,
      event: { id: 'e', type: 'order.refunded', occurredAt: start, properties: {} },
    });
    expect(exited.commands).toEqual([{ kind: 'complete', outcome: 'exited', reason: 'exit event order.refunded' }]);
  });

  it('ignores an event that is neither an exit nor a goal', () => {
    const started = decide(checkin, initialState('UTC'), { kind: 'started', at: start });
    const same = decide(checkin, started.state, {
      kind: 'event',
      at: start + 1000,
      event: { id: 'e', type: 'order.delivered', occurredAt: start, properties: {} },
    });
    expect(same.commands).toEqual([]);
    expect(same.state).toEqual(started.state);
  });

  it('is deterministic: the same inputs give the same decisions', () => {
    const a = decide(checkin, initialState('Asia/Tokyo'), { kind: 'started', at: start });
    const b = decide(checkin, initialState('Asia/Tokyo'), { kind: 'started', at: start });
    expect(a).toEqual(b);
  });
});

describe('journey definitions', () => {
  it('point at the path of an unknown field', () => {
    const result = validateJourneyDefinition({ ...checkin, steps: [{ id: 'w', wait: { duraton: 'P1D' } }] });
    expect(result).toEqual({ ok: false, errors: [expect.objectContaining({ path: 'steps[0]' })] });
  });

  it('refuse a duration that is not ISO-8601', () => {
    const result = validateJourneyDefinition({ ...checkin, steps: [{ id: 'w', wait: { duration: '3 days' } }] });
    expect(result.ok).toBe(false);
  });

  it('refuse two steps with the same id', () => {
    const result = validateJourneyDefinition({ ...checkin, steps: [checkin.steps[0], checkin.steps[0]] });
    expect(result).toEqual({ ok: false, errors: [{ path: 'steps[1].id', message: "repeats 'wait'" }] });
  });
});
