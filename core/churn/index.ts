// Public surface of the churn model: the BG/NBD model (Fader, Hardie & Lee 2005), its maximum-likelihood
// fit, summary statistics from transactions, a seeded simulator, and the special functions they rest on;
// the transactions-file parser, holdout evaluation, and the explainable risk score built on the model.
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
export type { CalibrationSplit, FrequencyGroup, HoldoutCustomer, HoldoutEvaluation, RocAucs } from './evaluation.ts';
export { evaluateHoldout, pearsonCorrelation, rocAuc, splitAtCalibrationEnd } from './evaluation.ts';
export type { FitOptions, FitResult, StandardErrors } from './fit.ts';
export { fitBgNbd, standardErrors } from './fit.ts';
export type {
  ChooseModelOptions,
  EmailEngagement,
  ExternalScore,
  FactorContribution,
  ModelChoice,
  ModelOutputs,
  OpenTicket,
  OrderRhythm,
  Refund,
  RiskBand,
  RiskConfig,
  RiskFactor,
  RiskInput,
  RiskScore,
  SurveyAnswer,
} from './risk.ts';
export {
  bandOf,
  CDNOW_PRIOR_WEEKS,
  chooseModelParameters,
  computeModelOutputs,
  DEFAULT_RISK_CONFIG,
  HORIZON_DAYS,
  MAX_POINTS,
  MILD_DETRACTOR_POINTS,
  MIN_CUSTOMERS_TO_FIT,
  MIN_REPEAT_BUYERS_TO_FIT,
  meanOrderGapDays,
  priorParameters,
  RISK_FACTORS,
  rhythmFromOrderDates,
  rhythmFromSummary,
  scoreChurnRisk,
  typicalOrderGapDays,
} from './risk.ts';
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
export type {
  ParsedTransactions,
  ParseTransactionsOptions,
  TransactionLineError,
  TransactionsLayout,
} from './transactions-parser.ts';
export { parseTransactionDate, parseTransactions, TransactionsFormatError } from './transactions-parser.ts';
