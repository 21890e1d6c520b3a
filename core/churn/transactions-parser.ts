// Parses a transactions file (one purchase per line: customer id, date, optional amount) into
// `Transaction`s for `summarizeTransactions`. Pure: text in, rows and per-line errors out; bad rows are
// reported with their (1-based, physical) line number and skipped, never guessed at.
//
// Layouts, decided from the first content line (blank lines and lines starting with `#` are ignored):
//  - Delimited: the first line contains a tab, a comma or a semicolon (checked in that order) and that
//    character separates the fields. Fields may be double-quoted ("" escapes a quote); a quoted field
//    cannot span lines.
//  - Whitespace-separated columns otherwise (runs of spaces or tabs), e.g. the CDNOW master file.
//
// Header: when no field of the first line is a date and its fields name a customer id column and a date
// column, it is a header. Names are matched case-insensitively ignoring `_`, `-`, spaces and dots:
//  - customer id: customer_id, customerId, customer, cust, cust_id, id, client_id, user_id, ...
//  - date:        date, order_date, at, timestamp, occurred_at, purchase_date, created_at, time, ...
//  - amount:      amount, total, sales, value, revenue, spend, order_total, ... (optional)
// Other columns (quantity, currency, ...) are ignored. A header that names no id or no date column is a
// file-level error (`TransactionsFormatError`), as is a first line that is neither a header nor a row.
//
// Without a header, columns are positional and fixed by the first row: the first column is the customer
// id; the date is the first later column that parses as a date; columns between the two are ignored; when
// columns follow the date, the LAST one is the amount. So `id date`, `id date amount`, CDNOW's
// `id date quantity amount` ("00001 19970101 1 11.77": 11.77 dollars for 1 CD) and the CDNOW sample's
// `id new_id date quantity amount` all read right. The quantity is never used: BG/NBD counts purchase
// days, not items.
//
// Dates: YYYYMMDD, YYYY-MM-DD (both midnight UTC), or an ISO-8601 date-time `YYYY-MM-DDTHH:MM[:SS[.fff]]`
// (a space instead of the T is accepted in delimited files) with `Z` or a `±HH:MM` offset; a date-time
// without an offset is read as UTC. Impossible calendar dates (2024-02-30) are errors. Amounts are plain
// decimal numbers (a leading `$`, `€` or `£` is dropped); an empty amount field means "unknown", a
// negative amount is an error (a refund is not a purchase).
import type { Transaction } from './summary.ts';

export interface TransactionLineError {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly message: string;
}

export type TransactionsLayout = 'delimited-header' | 'delimited' | 'whitespace-header' | 'whitespace';

export interface ParsedTransactions {
  readonly transactions: Transaction[];
  /** The first `maxErrors` bad lines, in file order. */
  readonly errors: TransactionLineError[];
  /** Total number of bad lines (may exceed errors.length). */
  readonly errorCount: number;
  readonly layout: TransactionsLayout;
  /** The delimiter of a delimited file (tab, comma or semicolon); null for whitespace columns. */
  readonly delimiter: string | null;
  /** 0-based column positions used. */
  readonly columns: { readonly customerId: number; readonly date: number; readonly amount: number | null };
  /** Data lines seen (header, blank and comment lines excluded): transactions.length + errorCount. */
  readonly dataLines: number;
}

export interface ParseTransactionsOptions {
  /** How many line errors to keep with their message. Default 1000. */
  readonly maxErrors?: number;
}

/** The file as a whole cannot be read as transactions (nothing per line to skip). */
export class TransactionsFormatError extends Error {
  override readonly name = 'TransactionsFormatError';
}

const ID_NAMES = new Set([
  'customerid',
  'customer',
  'cust',
  'custid',
  'id',
  'clientid',
  'client',
  'userid',
  'user',
  'customerno',
  'customernumber',
  'accountid',
]);
const DATE_NAMES = new Set([
  'date',
  'orderdate',
  'at',
  'timestamp',
  'time',
  'datetime',
  'occurredat',
  'purchasedate',
  'purchasedat',
  'transactiondate',
  'orderedat',
  'createdat',
  'day',
]);
const AMOUNT_NAMES = new Set(['amount', 'total', 'sales', 'value', 'revenue', 'spend', 'ordertotal', 'ordervalue', 'price', 'dollarvalue']);

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[\s_\-.]/g, '');
}

const COMPACT_DATE = /^(\d{4})(\d{2})(\d{2})$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

function validCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= daysInMonth;
}

/**
 * A date as accepted in transactions files and by `--calibration-end`: YYYYMMDD or YYYY-MM-DD (midnight
 * UTC), or an ISO-8601 date-time with optional offset (UTC when absent). Null when not a valid date.
 */
export function parseTransactionDate(text: string): Date | null {
  const value = text.trim();
  let match = COMPACT_DATE.exec(value) ?? ISO_DATE.exec(value);
  if (match) {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    if (!validCalendarDate(year, month, day)) return null;
    return new Date(Date.UTC(year, month - 1, day));
  }
  match = ISO_DATE_TIME.exec(value);
  if (!match) return null;
  const [year, month, day, hour, minute] = [Number(match[1]), Number(match[2]), Number(match[3]), Number(match[4]), Number(match[5])];
  const second = match[6] === undefined ? 0 : Number(match[6]);
  const millisecond = match[7] === undefined ? 0 : Math.floor(Number(`0.${match[7]}`) * 1000);
  if (!validCalendarDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  const zone = match[8];
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const digits = zone.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (hours > 23 || minutes > 59) return null;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millisecond) - offsetMinutes * 60_000;
  return new Date(ms);
}

/** `Number` of a plain decimal amount, or null. */
function parseAmount(text: string): number | null {
  const value = text.trim().replace(/^[$€£]/, '');
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(value)) return null;
  const amount = Number(value);
  return Number.isFinite(amount) ? amount : null;
}

/** Splits one delimited line; null on an unterminated quote. */
function splitDelimited(line: string, delimiter: string): string[] | null {
  if (!line.includes('"')) return line.split(delimiter).map((field) => field.trim());
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === ' ') i++;
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        const quote = line.indexOf('"', i);
        if (quote < 0) return null;
        field += line.slice(i, quote);
        if (line[quote + 1] === '"') {
          field += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      const next = line.indexOf(delimiter, i);
      const rest = next < 0 ? line.slice(i) : line.slice(i, next);
      if (rest.trim() !== '') return null; // text after a closing quote
      fields.push(field);
      if (next < 0) return fields;
      i = next + delimiter.length;
    } else {
      const next = line.indexOf(delimiter, i);
      fields.push((next < 0 ? line.slice(i) : line.slice(i, next)).trim());
      if (next < 0) return fields;
      i = next + delimiter.length;
    }
  }
}

function splitWhitespace(line: string): string[] {
  return line.trim().split(/\s+/);
}

function describe(value: string): string {
  const shown = value.length > 40 ? `${value.slice(0, 40)}...` : value;
  return `"${shown}"`;
}

interface Columns {
  customerId: number;
  date: number;
  amount: number | null;
}

function headerColumns(fields: readonly string[]): Columns | null {
  const names = fields.map(normalizeName);
  // Prefer the most specific names: "customer_id" over a bare "id", "order_date" over "time".
  const pick = (names: readonly string[], accepted: Set<string>, preferred: readonly string[]): number => {
    for (const name of preferred) {
      const index = names.indexOf(name);
      if (index >= 0) return index;
    }
    return names.findIndex((name) => accepted.has(name));
  };
  const customerId = pick(names, ID_NAMES, ['customerid', 'custid', 'customer', 'cust', 'clientid', 'userid']);
  const date = pick(names, DATE_NAMES, ['date', 'orderdate', 'purchasedate', 'transactiondate']);
  const amount = pick(names, AMOUNT_NAMES, ['amount', 'total', 'ordertotal', 'sales', 'value']);
  if (customerId < 0 && date < 0 && amount < 0) return null;
  return { customerId, date, amount: amount < 0 ? null : amount };
}

/** Parses the text of a transactions file; see the module comment for the accepted layouts. */
export function parseTransactions(text: string, options: ParseTransactionsOptions = {}): ParsedTransactions {
  const maxErrors = options.maxErrors ?? 1000;
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const transactions: Transaction[] = [];
  const errors: TransactionLineError[] = [];
  let errorCount = 0;
  let dataLines = 0;
  const fail = (line: number, message: string) => {
    errorCount++;
    if (errors.length < maxErrors) errors.push({ line, message });
  };

  let delimiter: string | null = null;
  let layout: TransactionsLayout | null = null;
  let columns: Columns | null = null;
  let minFields = 0;
  let split: (line: string) => string[] | null = splitWhitespace;

  let lineNumber = 0;
  let position = 0;
  while (position <= source.length) {
    let end = source.indexOf('\n', position);
    if (end < 0) end = source.length;
    let line = source.slice(position, end);
    position = end + 1;
    lineNumber++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;

    if (layout === null) {
      // First content line: decide the layout, and whether this is a header.
      delimiter = line.includes('\t') ? '\t' : line.includes(',') ? ',' : line.includes(';') ? ';' : null;
      const d = delimiter;
      split = d === null ? splitWhitespace : d === '\t' ? (l) => l.split('\t').map((f) => f.trim()) : (l) => splitDelimited(l, d);
      const fields = split(line);
      if (fields === null) throw new TransactionsFormatError(`Line ${lineNumber} has an unterminated quote.`);
      const anyDate = fields.some((field) => parseTransactionDate(field) !== null);
      const header = anyDate ? null : headerColumns(fields);
      if (header !== null) {
        if (header.customerId < 0) {
          throw new TransactionsFormatError(
            `The header on line ${lineNumber} names no customer id column (expected one of customer_id, customerId, cust, id).`,
          );
        }
        if (header.date < 0) {
          throw new TransactionsFormatError(
            `The header on line ${lineNumber} names no date column (expected one of date, order_date, at, timestamp).`,
          );
        }
        columns = header;
        layout = delimiter === null ? 'whitespace-header' : 'delimited-header';
        minFields = Math.max(header.customerId, header.date) + 1;
        continue;
      }
      const dateColumn = fields.findIndex((field, index) => index > 0 && parseTransactionDate(field) !== null);
      if (dateColumn < 0) {
        throw new TransactionsFormatError(
          `Line ${lineNumber} is neither a header naming the columns nor a row with a customer id and a date: ${describe(trimmed)}.`,
        );
      }
      columns = { customerId: 0, date: dateColumn, amount: fields.length > dateColumn + 1 ? fields.length - 1 : null };
      layout = delimiter === null ? 'whitespace' : 'delimited';
      minFields = columns.amount === null ? dateColumn + 1 : columns.amount + 1;
    }

    dataLines++;
    const cols = columns as Columns;
    const fields = split(line);
    if (fields === null) {
      fail(lineNumber, 'unterminated quote');
      continue;
    }
    if (fields.length < minFields) {
      fail(lineNumber, `expected at least ${minFields} columns, found ${fields.length}`);
      continue;
    }
    const customerId = fields[cols.customerId] as string;
    if (customerId === '') {
      fail(lineNumber, 'the customer id is empty');
      continue;
    }
    const dateText = fields[cols.date] as string;
    const at = parseTransactionDate(dateText);
    if (at === null) {
      fail(
        lineNumber,
        `${dateText === '' ? 'the date is empty' : `${describe(dateText)} is not a date (YYYY-MM-DD, YYYYMMDD or ISO-8601)`}`,
      );
      continue;
    }
    const amountText = cols.amount === null ? '' : (fields[cols.amount] ?? '');
    if (amountText === '') {
      transactions.push({ customerId, at });
      continue;
    }
    const amount = parseAmount(amountText);
    if (amount === null) {
      fail(lineNumber, `${describe(amountText)} is not an amount`);
      continue;
    }
    if (amount < 0) {
      fail(lineNumber, `the amount ${amountText} is negative (a refund is not a purchase)`);
      continue;
    }
    transactions.push({ customerId, at, amount });
  }

  return {
    transactions,
    errors,
    errorCount,
    layout: layout ?? 'delimited-header',
    delimiter,
    columns: columns ?? { customerId: 0, date: 1, amount: null },
    dataLines,
  };
}
