// `aftercare outbox`: the emails the local outbox transport kept (no RESEND_API_KEY), newest first;
// `aftercare outbox --show ID` prints one as the customer would read it (headers and the text part),
// `--html` its HTML part, to save and open in a browser.
import type { Command } from 'commander';

export type OutboxCommandHooks = { usageError: (message: string) => Error; finished: () => void };

function write(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (error) => (error ? reject(error) : resolve())));
}

export function registerOutboxCommand(program: Command, hooks: OutboxCommandHooks): void {
  program
    .command('outbox')
    .description('list the emails in the local outbox, or print one as the customer sees it (DATABASE_URL, or the running engine)')
    .option('--show <id>', 'print this email (an id or its first characters from the list; `latest` for the newest)')
    .option('--html', 'with --show: print the HTML part instead of the text')
    .option('--limit <n>', 'how many to list', '20')
    .action(async (options: { show?: string; html?: boolean; limit: string }) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw hooks.usageError('--limit must be a whole number from 1 to 1000.');
      if (options.html && !options.show) throw hooks.usageError('--html prints one email: give it with --show ID.');
      const [{ loadConfig }, { databaseUrlFor }, { createDatabase }, { table }, outbox] = await Promise.all([
        import('../runtime/config.ts'),
        import('./engine-connection.ts'),
        import('../runtime/database.ts'),
        import('./journeys-command.ts'),
        import('../messaging/outbox-emails.ts'),
      ]);
      const db = createDatabase(await databaseUrlFor(loadConfig(process.env), 'the database whose outbox to read'), 2);
      try {
        if (options.show) {
          const wanted = options.show.trim();
          if (!/^[0-9a-f-]{4,36}$|^latest$/.test(wanted))
            throw hooks.usageError('--show takes an email id from `aftercare outbox`, or `latest`.');
          const matches = await outbox.findOutboxEmailsByPrefix(db, wanted);
          const email = matches[0];
          if (!email) throw hooks.usageError(`No email in the outbox has the id ${wanted}.`);
          if (matches.length > 1 && wanted !== 'latest')
            throw hooks.usageError(`More than one email starts with ${wanted}: give more of the id.`);
          if (options.html) await write(`${email.html}\n`);
          else {
            await write(
              [
                `From:    ${email.fromAddress}`,
                `To:      ${email.toAddress}`,
                `Date:    ${email.createdAt.toISOString()}`,
                `Subject: ${email.subject}`,
                '',
                email.text,
                '',
              ].join('\n'),
            );
          }
        } else {
          const [{ emails }, total] = await Promise.all([outbox.listOutbox(db, { limit }), outbox.countOutbox(db)]);
          if (emails.length === 0) {
            await write('The outbox is empty: no email has been sent yet.\n');
          } else {
            const rows = emails.map((email) => [
              email.id.slice(0, 8),
              email.sentAt.slice(0, 16).replace('T', ' '),
              email.to,
              email.subject,
            ]);
            await write(table([['ID', 'SENT (UTC)', 'TO', 'SUBJECT'], ...rows]));
            await write(`${emails.length} of ${total} shown. \`aftercare outbox --show ID\` prints one as the customer sees it.\n`);
          }
        }
      } finally {
        await db.$disconnect();
      }
      hooks.finished();
    });
}
