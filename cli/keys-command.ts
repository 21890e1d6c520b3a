// `aftercare keys create --scope ingest|read|write|admin [--user E] [--name N]`: a scoped API key,
// printed once (only its SHA-256 is stored). A key made for a user acts as that user: their role bounds
// it as well as its scopes. The work is in workspace/staff.ts; this file parses and prints.
import type { Command } from 'commander';
import { withStaffDatabase } from './users-command.ts';

export type KeysCommandHooks = { usageError: (message: string) => Error; finished: () => void };

function write(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (error) => (error ? reject(error) : resolve())));
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerKeysCommands(program: Command, hooks: KeysCommandHooks): void {
  const keys = program.command('keys').description('API keys with scopes (DATABASE_URL, or the running engine)');

  keys
    .command('create')
    .description('create an API key and print it once')
    .option('--scope <scopes>', 'ingest, read, write or admin; repeat it or give a comma list', collect, [] as string[])
    .option('--user <email>', 'the staff user the key acts as (their role bounds it)')
    .option('--name <name>', 'what the key is for, as lists show it')
    .action(async (options: { scope: string[]; user?: string; name?: string }) => {
      const { checkEmail, createApiKey, parseScopes } = await import('../workspace/staff.ts');
      parseScopes(options.scope);
      if (options.user !== undefined) checkEmail(options.user);
      if (options.name !== undefined && !options.name.trim()) throw hooks.usageError('--name is empty: say what the key is for.');
      const created = await withStaffDatabase((db) =>
        createApiKey(db, null, { scopes: options.scope, userEmail: options.user, name: options.name }),
      );
      const holder = created.user ? `; acts as ${created.user.email}, ${created.user.role.replace('_', ' ')}` : '';
      await write(
        `Created API key '${created.name}' (scopes: ${created.scopes.join(', ')}${holder}).\n${created.key}\nThe key is shown once: keep it now. Send it as \`Authorization: Bearer <key>\`.\n`,
      );
      hooks.finished();
    });
}
