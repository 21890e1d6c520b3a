// `aftercare churn fit|score|evaluate` through the real CLI, on transactions drawn from the BG/NBD process
// with known parameters, written as a CSV with a header (and two bad lines) and in the CDNOW layout.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRandom, simulateTransactions } from '../../core/churn/synthetic.ts';
import { runCli } from '../support/cli.ts';

const TRUTH = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const CUSTOMERS = 3000;

/** One line on stderr: `aftercare: <sentence>`. */
const ONE_SENTENCE = /^aftercare: [^\n]+[.)]\n$/;

describe('aftercare churn', () => {
  let dir = '';
  let csv = '';
  let cdnow = '';
  const day = (date: Date) => date.toISOString().slice(0, 10);
  const { transactions } = simulateTransactions(TRUTH, {
    customers: CUSTOMERS,
    start: new Date('2024-01-01T00:00:00Z'),
    acquisitionPeriods: 12,
    end: new Date('2025-06-30T23:00:00Z'),
    random: createRandom(20261123),
    amount: (random) => Math.round(500 + random() * 9500) / 100,
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aftercare-churn-'));
    const rows = transactions.map((t) => `${t.customerId},${day(t.at)},${t.amount}`);
    // line 1 is the header; the bad rows land on lines 3 and 7
    rows.splice(1, 0, 'c-bad,2024-02-30,5.00');
    rows.splice(5, 0, 'c0001,2024-03-01,abc');
    csv = join(dir, 'orders.csv');
    await writeFile(csv, ['customer_id,order_date,amount', ...rows].join('\n'));
    cdnow = join(dir, 'cdnow.txt');
    await writeFile(cdnow, `${transactions.map((t) => `${t.customerId} ${day(t.at).replace(/-/g, '')} 1 ${t.amount}`).join('\n')}\n`);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('fit prints the parameters near the truth, the log-likelihood and the time, and reports the bad lines', async () => {
    const [fromCsv, fromCdnow] = await Promise.all([
      runCli(['churn', 'fit', '--transactions', csv], {}),
      runCli(['churn', 'fit', '--transactions', cdnow], {}),
    ]);
    expect(fromCsv.code, fromCsv.stderr).toBe(0);
    const value = (name: string) => Number(new RegExp(`^  ${name}\\s+([\\d.,]+)`, 'm').exec(fromCsv.stdout)?.[1]?.replace(/,/g, ''));
    // 3,000 customers: standard errors of roughly 4% (r, α) and 20-30% (a, b)
    expect(Math.abs(value('r') / TRUTH.r - 1)).toBeLessThan(0.2);
    expect(Math.abs(value('alpha') / TRUTH.alpha - 1)).toBeLessThan(0.25);
    expect(Math.abs(value('a') / TRUTH.a - 1)).toBeLessThan(0.6);
    expect(Math.abs(value('b') / TRUTH.b - 1)).toBeLessThan(0.6);
    expect(fromCsv.stdout).toMatch(/^Log-likelihood: -[\d,]+\.\d+ /m);
    expect(fromCsv.stdout).toMatch(/^Converged: yes/m);
    expect(fromCsv.stdout).toMatch(/^Time: fit [\d.,]+ ms/m);
    expect(fromCsv.stdout).toContain(
      `${transactions.length.toLocaleString('en-US')} transactions of ${CUSTOMERS.toLocaleString('en-US')} customers`,
    );
    expect(fromCsv.stderr).toContain('Skipped 2 bad lines');
    expect(fromCsv.stderr).toContain('line 3: "2024-02-30" is not a date');
    expect(fromCsv.stderr).toContain('line 7: "abc" is not an amount');
    // the CDNOW layout of the same orders fits to the same likelihood
    expect(fromCdnow.code, fromCdnow.stderr).toBe(0);
    expect(fromCdnow.stderr).toBe('');
    const logLikelihood = (out: string) => /^Log-likelihood: (\S+)/m.exec(out)?.[1];
    expect(logLikelihood(fromCdnow.stdout)).toBe(logLikelihood(fromCsv.stdout));
    // Then the Gamma-Gamma spend model, after every BG/NBD line. These amounts are uniform on [5, 100]
    // whoever buys: no customer spends more than another but by chance, so the fit's q and v run off to
    // infinity, and it says so. (The CDNOW test below is the case of a fit that converges.)
    const lines = fromCsv.stdout.trimEnd().split('\n');
    const spendHeader = lines.findIndex((line) => line.startsWith('Gamma-Gamma spend model'));
    expect(spendHeader).toBeGreaterThan(lines.findIndex((line) => line.startsWith('Time: fit')));
    expect(lines[spendHeader - 1]).toBe('');
    const repeatBuyers = /repeat buyers: ([\d,]+)/.exec(fromCsv.stdout)?.[1];
    expect(lines[spendHeader]).toBe(
      `Gamma-Gamma spend model (maximum likelihood on ${repeatBuyers} repeat customers' mean order value, first order excluded):`,
    );
    expect(lines.slice(spendHeader + 1, spendHeader + 4).map((line) => line.slice(0, 9))).toEqual(['  p      ', '  q      ', '  v      ']);
    expect(fromCsv.stdout).toMatch(/^Spend fit: log-likelihood -[\d,]+\.\d{4}; converged: no \((line-search|stalled|boundary)\)/m);
    expect(fromCsv.stdout).toMatch(
      /^The fit ran off to q, v -> infinity: it finds no difference between the customers' spend beyond chance/m,
    );
    const meanLine = /^Mean order value: ([\d.]+) expected \(p·v\/\(q-1\)\); ([\d.]+) observed/m.exec(fromCsv.stdout);
    expect(Math.abs(Number(meanLine?.[1]) / Number(meanLine?.[2]) - 1)).toBeLessThan(0.05);
    expect(Math.abs(Number(meanLine?.[2]) - 52.5)).toBeLessThan(2.5);
  });

  it('fit finds the published BG/NBD and Gamma-Gamma parameters on the CDNOW 1/10 sample', async () => {
    // Fader, Hardie & Lee (2005): r = 0.243, α = 4.414, a = 0.793, b = 2.426; Fader & Hardie (2013):
    // p = 6.25, q = 3.74, γ = 15.44 (946 repeat customers, weeks 1-39, the first purchase excluded).
    const file = fileURLToPath(new URL('../fixtures/cdnow/CDNOW_sample.txt', import.meta.url));
    const result = await runCli(['churn', 'fit', '--transactions', file, '--calibration-end', '1997-09-30'], {});
    expect(result.code, result.stderr).toBe(0);
    const out = result.stdout;
    const value = (name: string) => Number(new RegExp(`^  ${name}\\s+([\\d.,]+)`, 'm').exec(out)?.[1]?.replace(/,/g, ''));
    const standardError = (name: string) =>
      Number(new RegExp(`^  ${name}\\s+[\\d.,]+  \\(standard error ([\\d.]+)\\)$`, 'm').exec(out)?.[1]);
    expect(out).toMatch(/^Customers: 2,357; repeat buyers: 946 /m);
    expect([value('r').toFixed(3), value('alpha').toFixed(3), value('a').toFixed(3), value('b').toFixed(3)]).toEqual([
      '0.243',
      '4.414',
      '0.793',
      '2.426',
    ]);
    expect(out).toMatch(
      /^Gamma-Gamma spend model \(maximum likelihood on 946 repeat customers' mean order value, first order excluded\):$/m,
    );
    expect([value('p').toFixed(2), value('q').toFixed(2), value('v').toFixed(2)]).toEqual(['6.25', '3.74', '15.44']);
    // standard errors from the observed information (scipy on the same data: 1.19, 0.290, 4.16)
    expect([standardError('p').toFixed(2), standardError('q').toFixed(2), standardError('v').toFixed(2)]).toEqual(['1.19', '0.29', '4.16']);
    expect(out).toMatch(/^Mean order value: 35\.17 expected \(p·v\/\(q-1\)\); 35\.08 observed \(mean of the customers' means\)$/m);
    // the maximum log-likelihood CLVTools' tests give for this model and sample
    expect(out).toMatch(/^Spend fit: log-likelihood -4,055\.9177; converged: yes; /m);
  });

  it('score prints the customers most at risk, as a table or as CSV', async () => {
    const [table, csvOut] = await Promise.all([
      runCli(['churn', 'score', '--transactions', csv, '--limit', '5'], {}),
      runCli(['churn', 'score', '--transactions', csv, '--format', 'csv', '--unit', 'days'], {}),
    ]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^Scored 3,000 customers as of 2025-06-30 with parameters fitted to this file/m);
    expect(table.stdout).toMatch(/^Bands: high [\d,]+, medium [\d,]+, low [\d,]+$/m);
    const lines = table.stdout.trimEnd().split('\n');
    const header = lines.findIndex((line) => line.startsWith('customer  orders'));
    const rows = lines.slice(header + 1);
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(row).toMatch(/^c\d{4}\s+\d+\s+\d{4}-\d\d-\d\d\s+\d+\s+[\d.]+\s+[\d.]+\s+\S+\s+\d+\s+high\s+\S/);

    expect(csvOut.code, csvOut.stderr).toBe(0);
    const records = csvOut.stdout.trimEnd().split('\n');
    expect(records[0]).toBe(
      'customer_id,orders,first_order,last_order,days_since_last_order,p_alive,expected_orders_90d,p_order_90d,next_order_date,risk_score,band,reasons,p_no_order_90d,predicted_value_365d,value_at_risk',
    );
    expect(records).toHaveLength(CUSTOMERS + 1);
    const scores = records.slice(1).map((record) => Number(record.split(',')[9]));
    for (let i = 1; i < scores.length; i++) expect(scores[i]).toBeLessThanOrEqual(scores[i - 1] as number);
    const bands = new Set(records.slice(1).map((record) => record.split(',')[10]));
    expect([...bands].sort()).toEqual(['high', 'low', 'medium']);
    const c0001 = records.find((record) => record.startsWith('c0001,'));
    const orderDays = new Set(transactions.filter((t) => t.customerId === 'c0001').map((t) => day(t.at))).size;
    expect(c0001?.split(',')[1]).toBe(String(orderDays));
    // The score is 100 x P(no order in 90 days); the value at risk is the predicted value x that probability.
    for (const record of records.slice(1, 200)) {
      const fields = record.split(',');
      const [pNoOrder, predicted, atRisk] = fields.slice(-3).map(Number) as [number, number, number];
      expect(Number(fields[9])).toBeCloseTo(100 * pNoOrder, 0);
      expect(predicted).toBeGreaterThanOrEqual(0);
      expect(atRisk).toBeCloseTo(predicted * pNoOrder, 1);
    }
  });

  it('evaluate compares the holdout predictions with what happened', async () => {
    const result = await runCli(['churn', 'evaluate', '--transactions', csv, '--calibration-end', '2024-12-31'], {});
    expect(result.code, result.stderr).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/^Holdout: 2025-01-01 to 2025-06-30 \(25\.86 weeks\)$/m);
    // the actual total is what the transactions say: purchase days after the calibration end of customers
    // who had bought by then
    const firstDay = new Map<string, string>();
    for (const t of transactions) {
      const d = day(t.at);
      if (!firstDay.has(t.customerId) || d < (firstDay.get(t.customerId) as string)) firstDay.set(t.customerId, d);
    }
    const holdoutDays = new Set(
      transactions
        .filter((t) => day(t.at) > '2024-12-31' && (firstDay.get(t.customerId) as string) <= '2024-12-31')
        .map((t) => `${t.customerId} ${day(t.at)}`),
    );
    const totals = /^Repeat purchases in the holdout: actual ([\d,]+), predicted ([\d,.]+) /m.exec(out);
    expect(Number(totals?.[1]?.replace(/,/g, ''))).toBe(holdoutDays.size);
    const predicted = Number(totals?.[2]?.replace(/,/g, ''));
    expect(Math.abs(predicted / holdoutDays.size - 1)).toBeLessThan(0.25);
    const correlation = Number(/^Per-customer correlation of predicted and actual: ([\d.]+)/m.exec(out)?.[1]);
    expect(correlation).toBeGreaterThan(0.4);
    for (const group of ['0', '1', '2', '3', '4', '5', '6', '7+'])
      expect(out).toMatch(new RegExp(`^  ${group.replace('+', '\\+')}\\s+[\\d,]+\\s+[\\d.]+\\s+[\\d.]+$`, 'm'));
    const auc = (label: string) => Number(new RegExp(`^  ${label}\\s+([\\d.]+)$`, 'm').exec(out)?.[1]);
    expect(auc('recency \\(days since last purchase\\)')).toBeGreaterThan(0.6);
    expect(auc('model P\\(no purchase in the holdout\\)')).toBeGreaterThan(0.6);
    expect(auc('1 - P\\(alive\\)')).toBeGreaterThan(0);
    // The risk score, computed as of the calibration end as the product would, ranks at least as well as recency.
    expect(auc('risk score \\(P\\(no order in 90 days\\)\\)')).toBeGreaterThanOrEqual(auc('recency \\(days since last purchase\\)'));
    expect(out).toMatch(
      /^Backtest holdout \([\d,]+ customers as of 2024-10-02, [\d,]+ with no order in the next 90 days\): ROC AUC score 0\.\d{3}, recency 0\.\d{3}/m,
    );
  });

  it('evaluate on the CDNOW 1/10 sample: the risk score ranks at least as well as recency (0.771)', async () => {
    const file = fileURLToPath(new URL('../fixtures/cdnow/CDNOW_sample.txt', import.meta.url));
    const result = await runCli(['churn', 'evaluate', '--transactions', file, '--calibration-end', '1997-09-30'], {});
    expect(result.code, result.stderr).toBe(0);
    const auc = (label: string) => Number(new RegExp(`^  ${label}\\s+([\\d.]+)$`, 'm').exec(result.stdout)?.[1]);
    const recency = auc('recency \\(days since last purchase\\)');
    expect(recency).toBeCloseTo(0.771, 3);
    expect(auc('risk score \\(P\\(no order in 90 days\\)\\)')).toBeGreaterThanOrEqual(recency);
    expect(result.stdout).toMatch(/^Risk score weights: learned by the backtest\. Learned from [\d]+ customers as of 1997-07-02/m);
  });

  it('says in one sentence what is wrong with bad input, with exit code 2', async () => {
    const noRows = join(dir, 'no-rows.csv');
    await writeFile(noRows, 'customer_id,date\nc1,2024-13-01\nc2,yesterday\n');
    const noHeader = join(dir, 'no-header.csv');
    await writeFile(noHeader, 'name,amount\nx,1\n');
    const cases: [string[], RegExp][] = [
      [['churn', 'fit'], /Name the transactions file with --transactions FILE/],
      [['churn', 'fit', '--transactions', join(dir, 'missing.csv')], /missing\.csv does not exist/],
      [['churn', 'score', '--transactions', dir], /is a directory/],
      [['churn', 'fit', '--transactions', noRows], /no valid transaction rows \(2 bad; line 2: "2024-13-01" is not a date/],
      [['churn', 'fit', '--transactions', noHeader], /names no customer id column/],
      [['churn', 'evaluate', '--transactions', csv], /evaluate needs --calibration-end/],
      [['churn', 'evaluate', '--transactions', csv, '--calibration-end', '31/12/2024'], /--calibration-end "31\/12\/2024" is not a date/],
      [['churn', 'evaluate', '--transactions', csv, '--calibration-end', '2025-06-30'], /leaves no holdout period/],
      [['churn', 'fit', '--transactions', csv, '--calibration-end', '2023-01-01'], /is before the first transaction/],
      [['churn', 'fit', '--transactions', csv, '--unit', 'months'], /--unit must be days or weeks/],
      [['churn', 'score', '--transactions', csv, '--limit', 'ten'], /--limit must be a whole number/],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args, {})));
    results.forEach((result, i) => {
      const [args, message] = cases[i] as [string[], RegExp];
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(ONE_SENTENCE);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stdout, args.join(' ')).toBe('');
    });
  });
});
