// `aftercare users add|list|disable`: staff accounts for the web app and the API (DATABASE_URL, or the
// running engine). The work is in workspace/staff.ts; this file parses and prints. A generated
// password is printed once and never stored; `--password-stdin` reads one instead (for scripts).
import type { Command } from 'commander';

export type UsersCommandHooks = { usageError: (message: string) => Error; finished: () => void };

function write(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (error) => (error ? reject(error) : resolve())));
}

/** The whole of stdin, less one line ending at the end (`echo secret | aftercare users add ...`). */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Opens the staff database, runs `work`, and always closes it. */
export async function withStaffDatabase<T>(work: (db: import('../runtime/database.ts').Database) => Promise<T>): Promise<T> {
  const [{ loadConfig }, { databaseUrlFor }, { createDatabase }] = await Promise.all([
    import('../runtime/config.ts'),
    import('./engine-connection.ts'),
    import('../runtime/database.ts'),
  ]);
  const db = createDatabase(await databaseUrlFor(loadConfig(process.env), 'the database of the staff accounts'), 2);
  try {
    return await work(db);
  } finally {
    await db.$disconnect();
  }
}

const day = (date: Date | null) => (date ? date.toISOString().slice(0, 16).replace('T', ' ') : '-');
const roleName = (role: string) => role.replace('_', ' ');

export function registerUsersCommands(program: Command, hooks: UsersCommandHooks): void {
  const users = program.command('users').description('staff accounts: add, list, disable (DATABASE_URL, or the running engine)');

  users
    .command('add')
    .description('add a staff user; prints a generated password once, or reads one with --password-stdin')
    .option('--email <email>', 'their email, which they sign in with')
    .option('--name <name>', 'their name, as colleagues see it')
    .option('--role <role>', 'admin, marketer or success_manager')
    .option('--password-stdin', 'read the password from standard input instead of generating one')
    .action(async (options: { email?: string; name?: string; role?: string; passwordStdin?: boolean }) => {
      if (!options.email) throw hooks.usageError('Give the user’s email with --email.');
      if (!options.name) throw hooks.usageError('Give the user’s name with --name.');
      if (!options.role) throw hooks.usageError('Give the user’s role with --role (admin, marketer or success_manager).');
      const { addStaffUser, checkEmail, checkRole, checkPassword } = await import('../workspace/staff.ts');
      // Judge what can be judged before reading stdin or opening the database.
      checkEmail(options.email);
      checkRole(options.role);
      let password: string | undefined;
      if (options.passwordStdin) {
        password = await readStdin();
        if (!password) throw hooks.usageError('--password-stdin read nothing: pipe the password in.');
        checkPassword(password);
      }
      const added = await withStaffDatabase((db) =>
        addStaffUser(db, null, { email: options.email as string, name: options.name as string, role: options.role as string, password }),
      );
      const { user } = added;
      await write(
        added.generated
          ? `Added ${roleName(user.role)} ${user.email} (${user.name}).\nPassword (shown once, keep it now): ${added.password}\n`
          : `Added ${roleName(user.role)} ${user.email} (${user.name}) with the password given.\n`,
      );
      hooks.finished();
    });

  users
    .command('list')
    .description('list the staff users: role, status, last sign-in')
    .action(async () => {
      const { listStaffUsers } = await import('../workspace/staff.ts');
      const { table } = await import('./journeys-command.ts');
      const list = await withStaffDatabase((db) => listStaffUsers(db));
      if (list.length === 0) {
        await write('No staff users yet: `aftercare users add --email E --name N --role admin` adds one.\n');
      } else {
        const rows = list.map((user) => [
          user.email,
          user.name,
          user.role,
          user.disabledAt ? `disabled ${day(user.disabledAt)}` : 'active',
          day(user.lastSignInAt),
        ]);
        await write(table([['EMAIL', 'NAME', 'ROLE', 'STATUS', 'LAST SIGN-IN (UTC)'], ...rows]));
      }
      hooks.finished();
    });

  users
    .command('disable')
    .description('disable a staff user: no sign-in, their sessions end, their API keys stop working')
    .option('--email <email>', 'the user to disable')
    .action(async (options: { email?: string }) => {
      if (!options.email) throw hooks.usageError('Give the email of the user to disable with --email.');
      const { checkEmail, disableStaffUser } = await import('../workspace/staff.ts');
      checkEmail(options.email);
      const result = await withStaffDatabase((db) => disableStaffUser(db, null, options.email as string));
      await write(
        result.alreadyDisabled
          ? `${result.user.email} was disabled already.\n`
          : `Disabled ${result.user.email}: they can no longer sign in; ${result.sessionsEnded} session(s) ended and ${result.keys} API key(s) refused from now on.\n`,
      );
      hooks.finished();
    });
}
