// Every workflow the worker registers.
export { alertDeliveryWorkflow } from './alert-delivery.ts';
export { churnScoringWorkflow } from './churn-scoring.ts';
export { inactivitySweepWorkflow } from './inactivity-sweep.ts';
export { journeyWorkflow } from './journey.ts';
export { surveySettleWorkflow } from './survey-settle.ts';
