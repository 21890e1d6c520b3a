// Every workflow the worker registers.
export { inactivitySweepWorkflow } from './inactivity-sweep.ts';
export { journeyWorkflow } from './journey.ts';
