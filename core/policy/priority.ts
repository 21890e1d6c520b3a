// Priority between journeys: when messages of several journeys are due for one customer within the
// decision window, the highest priority takes the slot. A capped send that could meet another journey's
// message first waits out its window (its "intent" is visible to the others meanwhile), then goes
// unless an open intent of higher rank is due by then; the outranked one waits for that one's decision
// and is then decided against the caps, which by then count the winner. A message already sent counts
// against the caps whatever its priority: priority orders messages still to be decided, it never
// recalls one.
import { decideSend, type SendRequest } from './send-policy.ts';

/** A capped message due for a customer and not yet decided. */
export type SendIntent = {
  /** Unique per send: the enrollment and step. */
  key: string;
  priority: number;
  /** When it became due (moved on by a deferral: the next moment it may go). */
  dueAt: number;
};

/**
 * How long after its decision an intent still holds others back. An enrollment held by a pause never
 * comes back to decide; after this long, its intent no longer blocks anyone.
 */
export const STALE_INTENT_MS = 15 * 60_000;

/** How long an outranked send waits after the winner's decision, for the winner's send to be recorded. */
export const AFTER_WINNER_MS = 60_000;

/** Higher priority first; between equals, the one due first; then a fixed order, so that the rank is total. */
export function outranks(a: SendIntent, b: SendIntent): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  if (a.dueAt !== b.dueAt) return a.dueAt < b.dueAt;
  return a.key < b.key;
}

export type PriorityVerdict =
  /** Still inside its window: come back when it closes. */
  | { kind: 'wait'; until: number }
  /** An open intent of higher rank decides first: come back after its decision. */
  | { kind: 'outranked'; until: number; by: SendIntent }
  /** Nothing of higher rank is due: decide against quiet hours and the caps now. */
  | { kind: 'decide' };

/**
 * The priority verdict for `own` at `at`, among the customer's other open intents of the same cap class.
 * `windowMs` 0 decides at once (first come, first served).
 */
export function arbitrate(own: SendIntent, others: readonly SendIntent[], at: number, windowMs: number): PriorityVerdict {
  if (windowMs <= 0) return { kind: 'decide' };
  const decisionAt = own.dueAt + windowMs;
  if (at < decisionAt) return { kind: 'wait', until: decisionAt };
  const above = others
    .filter((other) => other.key !== own.key && other.dueAt <= at && other.dueAt + windowMs + STALE_INTENT_MS >= at && outranks(other, own))
    .sort((a, b) => (outranks(a, b) ? -1 : 1));
  const winner = above[0];
  if (!winner) return { kind: 'decide' };
  return { kind: 'outranked', by: winner, until: Math.max(at + 1, winner.dueAt + windowMs + AFTER_WINNER_MS) };
}

/**
 * Where an intent's clock stands after a deferral to `until` by quiet hours or the caps: its window
 * closes at `until`, so that it is decided then, against whatever else has become due by that moment.
 */
export function dueAfterDeferral(until: number, windowMs: number): number {
  return until - Math.max(0, windowMs);
}

export type PolicyVerdict =
  | { kind: 'send' }
  | { kind: 'skip'; reason: 'priority' | 'quiet_hours' | 'frequency_cap' }
  | {
      kind: 'defer';
      until: number;
      reason: 'decision_window' | 'priority' | 'quiet_hours' | 'frequency_cap';
      /** Where the intent's clock moves to (a deferral by quiet hours or the caps): decided again when it ends. */
      intentDueAt?: number;
    };

/**
 * The whole decision before a send, as the send activity and the simulator both take it: priority
 * among the customer's open intents first (when this send holds one), then quiet hours and the caps
 * against `history`, which counts every message of the class already sent, whatever its priority.
 */
export function decideWithPriority(
  request: SendRequest & { intent: SendIntent | null; rivals: readonly SendIntent[]; windowMs: number },
): PolicyVerdict {
  const { intent, rivals, windowMs, ...send } = request;
  if (intent) {
    const verdict = arbitrate(intent, rivals, send.at, windowMs);
    if (verdict.kind === 'wait') return { kind: 'defer', until: verdict.until, reason: 'decision_window' };
    if (verdict.kind === 'outranked') {
      return verdict.until > send.notAfter
        ? { kind: 'skip', reason: 'priority' }
        : { kind: 'defer', until: verdict.until, reason: 'priority' };
    }
  }
  const decision = decideSend(send);
  if (decision.kind === 'defer' && intent) return { ...decision, intentDueAt: dueAfterDeferral(decision.until, windowMs) };
  return decision;
}
