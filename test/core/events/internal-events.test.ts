// Internal events through the public door: `account.contacted` is accepted (it reports what people did
// outside Aftercare); the ones only the engine may record are refused with the reason, on `type`.
import { describe, expect, it } from 'vitest';
import { acceptedEventTypes, engineOnlyEventTypes, validateEvent } from '../../../core/events/event-schemas.ts';
import { internalEventTypes } from '../../../core/journey/definition.ts';

const now = new Date('2026-11-23T12:00:00Z');
const contacted = (properties: unknown) => ({
  id: 'contacted-1',
  type: 'account.contacted',
  customerId: 'cust-1',
  occurredAt: '2026-11-23T10:00:00+01:00',
  properties,
});

describe('account.contacted', () => {
  it('is accepted with no properties at all, or with who, how and a note', () => {
    expect(validateEvent(contacted({}), now)).toMatchObject({ ok: true, event: { type: 'account.contacted', properties: {} } });
    const { properties: _omitted, ...bare } = contacted({});
    expect(validateEvent(bare, now)).toMatchObject({ ok: true, event: { properties: {} } });
    const full = validateEvent(contacted({ by: 'ada@northwind.example', channel: 'call', note: 'Agreed on a replacement.' }), now);
    expect(full).toMatchObject({
      ok: true,
      event: { properties: { by: 'ada@northwind.example', channel: 'call', note: 'Agreed on a replacement.' } },
    });
  });

  it('accepts every channel', () => {
    for (const channel of ['call', 'email', 'meeting', 'chat', 'other']) expect(validateEvent(contacted({ channel }), now).ok).toBe(true);
  });

  it.each([
    ['an unknown channel', { channel: 'carrier pigeon' }, 'properties.channel', 'must be one of call, email, meeting, chat, other'],
    ['a channel that is not a string', { channel: 3 }, 'properties.channel', 'must be one of call, email, meeting, chat, other'],
    ['an empty by', { by: '' }, 'properties.by', 'must not be empty'],
    ['a by that is not a string', { by: { id: 7 } }, 'properties.by', undefined],
    ['a by of 201 characters', { by: 'x'.repeat(201) }, 'properties.by', 'must be at most 200 characters'],
    ['a note of 2001 characters', { note: 'x'.repeat(2001) }, 'properties.note', 'must be at most 2000 characters'],
    ['a note that is not a string', { note: 42 }, 'properties.note', 'must be a string'],
    ['properties that are a list', ['call'], 'properties', undefined],
  ])('refuses %s, naming the field', (_name, properties, field, message) => {
    const result = validateEvent(contacted(properties), now);
    expect(result).toMatchObject({ ok: false, error: { field } });
    if (message && !result.ok) expect(result.error.message).toBe(message);
  });

  it('keeps a note of exactly 2000 characters', () => {
    expect(validateEvent(contacted({ note: 'x'.repeat(2000) }), now).ok).toBe(true);
  });

  it('still needs the envelope: an id, a customer and a date', () => {
    const { id: _id, ...noId } = contacted({});
    expect(validateEvent(noId, now)).toEqual({ ok: false, error: { field: 'id', message: 'is required' } });
    expect(validateEvent({ ...contacted({}), occurredAt: '2026-12-01T00:00:00Z' }, now)).toMatchObject({
      ok: false,
      error: { field: 'occurredAt' },
    });
  });
});

describe('internal events only the engine records', () => {
  it.each(Object.keys(engineOnlyEventTypes))('refuses %s on the field type, saying why', (type) => {
    const result = validateEvent({ ...contacted({}), type, properties: { score: 5 } }, now);
    expect(result).toMatchObject({ ok: false, error: { field: 'type' } });
    if (result.ok) return;
    expect(result.error.message).toMatch(new RegExp(`^must not be ${type.replace('.', '\\.')}: Aftercare`));
  });

  it('refuses them whatever else is wrong with the event', () => {
    expect(validateEvent({ type: 'customer.unsubscribed' }, now)).toMatchObject({ ok: false, error: { field: 'type' } });
  });

  it('still names the accepted types for an unknown one', () => {
    const result = validateEvent({ ...contacted({}), type: 'account.called' }, now);
    expect(result).toMatchObject({ ok: false, error: { field: 'type' } });
    if (!result.ok) expect(result.error.message).toContain('account.contacted');
  });

  it('covers every internal event journeys can wait for: each one is either accepted or refused with a reason', () => {
    for (const type of internalEventTypes) {
      const accepted = (acceptedEventTypes as string[]).includes(type);
      const refused = Object.hasOwn(engineOnlyEventTypes, type);
      expect(accepted !== refused, type).toBe(true);
    }
  });
});
