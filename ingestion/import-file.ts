// Backfill: a file of historical events (NDJSON, one event per line) or of orders (CSV with a header)
// goes through the same validation and storage as the API, in batches. Historical events start no
// journeys. Every event has a deterministic id (its own, or `import:order:<order id>` for CSV rows),
// so running an import twice stores nothing twice; a checkpoint of the last committed line lets a
// run that was interrupted skip what is already in.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parse as parseCsvLine } from 'csv-parse/sync';
import type { Database } from '../runtime/database.ts';
import { ingestEvents } from './ingest.ts';

export type ImportProblem = { line: number; message: string };
export type ImportProgress = { linesRead: number; accepted: number; duplicate: number; rejected: number; totalLines: number };
export type ImportResult = ImportProgress & { problems: ImportProblem[]; resumedFromLine: number };

export class ImportFileError extends Error {}

export type ImportOptions = {
  db: Database;
  file: string;
  /** Where checkpoints are kept (DATA_DIR/imports). */
  checkpointDir: string;
  /** For CSV rows without a currency column. */
  currency?: string;
  batchSize?: number;
  onProgress?: (progress: ImportProgress) => void;
  /** Told of each bad line as soon as it is known, so an interrupted run has reported what it saw. */
  onProblem?: (problem: ImportProblem) => void;
};

type Row = { line: number; event: unknown } | { line: number; problem: string };

const headerAliases: Record<string, string[]> = {
  customerId: ['customer_id', 'customerid', 'customer', 'cust_id', 'client_id'],
  orderId: ['order_id', 'orderid', 'order', 'id', 'order_number'],
  date: ['date', 'order_date', 'placed_at', 'created_at', 'occurred_at', 'timestamp'],
  total: ['total', 'amount', 'value', 'sales', 'order_total'],
  currency: ['currency', 'currency_code'],
  email: ['email', 'customer_email'],
};

function columnIndexes(header: string[]): Record<string, number> {
  const normalized = header.map((name) =>
    name
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, '_'),
  );
  const found: Record<string, number> = {};
  for (const [field, aliases] of Object.entries(headerAliases)) {
    const index = normalized.findIndex((name) => aliases.includes(name));
    if (index >= 0) found[field] = index;
  }
  for (const required of ['customerId', 'orderId', 'date', 'total']) {
    if (found[required] === undefined) {
      throw new ImportFileError(`The CSV header has no ${required} column (accepted names: ${headerAliases[required]?.join(', ')}).`);
    }
  }
  return found;
}

/** A date alone is taken as midnight UTC; a date-time without an offset as UTC. */
function isoWithOffset(text: string): string | null {
  const value = text.trim();
  if (/^\d{8}$/.test(value)) return `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}T00:00:00Z`;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return `${value}T00:00:00Z`;
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) return `${value.replace(' ', 'T')}Z`;
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value)) return value.replace(' ', 'T');
  return null;
}

function csvRowToEvent(cells: string[], columns: Record<string, number>, currency: string | undefined): unknown | string {
  const cell = (field: string) => (columns[field] === undefined ? undefined : cells[columns[field] as number]?.trim());
  const orderId = cell('orderId');
  const customerId = cell('customerId');
  const date = cell('date') ?? '';
  const occurredAt = isoWithOffset(date);
  if (!occurredAt) return `date '${date}' is not a date (use YYYY-MM-DD, YYYYMMDD or ISO-8601)`;
  const totalText = cell('total') ?? '';
  const total = Number(totalText);
  if (totalText === '' || !Number.isFinite(total)) return `total '${totalText}' is not a number`;
  const rowCurrency = cell('currency') || currency;
  if (!rowCurrency) return 'no currency: add a currency column or pass --currency';
  return {
    id: `import:order:${orderId ?? ''}`,
    type: 'order.placed',
    customerId,
    occurredAt,
    properties: { orderId, total, currency: rowCurrency.toUpperCase(), items: [] },
  };
}

async function* readRows(file: string, currency: string | undefined): AsyncGenerator<Row> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY });
  const csv = /\.csv$/i.test(file);
  let columns: Record<string, number> | null = null;
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    if (!csv) {
      try {
        yield { line, event: JSON.parse(text) };
      } catch {
        yield { line, problem: 'is not valid JSON' };
      }
      continue;
    }
    let cells: string[];
    try {
      cells = (parseCsvLine(text, { relax_quotes: true }) as string[][])[0] ?? [];
    } catch (error) {
      yield { line, problem: `is not valid CSV (${(error as Error).message})` };
      continue;
    }
    if (!columns) {
      columns = columnIndexes(cells);
      continue;
    }
    const event = csvRowToEvent(cells, columns, currency);
    yield typeof event === 'string' ? { line, problem: event } : { line, event };
  }
}

async function countLines(file: string): Promise<number> {
  let count = 0;
  for await (const _ of createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY })) count++;
  return count;
}

/** The checkpoint is keyed by the file's path, size and modification time: a changed file starts over. */
async function checkpointPath(dir: string, file: string): Promise<string> {
  const info = await stat(file);
  const key = createHash('sha256')
    .update(`${resolve(file)}\u0000${info.size}\u0000${info.mtimeMs}`)
    .digest('hex')
    .slice(0, 24);
  return join(dir, `${key}.json`);
}

export async function importFile(options: ImportOptions): Promise<ImportResult> {
  const info = await stat(options.file).catch(() => null);
  if (!info?.isFile()) throw new ImportFileError(`${options.file} is not a readable file.`);
  if (!/\.(csv|ndjson|jsonl)$/i.test(options.file))
    throw new ImportFileError(`${options.file} is neither .csv (orders) nor .ndjson/.jsonl (events).`);
  const batchSize = options.batchSize ?? 1000;
  await mkdir(options.checkpointDir, { recursive: true });
  const checkpoint = await checkpointPath(options.checkpointDir, options.file);
  const resumedFromLine = await readFile(checkpoint, 'utf8').then(
    (text) => (JSON.parse(text) as { line: number }).line,
    () => 0,
  );

  const progress: ImportProgress = { linesRead: 0, accepted: 0, duplicate: 0, rejected: 0, totalLines: await countLines(options.file) };
  const problems: ImportProblem[] = [];
  let batch: { line: number; event: unknown }[] = [];

  const flush = async () => {
    if (batch.length === 0) return;
    const results = await ingestEvents(
      { db: options.db, route: null },
      batch.map((row) => row.event),
    );
    for (const result of results) {
      if (result.status === 'rejected') {
        const problem = { line: batch[result.index]?.line ?? 0, message: `${result.error.field} ${result.error.message}` };
        problems.push(problem);
        options.onProblem?.(problem);
        progress.rejected++;
      } else progress[result.status]++;
    }
    const lastLine = batch.at(-1)?.line ?? 0;
    batch = [];
    // Written only after the batch is committed: an interruption repeats at most one batch.
    await writeFile(checkpoint, JSON.stringify({ line: lastLine, file: resolve(options.file) }));
  };

  for await (const row of readRows(options.file, options.currency)) {
    progress.linesRead = row.line;
    if (row.line <= resumedFromLine) continue;
    if ('problem' in row) {
      const problem = { line: row.line, message: row.problem };
      problems.push(problem);
      options.onProblem?.(problem);
      progress.rejected++;
      continue;
    }
    batch.push(row);
    if (batch.length >= batchSize) {
      await flush();
      options.onProgress?.({ ...progress });
    }
  }
  await flush();
  progress.linesRead = progress.totalLines;
  options.onProgress?.({ ...progress });
  return { ...progress, problems, resumedFromLine };
}
