// Who may do what, as one pure table: a request acts for an API key (with scopes) or a staff user
// (with a role), or a key made for a user (both bound it). The routes name the action they perform;
// nothing else decides access.

export const scopes = ['ingest', 'read', 'write', 'admin'] as const;
export type Scope = (typeof scopes)[number];
export const staffRoles = ['admin', 'marketer', 'success_manager'] as const;
export type StaffRole = (typeof staffRoles)[number];

/** The one acting: a signed-in user, an API key, or a key that acts as its user. */
export type Actor = {
  kind: 'user' | 'key';
  userId: string | null;
  keyId: string | null;
  /** The user's role; null for a key made for no user (a machine integration). */
  role: StaffRole | null;
  /** A signed-in user has every scope its role allows. */
  scopes: readonly Scope[];
};

export const actions = {
  'events.ingest': { scope: 'ingest', roles: ['admin', 'marketer', 'success_manager'] },
  'customers.read': { scope: 'read', roles: ['admin', 'marketer', 'success_manager'] },
  'customers.act': { scope: 'write', roles: ['admin', 'success_manager'] },
  'customers.assign': { scope: 'write', roles: ['admin', 'success_manager'] },
  'alerts.read': { scope: 'read', roles: ['admin', 'marketer', 'success_manager'] },
  'alerts.act': { scope: 'write', roles: ['admin', 'success_manager'] },
  'journeys.read': { scope: 'read', roles: ['admin', 'marketer', 'success_manager'] },
  'journeys.simulate': { scope: 'read', roles: ['admin', 'marketer', 'success_manager'] },
  'journeys.publish': { scope: 'write', roles: ['admin', 'marketer'] },
  'journeys.control': { scope: 'write', roles: ['admin', 'marketer'] },
  'policies.read': { scope: 'read', roles: ['admin', 'marketer', 'success_manager'] },
  'policies.write': { scope: 'write', roles: ['admin', 'marketer'] },
  'templates.read': { scope: 'read', roles: ['admin', 'marketer', 'success_manager'] },
  'templates.write': { scope: 'write', roles: ['admin', 'marketer'] },
  'surveys.read': { scope: 'read', roles: ['admin', 'marketer', 'success_manager'] },
  'outbox.read': { scope: 'read', roles: ['admin', 'marketer', 'success_manager'] },
  'churn.read': { scope: 'read', roles: ['admin', 'marketer', 'success_manager'] },
  'reviews.read': { scope: 'read', roles: ['admin', 'marketer', 'success_manager'] },
  'churn.recompute': { scope: 'write', roles: ['admin', 'marketer', 'success_manager'] },
  'staff.read': { scope: 'read', roles: ['admin', 'marketer', 'success_manager'] },
  'staff.manage': { scope: 'admin', roles: ['admin'] },
} as const satisfies Record<string, { scope: Scope; roles: readonly StaffRole[] }>;
export type Action = keyof typeof actions;

/** Why the actor may not do `action`, or null when it may. */
export function refusal(actor: Actor, action: Action): string | null {
  const rule = actions[action];
  // `write` implies `read`; `admin` implies every scope; `ingest` is events only.
  const held = new Set<Scope>(actor.scopes);
  if (held.has('admin')) held.add('write').add('ingest');
  if (held.has('write')) held.add('read');
  if (!held.has(rule.scope)) return `needs the ${rule.scope} scope`;
  if (actor.role !== null && !(rule.roles as readonly StaffRole[]).includes(actor.role)) {
    return `belongs to a ${actor.role.replace('_', ' ')}, who may not do this`;
  }
  return null;
}

/** The scopes a role's signed-in user holds. */
export const scopesOfRole = (role: StaffRole): Scope[] =>
  role === 'admin' ? ['ingest', 'read', 'write', 'admin'] : ['ingest', 'read', 'write'];
