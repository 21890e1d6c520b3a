export function percentile(sortedValues: number[], p: number): number {
  if (sortedValues.length === 0) return Number.NaN;
  const index = Math.min(sortedValues.length - 1, Math.max(0, Math.ceil((p / 100) * sortedValues.length) - 1));
  return sortedValues[index] as number;
}

export type LoadResult = { operations: number; items: number; seconds: number; latenciesMs: number[] };

export function summarize(result: LoadResult) {
  const sorted = [...result.latenciesMs].sort((a, b) => a - b);
  return {
    itemsPerSecond: result.items / result.seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
  };
}

/** Runs `operation` `total` times across `concurrency` workers; records each one's latency. */
export async function runConcurrently(
  total: number,
  concurrency: number,
  itemsPerOperation: number,
  operation: (index: number) => Promise<void>,
): Promise<LoadResult> {
  let next = 0;
  const latenciesMs: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const index = next++;
        if (index >= total) return;
        const t0 = performance.now();
        await operation(index);
        latenciesMs.push(performance.now() - t0);
      }
    }),
  );
  return { operations: total, items: total * itemsPerOperation, seconds: (performance.now() - started) / 1000, latenciesMs };
}

export const fmt = (value: number, digits = 1) =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
