// `aftercare import FILE`: historical events (NDJSON) or orders (CSV) into the database, with a
// progress bar, resumable, bad rows reported by line and skipped.
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../runtime/config.ts';

export type ImportCommandHooks = { usageError: (message: string) => Error; finished: () => void; config: () => Config };

const MAX_PROBLEMS_SHOWN = 20;

export function registerImportCommand(program: Command, hooks: ImportCommandHooks): void {
  program
    .command('import')
    .description('load historical events (NDJSON) or orders (CSV) through the same validation as the API')
    .argument('<file>', '.ndjson/.jsonl of events, or .csv of orders (customer_id, order_id, date, total[, currency])')
    .option('--currency <code>', 'currency of CSV rows that have no currency column')
    .option('--batch-size <n>', 'events per transaction', '1000')
    .action(async (file: string, options: { currency?: string; batchSize: string }) => {
      const config = hooks.config();
      const batchSize = Number(options.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000)
        throw hooks.usageError('--batch-size must be a whole number from 1 to 1000.');
      const [{ importFile, ImportFileError }, { createDatabase }, { SingleBar, Presets }, { databaseUrlFor }] = await Promise.all([
        import('../ingestion/import-file.ts'),
        import('../runtime/database.ts'),
        import('cli-progress'),
        import('./engine-connection.ts'),
      ]);
      const db = createDatabase(await databaseUrlFor(config, 'the database to import into'), 4);
      const bar = process.stderr.isTTY
        ? new SingleBar(
            {
              format: 'importing {bar} {percentage}% | {value}/{total} lines | {accepted} new, {duplicate} already in, {rejected} bad',
              stream: process.stderr,
            },
            Presets.shades_classic,
          )
        : null;
      let lastReported = 0;
      let shown = 0;
      const show = (problem: { line: number; message: string }) => {
        if (shown++ < MAX_PROBLEMS_SHOWN) process.stdout.write(`line ${problem.line}: ${problem.message}\n`);
      };
      const held: { line: number; message: string }[] = [];
      try {
        const result = await importFile({
          db,
          file,
          checkpointDir: join(config.dataDir, 'imports'),
          batchSize,
          ...(options.currency ? { currency: options.currency } : {}),
          // Under a progress bar the lines wait for the bar to finish; otherwise they go out at once.
          onProblem: (problem) => (bar ? held.push(problem) : show(problem)),
          onProgress: (progress) => {
            if (bar) {
              if (!bar.isActive) bar.start(progress.totalLines, 0, progress);
              bar.update(progress.linesRead, progress);
            } else if (progress.linesRead - lastReported >= progress.totalLines / 10 || progress.linesRead === progress.totalLines) {
              lastReported = progress.linesRead;
              process.stderr.write(
                `imported ${progress.linesRead}/${progress.totalLines} lines (${progress.accepted} new, ${progress.duplicate} already in, ${progress.rejected} bad)\n`,
              );
            }
          },
        }).catch((error: unknown) => {
          if (error instanceof ImportFileError) throw hooks.usageError(error.message);
          throw error;
        });
        bar?.stop();
        for (const problem of held) show(problem);
        if (result.problems.length > MAX_PROBLEMS_SHOWN)
          process.stdout.write(`... and ${result.problems.length - MAX_PROBLEMS_SHOWN} more bad lines\n`);
        const resumed = result.resumedFromLine > 0 ? `, resumed after line ${result.resumedFromLine}` : '';
        process.stdout.write(
          `Imported ${file}: ${result.accepted} new, ${result.duplicate} already in, ${result.rejected} bad line(s) skipped${resumed}.\n`,
        );
      } finally {
        bar?.stop();
        await db.$disconnect();
      }
      hooks.finished();
    });
}
