// Staff: users with a role, their passwords (argon2id, @node-rs/argon2), their browser sessions, and
// API keys (only the SHA-256 of a key or of a session token is stored). Shared by the CLI (`aftercare
// users`, `aftercare keys`) and the HTTP edge (sign-in, who is acting). Every change is audited.
import { createHash, randomBytes } from 'node:crypto';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import { type Actor, scopes as knownScopes, type Scope, type StaffRole, scopesOfRole, staffRoles } from '../core/access/permissions.ts';
import type { Database } from '../runtime/database.ts';
import { recordAudit } from './audit.ts';

/** Input a person got wrong: the CLI prints it as one sentence (exit 2), the API as 4xx. */
export class StaffInputError extends Error {
  override name = 'UsageError';
}

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;
/** A session lasts 12 hours from sign-in, whatever happens in between. */
export const SESSION_HOURS = 12;

export type StaffUserView = {
  id: string;
  email: string;
  name: string;
  role: StaffRole;
  disabledAt: Date | null;
  lastSignInAt: Date | null;
  createdAt: Date;
};

const userView = (user: StaffUserView): StaffUserView => ({
  id: user.id,
  email: user.email,
  name: user.name,
  role: user.role,
  disabledAt: user.disabledAt,
  lastSignInAt: user.lastSignInAt,
  createdAt: user.createdAt,
});

// ---- passwords -------------------------------------------------------------------------------------

/** argon2id with the library's defaults (OWASP's 19 MiB, 2 passes): about 30 ms a hash. */
export const hashPassword = (password: string): Promise<string> => argon2Hash(password);

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2Verify(hash, password);
  } catch {
    return false; // a hash that is not one (edited by hand) lets nobody in
  }
}

/** 20 characters of base64url: 120 random bits, easy to paste. */
export const generatePassword = (): string => randomBytes(15).toString('base64url');

export function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw new StaffInputError(`The password is too short: it needs at least ${MIN_PASSWORD_LENGTH} characters.`);
  if (password.length > MAX_PASSWORD_LENGTH)
    throw new StaffInputError(`The password is too long: at most ${MAX_PASSWORD_LENGTH} characters.`);
}

/** Compared against when the email is unknown, so that both refusals take the same time. */
let decoyHash: Promise<string> | null = null;
const decoy = () => {
  decoyHash ??= hashPassword(generatePassword());
  return decoyHash;
};

// ---- users -----------------------------------------------------------------------------------------

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function checkEmail(email: string): string {
  const normalized = normalizeEmail(email);
  if (!EMAIL.test(normalized) || normalized.length > 254) throw new StaffInputError(`'${email}' is not an email address.`);
  return normalized;
}

export function checkRole(role: string): StaffRole {
  if (!(staffRoles as readonly string[]).includes(role))
    throw new StaffInputError(`'${role}' is not a role: use ${staffRoles.slice(0, -1).join(', ')} or ${staffRoles.at(-1)}.`);
  return role as StaffRole;
}

export type AddStaffUser = { email: string; name: string; role: string; password?: string | undefined };

/** Adds a user; without a password one is generated and returned (shown once, never stored). */
export async function addStaffUser(
  db: Database,
  actor: Actor | null,
  input: AddStaffUser,
): Promise<{ user: StaffUserView; password: string; generated: boolean }> {
  const email = checkEmail(input.email);
  const name = input.name.trim();
  if (!name) throw new StaffInputError('The name is empty: give one with --name.');
  if (name.length > 200) throw new StaffInputError('The name is too long: at most 200 characters.');
  const role = checkRole(input.role);
  const generated = input.password === undefined;
  const password = input.password ?? generatePassword();
  checkPassword(password);
  const passwordHash = await hashPassword(password);
  try {
    const user = await db.$transaction(async (tx) => {
      const created = await tx.staffUser.create({ data: { email, name, role, passwordHash } });
      await recordAudit(tx, actor, {
        action: 'staff.added',
        subjectType: 'staff_user',
        subjectId: created.id,
        detail: { email, role },
      });
      return created;
    });
    return { user: userView(user), password, generated };
  } catch (error) {
    if ((error as { code?: unknown }).code === 'P2002') throw new StaffInputError(`A staff user with the email ${email} exists already.`);
    throw error;
  }
}

export async function listStaffUsers(db: Database): Promise<StaffUserView[]> {
  const users = await db.staffUser.findMany({ orderBy: [{ disabledAt: { sort: 'asc', nulls: 'first' } }, { email: 'asc' }] });
  return users.map(userView);
}

/**
 * Disables a user: they cannot sign in, their sessions are ended now, and their API keys are refused
 * (within the 30 s the key check remembers a key). Disabling a disabled user changes nothing.
 */
export async function disableStaffUser(
  db: Database,
  actor: Actor | null,
  emailInput: string,
  now = new Date(),
): Promise<{ user: StaffUserView; alreadyDisabled: boolean; sessionsEnded: number; keys: number }> {
  const email = checkEmail(emailInput);
  return db.$transaction(async (tx) => {
    const user = await tx.staffUser.findUnique({ where: { email } });
    if (!user) throw new StaffInputError(`No staff user has the email ${email}.`);
    const keys = await tx.apiKey.count({ where: { userId: user.id, revokedAt: null } });
    if (user.disabledAt) return { user: userView(user), alreadyDisabled: true, sessionsEnded: 0, keys };
    const disabled = await tx.staffUser.update({ where: { id: user.id }, data: { disabledAt: now } });
    const ended = await tx.staffSession.updateMany({ where: { userId: user.id, revokedAt: null }, data: { revokedAt: now } });
    await recordAudit(tx, actor, {
      action: 'staff.disabled',
      subjectType: 'staff_user',
      subjectId: user.id,
      detail: { email, sessionsEnded: ended.count, keys },
    });
    return { user: userView(disabled), alreadyDisabled: false, sessionsEnded: ended.count, keys };
  });
}

// ---- sign-in and sessions ----------------------------------------------------------------------------

/**
 * The user whose email and password these are, or null: an unknown email, a wrong password, a user
 * without a password and a disabled user are all the same null (and take about the same time).
 */
export async function checkCredentials(db: Database, emailInput: string, password: string): Promise<StaffUserView | null> {
  const email = normalizeEmail(emailInput);
  const user = password.length <= MAX_PASSWORD_LENGTH ? await db.staffUser.findUnique({ where: { email } }) : null;
  const matches = await verifyPassword(user?.passwordHash ?? (await decoy()), password.slice(0, MAX_PASSWORD_LENGTH));
  if (!user?.passwordHash || !matches || user.disabledAt) return null;
  return userView(user);
}

export const sessionIdOf = (token: string) => createHash('sha256').update(token).digest('hex');

/** Starts a session: the token goes to the browser (in a signed cookie), its SHA-256 is the row's id. */
export async function startSession(
  db: Database,
  user: StaffUserView,
  now = new Date(),
): Promise<{ token: string; sessionId: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const sessionId = sessionIdOf(token);
  const expiresAt = new Date(now.getTime() + SESSION_HOURS * 3600_000);
  await db.$transaction([
    db.staffSession.create({ data: { id: sessionId, userId: user.id, createdAt: now, lastSeenAt: now, expiresAt } }),
    db.staffUser.update({ where: { id: user.id }, data: { lastSignInAt: now } }),
  ]);
  return { token, sessionId, expiresAt };
}

export type SessionActor = { actor: Actor; user: StaffUserView; sessionId: string; expiresAt: Date };

/** Who a session token signs in, or null: unknown, ended, expired, or its user disabled. */
export async function sessionActor(db: Database, token: string, now = new Date()): Promise<SessionActor | null> {
  const sessionId = sessionIdOf(token);
  const session = await db.staffSession.findUnique({ where: { id: sessionId }, include: { user: true } });
  if (!session || session.revokedAt || session.expiresAt <= now || session.user.disabledAt) return null;
  // Last seen, to the minute: one write a minute per browser at most.
  if (now.getTime() - session.lastSeenAt.getTime() > 60_000) {
    await db.staffSession.update({ where: { id: sessionId }, data: { lastSeenAt: now } });
  }
  const user = userView(session.user);
  return {
    actor: { kind: 'user', userId: user.id, keyId: null, role: user.role, scopes: scopesOfRole(user.role) },
    user,
    sessionId,
    expiresAt: session.expiresAt,
  };
}

/** Signs out: the session stops working at once. */
export async function endSession(db: Database, sessionId: string, now = new Date()): Promise<void> {
  await db.staffSession.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: now } });
}

// ---- API keys ----------------------------------------------------------------------------------------

export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');

export function generateApiKey(): string {
  return `ak_${randomBytes(24).toString('base64url')}`;
}

/** `--scope read --scope write` or `read,write`: the distinct scopes, in the table's order. */
export function parseScopes(values: readonly string[]): Scope[] {
  const named = values
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean);
  if (named.length === 0)
    throw new StaffInputError(`Give the key's scopes with --scope (${knownScopes.slice(0, -1).join(', ')} or ${knownScopes.at(-1)}).`);
  const unknown = named.find((scope) => !(knownScopes as readonly string[]).includes(scope));
  if (unknown)
    throw new StaffInputError(`'${unknown}' is not a scope: use ${knownScopes.slice(0, -1).join(', ')} or ${knownScopes.at(-1)}.`);
  return knownScopes.filter((scope) => named.includes(scope));
}

export type CreateApiKey = { scopes: readonly string[]; userEmail?: string | undefined; name?: string | undefined };

/** Makes a key (returned once; only its hash is kept). A key made for a user acts as that user. */
export async function createApiKey(
  db: Database,
  actor: Actor | null,
  input: CreateApiKey,
): Promise<{ key: string; id: string; name: string; scopes: Scope[]; user: StaffUserView | null }> {
  const scopes = parseScopes(input.scopes);
  let user: StaffUserView | null = null;
  if (input.userEmail !== undefined) {
    const email = checkEmail(input.userEmail);
    const found = await db.staffUser.findUnique({ where: { email } });
    if (!found) throw new StaffInputError(`No staff user has the email ${email}.`);
    if (found.disabledAt) throw new StaffInputError(`${email} is disabled: a key for them would not work.`);
    user = userView(found);
    const beyond = scopes.find((scope) => !scopesOfRole(found.role).includes(scope));
    if (beyond) throw new StaffInputError(`A ${found.role.replace('_', ' ')} cannot hold the ${beyond} scope.`);
  }
  const name = (input.name ?? (user ? `for ${user.email}` : 'cli')).trim();
  if (!name || name.length > 200) throw new StaffInputError('The key name must be 1 to 200 characters.');
  const key = generateApiKey();
  const created = await db.$transaction(async (tx) => {
    const row = await tx.apiKey.create({
      data: { hash: hashApiKey(key), name, prefix: key.slice(0, 7), scopes, userId: user?.id ?? null },
    });
    await recordAudit(tx, actor, {
      action: 'api_key.created',
      subjectType: 'api_key',
      subjectId: row.id,
      detail: { name, scopes, prefix: row.prefix, ...(user ? { userId: user.id, email: user.email } : {}) },
    });
    return row;
  });
  return { key, id: created.id, name, scopes, user };
}
