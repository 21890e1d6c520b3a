// The access table: scopes imply one another (write -> read, admin -> everything), ingest is events
// only, and a role bounds a user and every key made for them.
import { describe, expect, it } from 'vitest';
import { type Actor, actions, refusal, type Scope, type StaffRole, scopesOfRole } from '../../../core/access/permissions.ts';

const key = (scopes: Scope[], role: StaffRole | null = null): Actor => ({
  kind: 'key',
  keyId: 'k',
  userId: role ? 'u' : null,
  role,
  scopes,
});
const user = (role: StaffRole): Actor => ({ kind: 'user', keyId: null, userId: 'u', role, scopes: scopesOfRole(role) });

describe('refusal', () => {
  it('an ingest key may send events and nothing else', () => {
    expect(refusal(key(['ingest']), 'events.ingest')).toBeNull();
    for (const action of Object.keys(actions).filter((name) => name !== 'events.ingest')) {
      expect(refusal(key(['ingest']), action as keyof typeof actions)).toMatch(/^needs the (read|write|admin) scope$/);
    }
  });

  it('write implies read but not ingest; admin implies every scope', () => {
    expect(refusal(key(['write']), 'customers.read')).toBeNull();
    expect(refusal(key(['write']), 'events.ingest')).toBe('needs the ingest scope');
    expect(refusal(key(['write']), 'staff.manage')).toBe('needs the admin scope');
    for (const action of Object.keys(actions)) expect(refusal(key(['admin']), action as keyof typeof actions)).toBeNull();
  });

  it('a success manager cannot publish journeys or change templates; a marketer cannot reassign accounts', () => {
    for (const action of ['journeys.publish', 'journeys.control', 'templates.write'] as const) {
      expect(refusal(user('success_manager'), action)).toBe('belongs to a success manager, who may not do this');
      expect(refusal(key(['admin'], 'success_manager'), action)).not.toBeNull();
      expect(refusal(user('marketer'), action)).toBeNull();
    }
    expect(refusal(user('marketer'), 'customers.assign')).toBe('belongs to a marketer, who may not do this');
    expect(refusal(user('success_manager'), 'customers.assign')).toBeNull();
  });

  it('only an admin manages staff; every role may send events and read', () => {
    expect(refusal(user('admin'), 'staff.manage')).toBeNull();
    expect(refusal(user('marketer'), 'staff.manage')).not.toBeNull();
    for (const role of ['admin', 'marketer', 'success_manager'] as const) {
      for (const action of ['events.ingest', 'customers.read', 'journeys.read', 'templates.read', 'churn.read'] as const) {
        expect(refusal(user(role), action)).toBeNull();
      }
    }
  });
});
