import { describe, expect, it } from 'vitest';
import { parseTransactionDate, parseTransactions, TransactionsFormatError } from '../../../core/churn/transactions-parser.ts';

const iso = (date: Date | null | undefined) => date?.toISOString();

describe('parseTransactionDate', () => {
  it('reads YYYYMMDD, YYYY-MM-DD and ISO date-times', () => {
    expect(iso(parseTransactionDate('19970101'))).toBe('1997-01-01T00:00:00.000Z');
    expect(iso(parseTransactionDate('2024-02-29'))).toBe('2024-02-29T00:00:00.000Z');
    expect(iso(parseTransactionDate('2024-03-05T10:20:30Z'))).toBe('2024-03-05T10:20:30.000Z');
    expect(iso(parseTransactionDate('2024-03-05T10:20:30.250+02:00'))).toBe('2024-03-05T08:20:30.250Z');
    expect(iso(parseTransactionDate('2024-03-05 10:20'))).toBe('2024-03-05T10:20:00.000Z'); // no offset: UTC
    expect(iso(parseTransactionDate('2024-03-05T23:30:00-0130'))).toBe('2024-03-06T01:00:00.000Z');
  });

  it('rejects impossible dates and other text', () => {
    for (const text of ['2024-02-30', '20230229', '2024-13-01', '2024-1-5', '1/5/2024', 'yesterday', '', '2024-03-05T25:00:00Z', '12345']) {
      expect(parseTransactionDate(text), text).toBeNull();
    }
  });
});

describe('parseTransactions', () => {
  it('reads a CSV with a header in any column order, with quotes, ignoring extra columns', () => {
    const text = [
      'order_id,Amount,"Customer ID",currency,order_date',
      '1,12.50,alice,EUR,2024-01-05',
      '2,"1,234.00",bob,EUR,2024-01-06', // quoted comma: not a plain number
      '3,7,"o""brien",EUR,2024-01-07T09:00:00+01:00',
      '4,,carol,EUR,2024-01-08',
    ].join('\r\n');
    const parsed = parseTransactions(text);
    expect(parsed.layout).toBe('delimited-header');
    expect(parsed.columns).toEqual({ customerId: 2, date: 4, amount: 1 });
    expect(parsed.transactions).toEqual([
      { customerId: 'alice', at: new Date('2024-01-05T00:00:00Z'), amount: 12.5 },
      { customerId: 'o"brien', at: new Date('2024-01-07T08:00:00Z'), amount: 7 },
      { customerId: 'carol', at: new Date('2024-01-08T00:00:00Z') },
    ]);
    expect(parsed.errors).toEqual([{ line: 3, message: '"1,234.00" is not an amount' }]);
    expect(parsed.dataLines).toBe(4);
  });

  it('accepts the common column names', () => {
    for (const header of ['customerId,date,total', 'cust,at,sales', 'id,timestamp,value', 'customer_id;order_date;amount']) {
      const delimiter = header.includes(';') ? ';' : ',';
      const parsed = parseTransactions(`${header}\nc1${delimiter}2024-05-01${delimiter}3.5\n`);
      expect(parsed.transactions, header).toEqual([{ customerId: 'c1', at: new Date('2024-05-01T00:00:00Z'), amount: 3.5 }]);
    }
    const noAmount = parseTransactions('customer,date\nc1,20240501\n');
    expect(noAmount.columns.amount).toBeNull();
    expect(noAmount.transactions).toEqual([{ customerId: 'c1', at: new Date('2024-05-01T00:00:00Z') }]);
  });

  it('reads the CDNOW layout (id date quantity amount): the last column is the amount, the quantity is ignored', () => {
    const text = '00001 19970101 1 11.77\n00002  19970112\t2 20.76\n\n# a comment\n00003 19970102 2 20.76\n';
    const parsed = parseTransactions(text);
    expect(parsed.layout).toBe('whitespace');
    expect(parsed.columns).toEqual({ customerId: 0, date: 1, amount: 3 });
    expect(parsed.transactions).toEqual([
      { customerId: '00001', at: new Date('1997-01-01T00:00:00Z'), amount: 11.77 },
      { customerId: '00002', at: new Date('1997-01-12T00:00:00Z'), amount: 20.76 },
      { customerId: '00003', at: new Date('1997-01-02T00:00:00Z'), amount: 20.76 },
    ]);
  });

  it('reads the CDNOW sample layout (id new_id date quantity amount) and id-date pairs', () => {
    const sample = parseTransactions('4 1 19970101 2 29.33\n4 1 19970118 2 29.73\n');
    expect(sample.columns).toEqual({ customerId: 0, date: 2, amount: 4 });
    expect(sample.transactions[1]).toEqual({ customerId: '4', at: new Date('1997-01-18T00:00:00Z'), amount: 29.73 });
    const pairs = parseTransactions('a 2024-01-01\nb 2024-01-02\n');
    expect(pairs.columns).toEqual({ customerId: 0, date: 1, amount: null });
    expect(pairs.transactions).toHaveLength(2);
    const headerless = parseTransactions('a,2024-01-01,5\nb,2024-01-02,6\n');
    expect(headerless.layout).toBe('delimited');
    expect(headerless.transactions[1]).toEqual({ customerId: 'b', at: new Date('2024-01-02T00:00:00Z'), amount: 6 });
  });

  it('reports bad rows with their line number and skips them', () => {
    const text = [
      'customer_id,date,amount', // 1
      'a,2024-01-01,1', // 2
      '', // 3 (blank: ignored, still counted)
      'b,2024-02-30,1', // 4 impossible date
      ',2024-01-01,1', // 5 empty id
      'c,2024-01-01,-3', // 6 negative amount
      'd', // 7 too few columns
      'e,"2024-01-01,1', // 8 unterminated quote
      'f,,1', // 9 empty date
      'g,2024-01-03,1', // 10
    ].join('\n');
    const parsed = parseTransactions(text);
    expect(parsed.transactions.map((t) => t.customerId)).toEqual(['a', 'g']);
    expect(parsed.errors.map((e) => e.line)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(parsed.errors[0]?.message).toBe('"2024-02-30" is not a date (YYYY-MM-DD, YYYYMMDD or ISO-8601)');
    expect(parsed.errors[2]?.message).toContain('negative');
    expect(parsed.errorCount).toBe(6);
    expect(parsed.dataLines).toBe(8);
  });

  it('keeps at most maxErrors messages but counts every bad line', () => {
    const text = ['id,date', ...Array.from({ length: 50 }, (_, i) => `c${i},nope`)].join('\n');
    const parsed = parseTransactions(text, { maxErrors: 5 });
    expect(parsed.errors).toHaveLength(5);
    expect(parsed.errorCount).toBe(50);
    expect(parsed.transactions).toHaveLength(0);
  });

  it('fails as a whole on a header without id or date column, or an unreadable first line', () => {
    expect(() => parseTransactions('customer,amount\nc1,5\n')).toThrow(TransactionsFormatError);
    expect(() => parseTransactions('date,amount\n2024-01-01,5\n')).toThrow(/no customer id column/);
    expect(() => parseTransactions('hello world\n')).toThrow(/neither a header/);
  });

  it('ignores a byte-order mark and returns nothing for an empty file', () => {
    expect(parseTransactions('\ufeffid,date\nc1,2024-01-01\n').transactions).toHaveLength(1);
    const empty = parseTransactions('');
    expect(empty.transactions).toEqual([]);
    expect(empty.errorCount).toBe(0);
  });
});
