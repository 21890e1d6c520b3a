// `npm run bench [-- --only a,b]` (also `npx aftercare bench`, which runs this file): every benchmark
// prints its figures beside a baseline measured in the same run, as a ratio, so results compare across
// machines. Figures are also written to bench-results.json.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { benchBacktest } from './backtest.ts';
import { benchChurn } from './churn.ts';
import { benchIngestion } from './ingestion.ts';
import { benchJourneys } from './journeys.ts';
import { benchMessaging } from './messaging.ts';
import { benchStartup } from './startup.ts';
import { benchWorkspace } from './workspace.ts';

const benchmarks: Record<string, () => Promise<Record<string, number>>> = {
  churn: benchChurn,
  ingestion: benchIngestion,
  journeys: benchJourneys,
  messaging: benchMessaging,
  startup: benchStartup,
  workspace: benchWorkspace,
  // Last: it installs the zone offset cache (runtime/zone-offset-cache.ts), which would speed up the others' simulators.
  backtest: benchBacktest,
};

async function runBenchmarks(options: { only?: string[] } = {}): Promise<void> {
  // Worker and bundler chatter would bury the figures.
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  const names = options.only ?? Object.keys(benchmarks);
  const unknown = names.filter((name) => !(name in benchmarks));
  if (unknown.length > 0) throw new Error(`Unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(benchmarks).join(', ')}.`);
  const results: Record<string, number> = {};
  for (const name of names) {
    Object.assign(results, await (benchmarks[name] as () => Promise<Record<string, number>>)());
    console.log('');
  }
  await writeFile('bench-results.json', `${JSON.stringify({ at: new Date().toISOString(), results }, null, 2)}\n`);
}

const { values } = parseArgs({ options: { only: { type: 'string' } } });
try {
  await runBenchmarks({ ...(values.only ? { only: values.only.split(',').map((name) => name.trim()) } : {}) });
  process.exit(0);
} catch (error) {
  process.stderr.write(`bench: ${(error as Error).message}\n`);
  process.exit(1);
}
