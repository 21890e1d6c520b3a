// Two engines starting at once can both find the same port free. The one whose Temporal server loses
// the port must notice, and start on another, rather than take the other engine's server for its own
// (its worker would then run the other engine's workflows against the wrong database).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { afterAll, expect, it } from 'vitest';
import { type EmbeddedTemporal, startEmbeddedTemporal } from '../../runtime/embedded-temporal.ts';
import { freePort } from '../../runtime/local-processes.ts';

const started: EmbeddedTemporal[] = [];
const folders: string[] = [];
afterAll(async () => {
  for (const server of started) await server.stop();
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

async function dataDir(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'aftercare-temporal-port-'));
  folders.push(folder);
  return folder;
}

it('a Temporal server that finds its port held by another engine’s server starts on another port and serves on its own', async () => {
  const first = await startEmbeddedTemporal({ dataDir: await dataDir(), namespace: 'default' });
  started.push(first);
  const firstPort = Number(first.address.split(':')[1]);
  const log: string[] = [];
  const second = await startEmbeddedTemporal({
    dataDir: await dataDir(),
    namespace: 'default',
    log: (line) => log.push(line),
    choosePort: async (attempt) => (attempt === 1 ? firstPort : freePort(0)),
  });
  started.push(second);
  expect(second.address).not.toBe(first.address);
  expect(log.join('\n')).toMatch(/taken/);
  // Still serving after the first one stops: the second engine's server is its own.
  await first.stop();
  const connection = await Connection.connect({ address: second.address });
  try {
    const described = await connection.workflowService.describeNamespace({ namespace: 'default' });
    expect(described.namespaceInfo?.name).toBe('default');
  } finally {
    await connection.close();
  }
}, 120_000);
