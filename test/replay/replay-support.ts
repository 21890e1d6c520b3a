// Shared by the replay tests: the recorded histories, a replay of them against a workflow bundle, and
// bundles of the workflows with one module swapped for a fixture (a deliberate change of workflow code).
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { workflowsPath } from '../../worker.ts';
import { quietTemporalRuntime } from '../support/temporal.ts';
import { historyFromJson } from './history-json.ts';

export const HISTORIES_DIR = fileURLToPath(new URL('./histories/', import.meta.url));

export type RecordedHistory = { file: string; history: History };

/** Every history under test/replay/histories/, by file name. */
export function recordedHistories(): RecordedHistory[] {
  return readdirSync(HISTORIES_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({ file, history: historyFromJson(readFileSync(`${HISTORIES_DIR}${file}`, 'utf8')) }));
}

/** Replays each history against the bundle; the error of each (undefined when it replayed), by file. */
export async function replay(bundle: { code: string }, histories: RecordedHistory[]): Promise<Map<string, Error | undefined>> {
  quietTemporalRuntime();
  const results = new Map<string, Error | undefined>();
  const replaying = Worker.runReplayHistories(
    { workflowBundle: bundle, replayName: 'aftercare-replay' },
    histories.map(({ file, history }) => ({ workflowId: file, history })),
  );
  for await (const result of replaying) results.set(result.workflowId, result.error);
  return results;
}

/** A module the bundle takes from a fixture instead, when imported by a file the `importer` matches. */
export type Swap = { request: RegExp; importer: RegExp; fixture: string };

type ResolveData = { request: string; contextInfo?: { issuer?: string } };
type ReplacementPlugin = new (request: RegExp, replace: (resolving: ResolveData) => void) => object;

/** The workflows bundled as the worker does, with the swaps applied (webpack's NormalModuleReplacementPlugin). */
export async function bundleWithSwaps(swaps: Swap[]): Promise<{ code: string }> {
  // The webpack the SDK's bundler runs, not a second copy.
  const webpack = createRequire(createRequire(import.meta.url).resolve('@temporalio/worker'))('webpack') as {
    NormalModuleReplacementPlugin: ReplacementPlugin;
  };
  const plugins = swaps.map(
    (swap) =>
      new webpack.NormalModuleReplacementPlugin(swap.request, (resolving) => {
        // Called before resolution (the request as written) and after it; only the first can redirect.
        if (swap.importer.test(resolving.contextInfo?.issuer ?? '')) resolving.request = swap.fixture;
      }),
  );
  const silent = () => {};
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    logger: { info: silent, warn: silent, error: console.error, debug: silent, trace: silent, log: silent },
    webpackConfigHook: (config) => ({ ...config, plugins: [...(config.plugins ?? []), ...(plugins as never[])] }),
  });
  return { code };
}

export const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
