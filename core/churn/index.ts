// Public surface of the churn model: the BG/NBD model (Fader, Hardie & Lee 2005), its maximum-likelihood
// fit, summary statistics from transactions, a seeded simulator, and the special functions they rest on.
// Pure and synchronous: no I/O, no database, no clocks.
export type {
  BgNbdParams,
  CustomerSummary,
  LogLikelihoodAndGradient,
  PreparedSummaries,
  WeightedCustomerSummary,
} from './bgnbd.ts';
export {
  collapseSummaries,
  customerLogLikelihood,
  expectedPurchasesInNext,
  expectedPurchasesNewCustomer,
  logLikelihoodAndGradient,
  prepareSummaries,
  probabilityAlive,
  probabilityOfNPurchases,
  probabilityOfPurchaseWithin,
  timeUntilNextPurchase,
  totalLogLikelihood,
  validateParams,
  validateSummary,
} from './bgnbd.ts';
export type { FitOptions, FitResult, StandardErrors } from './fit.ts';
export { fitBgNbd, standardErrors } from './fit.ts';
export type { Hyp2f1Options } from './special-functions.ts';
export {
  digamma,
  gamma,
  hyp2f1,
  logBeta,
  logGamma,
  regularizedIncompleteBeta,
} from './special-functions.ts';
export type {
  CustomerRecord,
  NextPurchaseDateOptions,
  SummaryOptions,
  TimeUnit,
  Transaction,
  TransactionSummary,
} from './summary.ts';
export { addPeriods, createCalendarDay, nextPurchaseDate, summarizeTransactions } from './summary.ts';
export type {
  Random,
  SimulatedCustomer,
  SimulatedTransactions,
  SimulateSummariesOptions,
  SimulateTransactionsOptions,
} from './synthetic.ts';
export {
  createRandom,
  sampleBeta,
  sampleExponential,
  sampleGamma,
  sampleLogGamma,
  sampleStandardNormal,
  simulatePurchaseTimes,
  simulateSummaries,
  simulateTransactions,
  xoshiro128StarStar,
} from './synthetic.ts';
