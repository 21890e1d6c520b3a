// `aftercare users add|list|disable` and `aftercare keys create` through the real CLI, against a
// database: passwords generated or read from stdin (only their argon2id hash stored), scoped keys
// printed once (only their hash stored), keys that act for a user, bad input refused with exit 2 and
// one sentence, and every change in the audit trail as the CLI's.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, buildApiServer } from '../../api/server.ts';
import { childEnv, cliPath, runCli } from '../support/cli.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

/** One line on stderr: `aftercare: <sentence>`. */
const ONE_SENTENCE = /^aftercare: [^\n]+[.)]\n$/;

/** The CLI with `input` on its standard input. */
function runWithStdin(args: string[], env: Record<string, string>, input: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { env: childEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

describe('aftercare users and keys', () => {
  let database: TestDatabase;
  let app: ApiServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    env = { DATABASE_URL: database.url };
    app = await buildApiServer({
      db: database.db,
      temporal: null,
      route: null,
      logger: pino({ level: 'silent' }),
      publicUrl: 'http://localhost',
    });
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  const signIn = (email: string, password: string) => app.inject({ method: 'POST', url: '/v1/session', payload: { email, password } });

  it('users add prints a generated password once; it signs in, and only its argon2id hash is stored', async () => {
    const result = await runCli(['users', 'add', '--email', 'Ada@Example.com', '--name', 'Ada Lovelace', '--role', 'admin'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Added admin ada@example\.com \(Ada Lovelace\)\.\nPassword \(shown once, keep it now\): \S{20}\n$/);
    const password = /: (\S+)\n$/.exec(result.stdout)?.[1] as string;
    const user = await database.db.staffUser.findUniqueOrThrow({ where: { email: 'ada@example.com' } });
    expect(user).toMatchObject({ name: 'Ada Lovelace', role: 'admin', disabledAt: null });
    expect(user.passwordHash).toMatch(/^\$argon2id\$/);
    expect(user.passwordHash).not.toContain(password);
    expect((await signIn('ada@example.com', password)).statusCode).toBe(200);
    const audit = await database.db.auditEntry.findFirstOrThrow({ where: { action: 'staff.added', subjectId: user.id } });
    expect(audit).toMatchObject({
      actorUserId: null,
      actorKeyId: null,
      subjectType: 'staff_user',
      detail: { source: 'cli', role: 'admin' },
    });
  });

  it('users add --password-stdin takes the password from standard input', async () => {
    const password = 'a long enough passphrase';
    const result = await runWithStdin(
      ['users', 'add', '--email', 'mae@example.com', '--name', 'Mae', '--role', 'marketer', '--password-stdin'],
      env,
      `${password}\n`,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('Added marketer mae@example.com (Mae) with the password given.\n');
    expect((await signIn('mae@example.com', password)).statusCode).toBe(200);
    expect((await signIn('mae@example.com', `${password}\n`)).statusCode).toBe(401);
  });

  const refusals: [string, string[], RegExp, string?][] = [
    [
      'an unknown role',
      ['users', 'add', '--email', 'x@example.com', '--name', 'X', '--role', 'manager'],
      /'manager' is not a role: use admin, marketer or success_manager\./,
    ],
    ['a missing role', ['users', 'add', '--email', 'x@example.com', '--name', 'X'], /--role/],
    ['a missing email', ['users', 'add', '--name', 'X', '--role', 'admin'], /--email/],
    [
      'an email that is not one',
      ['users', 'add', '--email', 'not-an-email', '--name', 'X', '--role', 'admin'],
      /'not-an-email' is not an email address\./,
    ],
    [
      'an email that exists',
      ['users', 'add', '--email', 'ADA@example.com', '--name', 'Other', '--role', 'marketer'],
      /A staff user with the email ada@example\.com exists already\./,
    ],
    [
      'a short password',
      ['users', 'add', '--email', 'y@example.com', '--name', 'Y', '--role', 'admin', '--password-stdin'],
      /too short: it needs at least 12 characters/,
      'short\n',
    ],
    [
      'an empty password',
      ['users', 'add', '--email', 'y@example.com', '--name', 'Y', '--role', 'admin', '--password-stdin'],
      /--password-stdin read nothing/,
      '',
    ],
    ['disabling nobody', ['users', 'disable', '--email', 'nobody@example.com'], /No staff user has the email nobody@example\.com\./],
    ['a key without a scope', ['keys', 'create'], /Give the key's scopes with --scope/],
    [
      'a key with an unknown scope',
      ['keys', 'create', '--scope', 'read,everything'],
      /'everything' is not a scope: use ingest, read, write or admin\./,
    ],
    [
      'a key for nobody',
      ['keys', 'create', '--scope', 'read', '--user', 'nobody@example.com'],
      /No staff user has the email nobody@example\.com\./,
    ],
    [
      'a key beyond the role',
      ['keys', 'create', '--scope', 'admin', '--user', 'mae@example.com'],
      /A marketer cannot hold the admin scope\./,
    ],
  ];
  it.each(refusals)('refuses %s: exit 2 and one sentence', async (_name, args, message, stdin) => {
    const result = stdin === undefined ? await runCli(args, env) : await runWithStdin(args, env, stdin);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(ONE_SENTENCE);
    expect(result.stderr).toMatch(message);
  });

  it('keys create prints a scoped key once; it works as its scopes allow, and acts as its user', async () => {
    const machine = await runCli(['keys', 'create', '--scope', 'ingest', '--name', 'shop integration'], env);
    expect(machine.code, machine.stderr).toBe(0);
    expect(machine.stdout).toContain("Created API key 'shop integration' (scopes: ingest).");
    const ingestKey = /^(ak_\S+)$/m.exec(machine.stdout)?.[1] as string;
    const stored = await database.db.apiKey.findUniqueOrThrow({ where: { hash: createHash('sha256').update(ingestKey).digest('hex') } });
    expect(stored).toMatchObject({ name: 'shop integration', scopes: ['ingest'], userId: null });
    const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
    expect((await app.inject({ method: 'GET', url: '/v1/journeys', headers: bearer(ingestKey) })).statusCode).toBe(403);

    const forMae = await runCli(['keys', 'create', '--scope', 'read', '--scope', 'write,read', '--user', 'MAE@example.com'], env);
    expect(forMae.code, forMae.stderr).toBe(0);
    expect(forMae.stdout).toContain("Created API key 'for mae@example.com' (scopes: read, write; acts as mae@example.com, marketer).");
    const maeKey = /^(ak_\S+)$/m.exec(forMae.stdout)?.[1] as string;
    const me = await app.inject({ method: 'GET', url: '/v1/session', headers: bearer(maeKey) });
    expect(me.json()).toMatchObject({ kind: 'key', role: 'marketer', scopes: ['read', 'write'], user: { email: 'mae@example.com' } });

    const audit = await database.db.auditEntry.findMany({ where: { action: 'api_key.created' }, orderBy: { at: 'asc' } });
    expect(audit.map((entry) => entry.detail)).toEqual([
      expect.objectContaining({ source: 'cli', name: 'shop integration', scopes: ['ingest'] }),
      expect.objectContaining({ source: 'cli', scopes: ['read', 'write'], email: 'mae@example.com' }),
    ]);
    expect(JSON.stringify(audit)).not.toContain(ingestKey);
  });

  it('users list shows every user with their role and status; users disable ends their sign-in', async () => {
    const { stdout: password } = await runCli(
      ['users', 'add', '--email', 'sam@example.com', '--name', 'Sam', '--role', 'success_manager'],
      env,
    );
    const samPassword = /: (\S+)\n$/.exec(password)?.[1] as string;
    const signedIn = await signIn('sam@example.com', samPassword);
    expect(signedIn.statusCode).toBe(200);
    const cookie = `aftercare_session=${signedIn.cookies[0]?.value}`;

    const disabled = await runCli(['users', 'disable', '--email', 'sam@example.com'], env);
    expect(disabled.code, disabled.stderr).toBe(0);
    expect(disabled.stdout).toBe(
      'Disabled sam@example.com: they can no longer sign in; 1 session(s) ended and 0 API key(s) refused from now on.\n',
    );
    expect((await app.inject({ method: 'GET', url: '/v1/session', headers: { cookie } })).statusCode).toBe(401);
    expect((await signIn('sam@example.com', samPassword)).statusCode).toBe(401);
    const again = await runCli(['users', 'disable', '--email', 'sam@example.com'], env);
    expect(again.stdout).toBe('sam@example.com was disabled already.\n');
    expect(await database.db.auditEntry.count({ where: { action: 'staff.disabled' } })).toBe(1);

    const list = await runCli(['users', 'list'], env);
    expect(list.code, list.stderr).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^EMAIL\s+NAME\s+ROLE\s+STATUS\s+LAST SIGN-IN \(UTC\)$/);
    expect(lines.slice(1).map((line) => line.split(/\s{2,}/).slice(0, 4))).toEqual([
      ['ada@example.com', 'Ada Lovelace', 'admin', 'active'],
      ['mae@example.com', 'Mae', 'marketer', 'active'],
      ['sam@example.com', 'Sam', 'success_manager', expect.stringMatching(/^disabled \d{4}-\d\d-\d\d \d\d:\d\d$/)],
    ]);
  });

  it('needs DATABASE_URL or a running engine', async () => {
    const result = await runCli(['users', 'list'], { DATA_DIR: '/nonexistent/aftercare-data' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(ONE_SENTENCE);
    expect(result.stderr).toContain('DATABASE_URL is not set');
  });
});
