// `aftercare churn recompute [--wait]`: the nightly scoring run, started now on the running engine
// (TEMPORAL_ADDRESS, or the one `npm start` runs), audited as the CLI's action.
import type { Command } from 'commander';
import { int, write } from './format.ts';

export function registerChurnRecompute(
  churn: Command,
  hooks: { readonly usageError: (message: string) => Error; readonly finished: () => void },
): void {
  churn
    .command('recompute')
    .description('refit the model and rescore every customer now, on the running engine (TEMPORAL_ADDRESS, or the one `npm start` runs)')
    .option('--wait', 'wait for the run to finish and print what it scored')
    .action(async (options: { wait?: boolean }) => {
      const [{ loadConfig }, { temporalAddressFor }, { Client, Connection }, { startChurnRecompute }] = await Promise.all([
        import('../runtime/config.ts'),
        import('./engine-connection.ts'),
        import('@temporalio/client'),
        import('../workflow-client/churn-recompute.ts'),
      ]);
      const config = loadConfig(process.env);
      const address = await temporalAddressFor(config);
      const connection = await Connection.connect({ address }).catch(() => {
        throw hooks.usageError(`Temporal does not answer on ${address}: is the engine running?`);
      });
      try {
        const client = new Client({ connection, namespace: config.temporalNamespace });
        const start = await startChurnRecompute(client, config.taskQueue, new Date());
        if (start.status === 'started') {
          const [{ createDatabase }, { databaseUrlFor }, { recordAudit }] = await Promise.all([
            import('../runtime/database.ts'),
            import('./engine-connection.ts'),
            import('../workspace/audit.ts'),
          ]);
          const db = createDatabase(await databaseUrlFor(config, 'the database to record the run in'), 1);
          await recordAudit(db, null, {
            action: 'churn.recompute_requested',
            subjectType: 'churn_run',
            subjectId: start.workflowId,
            detail: { status: start.status },
          }).finally(() => db.$disconnect());
        }
        const verb = {
          started: 'Started',
          already_started: 'Joined the run started this minute,',
          already_running: 'A run is already in progress:',
        }[start.status];
        await write(`${verb} churn scoring workflow ${start.workflowId}.\n`);
        if (options.wait) {
          const result = (await client.workflow.getHandle(start.workflowId).result()) as { scored: number; bandChanges: number };
          await write(`Scored ${int(result.scored)} customers; ${int(result.bandChanges)} changed band.\n`);
        }
      } finally {
        await connection.close();
      }
      hooks.finished();
    });
}
