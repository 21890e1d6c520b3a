// What an enrollment workflow is started with, and what it carries across continue-as-new. Part of the
// workflow's contract with its histories: a change here must keep old inputs readable.
import type { Command, EnrollmentState, JourneyEventInput } from './interpreter.ts';

export type JourneyWorkflowInput = {
  journeyKey: string;
  version: number;
  /** Internal customer id. */
  customerId: string;
  /** e.g. `order:1001`, `ticket:T-9`, or `customer`. */
  entityKey: string;
  triggerEventId: string | null;
  /** Control enrollments run the same path and are sent nothing (the holdout). */
  group?: 'treatment' | 'control';
  /** Continue as new once the history holds this many events (tests lower it). */
  historyLimit?: number;
  /** Set when continuing as new: where the previous run stopped. */
  carried?: CarriedState;
};

export type CarriedState = {
  state: EnrollmentState;
  seq: number;
  pending: Command[];
  inbox: JourneyEventInput[];
  seenEventIds: string[];
  paused: boolean;
};
