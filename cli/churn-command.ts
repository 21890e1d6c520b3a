// `aftercare churn fit|score|evaluate --transactions FILE [--calibration-end DATE] [--unit days|weeks]`:
// the BG/NBD model and the risk score on a file of (customer id, date, amount) rows, no database needed.
// The core modules load inside the actions, so `aftercare --help` stays quick. Calendar days are UTC.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { BgNbdParams } from '../core/churn/bgnbd.ts';
import type { LearnedRiskModel } from '../core/churn/risk-model.ts';
import type { CustomerRecord, TimeUnit, Transaction } from '../core/churn/summary.ts';
import { registerChurnRecompute } from './churn-recompute-command.ts';
import { fixed, int, isoDay, write } from './format.ts';
import { spendModelLines } from './spend-model-report.ts';

export interface ChurnCommandHooks {
  /** Builds the error that the CLI reports as bad input: exit code 2 and `aftercare: <message>`. */
  readonly usageError: (message: string) => Error;
  /** Marks the command as finished, so that the process exits. */
  readonly finished: () => void;
}

interface CommonOptions {
  transactions?: string;
  calibrationEnd?: string;
  unit?: string;
  horizon?: string;
}

interface ScoreOptions extends CommonOptions {
  limit?: string;
  format?: string;
}

interface LoadedTransactions {
  readonly file: string;
  readonly transactions: Transaction[];
  readonly unit: TimeUnit;
  readonly calibrationEnd: Date;
  /** H of the score: P(no order in the next H days). */
  readonly horizonDays: number;
  readonly firstDay: string;
  readonly lastDay: string;
  readonly calibrationEndGiven: boolean;
  readonly errorCount: number;
  readonly readMs: number;
}

const MAX_LINE_ERRORS_SHOWN = 10;

/** Adds `churn fit`, `churn score` and `churn evaluate` to the program. */
export function registerChurnCommands(program: Command, hooks: ChurnCommandHooks): void {
  const churn = program
    .command('churn')
    .description('the BG/NBD churn model on a transactions file (fit, score, evaluate), and a scoring run now (recompute)');
  const common = (command: Command) =>
    command
      .option('--transactions <file>', 'rows of customer id, date, amount (CSV with a header, or whitespace columns like CDNOW)')
      .option('--calibration-end <date>', 'last day of the calibration period (YYYY-MM-DD); default: the last transaction day')
      .option('--unit <unit>', 'time unit of the model: days or weeks', 'weeks')
      .option('--horizon <days>', 'H of the risk score, P(no order in the next H days)', '90');

  common(churn.command('fit').description('fit the model; print the parameters, the log-likelihood and the time taken')).action(
    async (options: CommonOptions) => {
      await fitCommand(await load(options, hooks, false));
      hooks.finished();
    },
  );

  common(churn.command('score').description('score every customer: P(alive), expected orders in 90 days, risk band'))
    .option('--limit <n>', 'print the N customers most at risk (0: all); default 20 for a table, all for CSV')
    .option('--format <format>', 'table or csv', 'table')
    .action(async (options: ScoreOptions) => {
      const format = options.format ?? 'table';
      if (format !== 'table' && format !== 'csv') throw hooks.usageError(`--format must be table or csv, not "${format}".`);
      let limit = format === 'csv' ? 0 : 20;
      if (options.limit !== undefined) {
        if (!/^\d+$/.test(options.limit)) throw hooks.usageError(`--limit must be a whole number, not "${options.limit}".`);
        limit = Number(options.limit);
      }
      await scoreCommand(await load(options, hooks, false), format, limit);
      hooks.finished();
    });

  registerChurnRecompute(churn, hooks);

  common(churn.command('evaluate').description('fit on the calibration period and compare predictions with the holdout period')).action(
    async (options: CommonOptions) => {
      await evaluateCommand(await load(options, hooks, true), hooks);
      hooks.finished();
    },
  );
}

async function load(options: CommonOptions, hooks: ChurnCommandHooks, needCalibrationEnd: boolean): Promise<LoadedTransactions> {
  const { parseTransactionDate, parseTransactions, TransactionsFormatError } = await import('../core/churn/transactions-parser.ts');
  const file = options.transactions;
  if (file === undefined || file === '') throw hooks.usageError('Name the transactions file with --transactions FILE.');
  const unit = options.unit ?? 'weeks';
  if (unit !== 'days' && unit !== 'weeks') throw hooks.usageError(`--unit must be days or weeks, not "${unit}".`);
  const horizon = options.horizon ?? '90';
  if (!/^\d+$/.test(horizon) || Number(horizon) < 1 || Number(horizon) > 730) {
    throw hooks.usageError(`--horizon must be a whole number of days from 1 to 730, not "${horizon}".`);
  }
  let calibrationEnd: Date | null = null;
  if (options.calibrationEnd !== undefined) {
    calibrationEnd = parseTransactionDate(options.calibrationEnd);
    if (calibrationEnd === null) {
      throw hooks.usageError(`--calibration-end "${options.calibrationEnd}" is not a date (use YYYY-MM-DD).`);
    }
  } else if (needCalibrationEnd) {
    throw hooks.usageError('evaluate needs --calibration-end DATE: the day that ends the calibration period and starts the holdout.');
  }

  const started = performance.now();
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw hooks.usageError(`The transactions file ${file} does not exist.`);
    if (code === 'EISDIR') throw hooks.usageError(`${file} is a directory, not a transactions file.`);
    if (code === 'EACCES' || code === 'EPERM') throw hooks.usageError(`The transactions file ${file} cannot be read (permission denied).`);
    throw hooks.usageError(`The transactions file ${file} cannot be read (${code ?? String(error)}).`);
  }
  let parsed: ReturnType<typeof parseTransactions>;
  try {
    parsed = parseTransactions(text);
  } catch (error) {
    if (error instanceof TransactionsFormatError) throw hooks.usageError(`${file}: ${error.message}`);
    throw error;
  }
  if (parsed.transactions.length === 0) {
    const first = parsed.errors[0];
    throw hooks.usageError(
      first === undefined
        ? `${file} has no transaction rows.`
        : `${file} has no valid transaction rows (${int(parsed.errorCount)} bad; line ${first.line}: ${first.message}).`,
    );
  }
  let firstMs = Number.POSITIVE_INFINITY;
  let lastMs = Number.NEGATIVE_INFINITY;
  for (const t of parsed.transactions) {
    const ms = t.at.getTime();
    if (ms < firstMs) firstMs = ms;
    if (ms > lastMs) lastMs = ms;
  }
  const firstDay = isoDay(new Date(firstMs));
  const lastDay = isoDay(new Date(lastMs));
  if (calibrationEnd !== null && isoDay(calibrationEnd) < firstDay) {
    throw hooks.usageError(`--calibration-end ${isoDay(calibrationEnd)} is before the first transaction in ${file} (${firstDay}).`);
  }
  if (needCalibrationEnd && calibrationEnd !== null && isoDay(calibrationEnd) >= lastDay) {
    throw hooks.usageError(
      `--calibration-end ${isoDay(calibrationEnd)} leaves no holdout period: the last transaction in ${file} is on ${lastDay}.`,
    );
  }
  // Only now that the input is known to be usable: report the skipped lines (a failure says one sentence).
  if (parsed.errorCount > 0) {
    const lines = [`Skipped ${int(parsed.errorCount)} bad line${parsed.errorCount === 1 ? '' : 's'} of ${file}:`];
    for (const error of parsed.errors.slice(0, MAX_LINE_ERRORS_SHOWN)) lines.push(`  line ${error.line}: ${error.message}`);
    if (parsed.errorCount > MAX_LINE_ERRORS_SHOWN) lines.push(`  ... and ${int(parsed.errorCount - MAX_LINE_ERRORS_SHOWN)} more`);
    process.stderr.write(`${lines.join('\n')}\n`);
  }
  return {
    file,
    transactions: parsed.transactions,
    unit,
    calibrationEnd: calibrationEnd ?? new Date(lastMs),
    horizonDays: Number(horizon),
    calibrationEndGiven: calibrationEnd !== null,
    firstDay,
    lastDay,
    errorCount: parsed.errorCount,
    readMs: performance.now() - started,
  };
}

function describeInput(data: LoadedTransactions, customers: number): string {
  const skipped = data.errorCount > 0 ? `, ${int(data.errorCount)} bad line${data.errorCount === 1 ? '' : 's'} skipped` : '';
  return `${data.file}: ${int(data.transactions.length)} transactions of ${int(customers)} customers, ${data.firstDay} to ${data.lastDay}${skipped}`;
}

function paramsLine(params: BgNbdParams): string {
  return `r ${fixed(params.r, 4)}, alpha ${fixed(params.alpha, 4)}, a ${fixed(params.a, 4)}, b ${fixed(params.b, 4)}`;
}

async function fitCommand(data: LoadedTransactions): Promise<void> {
  const { summarizeTransactions } = await import('../core/churn/summary.ts');
  const { fitBgNbd, standardErrors } = await import('../core/churn/fit.ts');
  const { chooseModelParameters } = await import('../core/churn/model-choice.ts');
  const t0 = performance.now();
  const summary = summarizeTransactions(data.transactions, { calibrationEnd: data.calibrationEnd, unit: data.unit });
  const rows = summary.customers;
  const t1 = performance.now();
  const fit = fitBgNbd(rows);
  const t2 = performance.now();
  const errors = fit.converged ? standardErrors(fit.params, rows) : null;
  const repeatBuyers = rows.filter((c) => c.x > 0).length;
  const choice = chooseModelParameters(rows, { unit: data.unit, fit });
  const se = (key: keyof BgNbdParams) => (errors ? `  (standard error ${fixed(errors.params[key], 4)})` : '');
  const lines = [
    describeInput(data, rows.length + summary.excludedCustomerIds.length),
    `Calibration end: ${isoDay(data.calibrationEnd)}${data.calibrationEndGiven ? '' : ' (the last transaction day)'}; time unit: ${data.unit}`,
    `Customers: ${int(rows.length)}; repeat buyers: ${int(repeatBuyers)} (${fixed((100 * repeatBuyers) / Math.max(rows.length, 1), 1)}%); distinct (x, t_x, T) rows: ${int(fit.distinctRows)}`,
    '',
    `BG/NBD parameters (maximum likelihood, time in ${data.unit}):`,
    `  r      ${fixed(fit.params.r, 6)}${se('r')}`,
    `  alpha  ${fixed(fit.params.alpha, 6)}${se('alpha')}`,
    `  a      ${fixed(fit.params.a, 6)}${se('a')}`,
    `  b      ${fixed(fit.params.b, 6)}${se('b')}`,
    `Log-likelihood: ${fixed(fit.logLikelihood, 4)} (${fixed(fit.logLikelihood / Math.max(fit.customers, 1), 6)} per customer)`,
    `Converged: ${fit.converged ? 'yes' : `no (${fit.stopReason})`}; ${fit.iterations} BFGS iterations, ${fit.functionEvaluations} likelihood evaluations`,
    `Time: fit ${fixed(t2 - t1, 1)} ms; read and parse ${fixed(data.readMs, 1)} ms; summarize ${fixed(t1 - t0, 1)} ms`,
  ];
  if (choice.source === 'prior') lines.push('', `Scoring would not use this fit: ${choice.reason}`);
  lines.push('', ...(await spendModelLines(rows)));
  await write(`${lines.join('\n')}\n`);
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * Every customer of the file scored as of `now`, as the product scores them: the BG/NBD parameters fitted to
 * the orders up to `now` (or the fallback), the score's weights learned by the backtest at now - H, and
 * the Gamma-Gamma spend model for the predicted value and the value at risk.
 */
async function scoreAsOf(data: LoadedTransactions, customers: readonly CustomerRecord[], now: Date, params: BgNbdParams) {
  const { rhythmFromSummary, typicalOrderGapDays } = await import('../core/churn/order-rhythm.ts');
  const { computeModelOutputs } = await import('../core/churn/customer-forecast.ts');
  const { scoreChurnRisk } = await import('../core/churn/risk-score.ts');
  const { learnRiskModelFromTransactions } = await import('../core/churn/risk-backtest.ts');
  const { fitSpendModel, customerValue } = await import('../core/churn/customer-value.ts');
  const t0 = performance.now();
  const learned = learnRiskModelFromTransactions(data.transactions, { now, horizonDays: data.horizonDays, unit: data.unit });
  const spend = fitSpendModel(customers);
  const t1 = performance.now();
  const rhythms = customers.map((c) => rhythmFromSummary(c, data.unit));
  const typicalGapDays = typicalOrderGapDays(rhythms);
  const scored = customers.map((customer, i) => {
    const rhythm = rhythms[i] as (typeof rhythms)[number];
    const model = computeModelOutputs(params, data.unit, rhythm, now, data.horizonDays);
    const result = scoreChurnRisk({ now, rhythm, model, typicalGapDays, riskModel: learned.model });
    const value = spend
      ? customerValue(spend, customer.x, customer.meanRepeatSpend, model.expectedOrders365, result.probabilityNoOrder)
      : null;
    return { customer, rhythm, result, value };
  });
  const t2 = performance.now();
  return { learned, spend, scored, typicalGapDays, learnMs: t1 - t0, scoreMs: t2 - t1 };
}

/** The backtest's weights and figures in words (`churn score` and `churn evaluate`). */
function backtestLines(learned: LearnedRiskModel): string[] {
  const b = learned.backtest;
  const pct = (v: number | null) => (v === null ? 'n/a' : `${fixed(100 * v, 0)}%`);
  const lines = [
    `Risk score weights: ${learned.model.source === 'backtest' ? 'learned by the backtest' : 'the fallback'}. ${learned.model.reason}`,
  ];
  if (b) {
    lines.push(
      `Backtest holdout (${int(b.holdoutCustomers)} customers as of ${b.cutoff}, ${int(b.holdoutNoOrder)} with no order in the next ${b.horizonDays} days): ROC AUC score ${fixed(b.auc.score ?? Number.NaN, 3)}, recency ${fixed(b.auc.recency ?? Number.NaN, 3)}, BG/NBD P(no order) ${fixed(b.auc.modelNoOrder ?? Number.NaN, 3)}; the score ranks ${pct(b.auc.score)} of pairs correctly, recency alone ${pct(b.auc.recency)}; Brier ${fixed(b.brier.score ?? Number.NaN, 4)} (base rate ${fixed(b.brier.baseRate ?? Number.NaN, 4)})`,
      `Calibration by decile (predicted -> observed no-order share): ${b.calibration.map((d) => `${fixed(100 * d.meanPredicted, 0)}->${fixed(100 * d.observed, 0)}`).join(', ')}`,
    );
  }
  return lines;
}

const money = (value: number | null | undefined) =>
  value === null || value === undefined || !Number.isFinite(value) ? '' : value.toFixed(2);

async function scoreCommand(data: LoadedTransactions, format: 'table' | 'csv', limit: number): Promise<void> {
  const { summarizeTransactions, MS_PER_DAY } = await import('../core/churn/summary.ts');
  const { chooseModelParameters } = await import('../core/churn/model-choice.ts');
  const t0 = performance.now();
  const summary = summarizeTransactions(data.transactions, { calibrationEnd: data.calibrationEnd, unit: data.unit });
  const choice = chooseModelParameters(summary.customers, { unit: data.unit });
  const t1 = performance.now();
  const now = data.calibrationEnd;
  const { scored, typicalGapDays, learned, learnMs, scoreMs } = await scoreAsOf(data, summary.customers, now, choice.params);
  scored.sort((p, q) => q.result.score - p.result.score || (p.customer.customerId < q.customer.customerId ? -1 : 1));
  const shown = limit > 0 ? scored.slice(0, limit) : scored;
  const lastOrder = (firstPurchaseDate: string, rhythm: (typeof scored)[number]['rhythm']) =>
    isoDay(new Date(Date.parse(firstPurchaseDate) + (rhythm.daysSinceFirstOrder - rhythm.daysSinceLastOrder) * MS_PER_DAY));

  if (format === 'csv') {
    const h = data.horizonDays;
    const lines = [
      `customer_id,orders,first_order,last_order,days_since_last_order,p_alive,expected_orders_${h}d,p_order_${h}d,next_order_date,risk_score,band,reasons,p_no_order_${h}d,predicted_value_365d,value_at_risk`,
    ];
    for (const { customer, rhythm, result, value } of shown) {
      const model = result.model;
      lines.push(
        [
          csvField(customer.customerId),
          String(rhythm.orderDays),
          customer.firstPurchaseDate,
          lastOrder(customer.firstPurchaseDate, rhythm),
          String(rhythm.daysSinceLastOrder),
          model ? model.pAlive.toFixed(4) : '',
          model ? model.expectedOrders90.toFixed(4) : '',
          model ? model.pOrder90.toFixed(4) : '',
          model?.nextOrderDate ? isoDay(model.nextOrderDate) : '',
          result.score.toFixed(1),
          result.band,
          csvField(result.reasons.join('; ')),
          result.probabilityNoOrder.toFixed(4),
          money(value?.predictedValue),
          money(value?.valueAtRisk),
        ].join(','),
      );
    }
    await write(`${lines.join('\n')}\n`);
    return;
  }

  const bands = { high: 0, medium: 0, low: 0 };
  for (const { result } of scored) bands[result.band]++;
  const header = [
    'customer',
    'orders',
    'last order',
    'days since',
    'P(alive)',
    'E[orders 90d]',
    'next order',
    'risk',
    'band',
    'top reason',
  ];
  const rows = shown.map(({ customer, rhythm, result }) => [
    customer.customerId,
    String(rhythm.orderDays),
    lastOrder(customer.firstPurchaseDate, rhythm),
    String(rhythm.daysSinceLastOrder),
    result.model ? fixed(result.model.pAlive, 3) : '',
    result.model ? fixed(result.model.expectedOrders90, 2) : '',
    result.model?.nextOrderDate ? isoDay(result.model.nextOrderDate) : '-',
    fixed(result.score, 0),
    result.band,
    result.reasons[0] ?? '',
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => (row[c] as string).length)));
  const numeric = new Set([1, 3, 4, 5, 7]);
  const format_ = (cells: string[]) =>
    cells
      .map((cell, c) =>
        c === cells.length - 1 ? cell : numeric.has(c) ? cell.padStart(widths[c] as number) : cell.padEnd(widths[c] as number),
      )
      .join('  ');
  const source =
    choice.source === 'fit'
      ? `parameters fitted to this file (${paramsLine(choice.params)}; time in ${data.unit})`
      : `the published CDNOW parameters (${paramsLine(choice.params)}; time in ${data.unit}): ${choice.reason}`;
  const lines = [
    describeInput(data, summary.customers.length + summary.excludedCustomerIds.length),
    `Scored ${int(scored.length)} customers as of ${isoDay(now)} with ${source}`,
    `Typical gap between orders: ${typicalGapDays === null ? 'unknown (nobody ordered twice)' : `${fixed(typicalGapDays, 0)} day${Math.round(typicalGapDays) === 1 ? '' : 's'}`}; time: fit ${fixed(t1 - t0, 0)} ms, backtest ${fixed(learnMs, 0)} ms, scoring ${fixed(scoreMs, 0)} ms (${int(scored.length / Math.max(scoreMs / 1000, 1e-9))} customers/s)`,
    `The risk score is 100 x P(no order in the next ${data.horizonDays} days): a 70 means about a 70% chance of no order.`,
    ...backtestLines(learned),
    `Bands: high ${int(bands.high)}, medium ${int(bands.medium)}, low ${int(bands.low)}`,
    '',
    limit > 0 && scored.length > limit
      ? `The ${int(shown.length)} most at risk (--limit 0 for all, --format csv for a file):`
      : 'Customers by risk:',
    format_(header),
    ...rows.map(format_),
  ];
  await write(`${lines.join('\n')}\n`);
}

async function evaluateCommand(data: LoadedTransactions, hooks: ChurnCommandHooks): Promise<void> {
  const { splitAtCalibrationEnd, evaluateHoldout } = await import('../core/churn/evaluation.ts');
  const { chooseModelParameters } = await import('../core/churn/model-choice.ts');
  let split: ReturnType<typeof splitAtCalibrationEnd>;
  try {
    split = splitAtCalibrationEnd(data.transactions, data.calibrationEnd, { unit: data.unit });
  } catch (error) {
    if (error instanceof RangeError) throw hooks.usageError(`Cannot split at --calibration-end: ${error.message}.`);
    throw error;
  }
  const { summary } = split;
  const t0 = performance.now();
  const choice = chooseModelParameters(summary.customers, { unit: data.unit });
  const fitMs = performance.now() - t0;
  const evaluation = evaluateHoldout(choice.params, summary.customers, summary.holdoutLength, data.unit);
  // The score as the product would have computed it at the calibration end: the same fit, the weights of
  // the backtest at the calibration end - H, from the transactions up to the calibration end only.
  const { rocAuc } = await import('../core/churn/evaluation.ts');
  const asOf = await scoreAsOf(data, summary.customers, data.calibrationEnd, choice.params);
  const scoreAuc = rocAuc(
    asOf.scored.map((s) => s.result.probabilityNoOrder),
    asOf.scored.map((s) => s.customer.holdoutPurchases === 0),
  );
  const holdoutStart = isoDay(new Date(Date.parse(isoDay(data.calibrationEnd)) + 86_400_000));
  const change =
    evaluation.totalActual > 0 ? (100 * (evaluation.totalPredicted - evaluation.totalActual)) / evaluation.totalActual : Number.NaN;
  const excluded = summary.excludedCustomerIds.length;
  const lines = [
    describeInput(data, summary.customers.length + excluded),
    `Calibration: ${data.firstDay} to ${isoDay(data.calibrationEnd)}, ${int(summary.customers.length)} customers${excluded > 0 ? ` (${int(excluded)} who first bought in the holdout are left out)` : ''}`,
    `Holdout: ${holdoutStart} to ${isoDay(split.observationEnd)} (${fixed(summary.holdoutLength, 2)} ${data.unit})`,
    choice.source === 'fit'
      ? `Fitted on the calibration period in ${fixed(fitMs, 0)} ms: ${paramsLine(choice.params)} (log-likelihood ${fixed(choice.fit?.logLikelihood ?? Number.NaN, 2)})`
      : `Using the published CDNOW parameters (${paramsLine(choice.params)}): ${choice.reason}`,
    '',
    `Repeat purchases in the holdout: actual ${int(evaluation.totalActual)}, predicted ${fixed(evaluation.totalPredicted, 1)} (${Number.isFinite(change) ? `${change >= 0 ? '+' : ''}${fixed(change, 1)}%` : 'n/a'})`,
    `Per-customer correlation of predicted and actual: ${fixed(evaluation.correlation, 3)}`,
    '',
    'Mean holdout purchases by calibration repeat purchases:',
    `  ${'x'.padEnd(4)}${'customers'.padStart(11)}${'actual'.padStart(10)}${'predicted'.padStart(11)}`,
    ...evaluation.byFrequency.map(
      (g) =>
        `  ${g.frequency.padEnd(4)}${int(g.customers).padStart(11)}${fixed(g.meanActual, 3).padStart(10)}${fixed(g.meanPredicted, 3).padStart(11)}`,
    ),
    '',
    `ROC AUC for "no purchase in the holdout" (${int(evaluation.auc.positives)} of ${int(evaluation.customers)} customers bought nothing):`,
    `  1 - P(alive)                         ${fixed(evaluation.auc.model, 3)}`,
    `  recency (days since last purchase)   ${fixed(evaluation.auc.recency, 3)}`,
    `  model P(no purchase in the holdout)  ${fixed(evaluation.auc.modelNoPurchase, 3)}`,
    `  risk score (P(no order in ${data.horizonDays} days)) ${fixed(scoreAuc, 3)}`,
    '  (1 - P(alive) ties every customer without a repeat purchase at 0; the model line also uses the purchase rate; the risk score',
    `  is computed as of the calibration end as the product would: weights learned by the backtest at ${isoDay(new Date(Date.parse(isoDay(data.calibrationEnd)) - data.horizonDays * 86_400_000))}.)`,
    '',
    ...backtestLines(asOf.learned),
  ];
  await write(`${lines.join('\n')}\n`);
}
