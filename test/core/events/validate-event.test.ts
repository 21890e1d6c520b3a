import { describe, expect, it } from 'vitest';
import { validateEvent } from '../../../core/events/event-schemas.ts';

const now = new Date('2026-11-23T12:00:00Z');
const order = {
  id: 'evt-1',
  type: 'order.placed',
  customerId: 'cust-1',
  occurredAt: '2026-11-23T10:00:00+01:00',
  properties: { orderId: 'o-1', total: 42, currency: 'EUR', items: [{ name: 'Mug' }] },
};

describe('validating one event', () => {
  it('accepts a well-formed order and reads its date with its offset', () => {
    const result = validateEvent(order, now);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.event.occurredAt.toISOString()).toBe('2026-11-23T09:00:00.000Z');
    expect(result.event.properties).toMatchObject({ items: [{ name: 'Mug', quantity: 1 }] });
  });

  it('names a missing field as required', () => {
    const { total: _total, ...properties } = order.properties;
    expect(validateEvent({ ...order, properties }, now)).toEqual({
      ok: false,
      error: { field: 'properties.total', message: 'is required' },
    });
  });

  it('names the exact path inside a list', () => {
    const result = validateEvent({ ...order, properties: { ...order.properties, items: [{ name: 'Mug' }, { name: '' }] } }, now);
    expect(result).toEqual({ ok: false, error: { field: 'properties.items[1].name', message: 'must not be empty' } });
  });

  it('refuses a misspelt envelope field instead of ignoring it', () => {
    expect(validateEvent({ ...order, occured_at: 'x' }, now)).toMatchObject({ ok: false, error: { field: 'occured_at' } });
  });

  it('refuses 30 February, which JavaScript would quietly roll over to March', () => {
    expect(validateEvent({ ...order, occurredAt: '2026-02-30T10:00:00Z' }, now)).toMatchObject({
      ok: false,
      error: { field: 'occurredAt' },
    });
  });

  it('accepts an event up to a day ahead (clock skew) but not beyond', () => {
    expect(validateEvent({ ...order, occurredAt: '2026-11-24T11:00:00Z' }, now).ok).toBe(true);
    expect(validateEvent({ ...order, occurredAt: '2026-11-24T13:00:00Z' }, now)).toMatchObject({
      ok: false,
      error: { field: 'occurredAt' },
    });
  });

  it('accepts IANA zones and BCP-47 locales, and refuses look-alikes', () => {
    const upsert = (properties: Record<string, unknown>) =>
      validateEvent({ ...order, type: 'customer.upserted', properties: { email: 'a@b.co', ...properties } }, now);
    expect(upsert({ timezone: 'America/Argentina/Buenos_Aires', locale: 'fr-CA' }).ok).toBe(true);
    expect(upsert({ timezone: 'CEST' })).toMatchObject({ ok: false, error: { field: 'properties.timezone' } });
    expect(upsert({ locale: 'french' }).ok).toBe(true); // a valid (if unusual) language subtag
    expect(upsert({ locale: 'fr_CA!' })).toMatchObject({ ok: false, error: { field: 'properties.locale' } });
  });
});
