// The policies applied before every send, as pure functions of the clock and the customer's message
// history: quiet hours (in the customer's zone) and the frequency cap. Both can only move a send later;
// when later is past the send's own deadline, it is skipped, and the reason is kept.
import { Duration } from 'luxon';
import { isWithinLocalHours, nextLocalWindow } from '../time/local-time.ts';

export type QuietHours = { from: string; to: string };
export type Cap = { count: number; window: string };

export type SendPolicies = {
  quietHours: QuietHours | false;
  caps: Cap[];
};

/** PRODUCT.md's defaults: no marketing email 21:00-08:00 local; at most one per 48 h and three per 7 days. */
export const defaultPolicies: SendPolicies = {
  quietHours: { from: '21:00', to: '08:00' },
  caps: [
    { count: 1, window: 'PT48H' },
    { count: 3, window: 'P7D' },
  ],
};

/**
 * How far back a customer's history can matter to the cap: the longest cap window, and a day more so
 * that a window counted in the customer's calendar across a DST change is still covered.
 */
export function capLookbackMs(policies: SendPolicies = defaultPolicies): number {
  const longest = Math.max(0, ...policies.caps.map((cap) => Duration.fromISO(cap.window).as('milliseconds')));
  return longest + 86_400_000;
}

/** A marketing email already sent (or reserved by a higher-priority send) to this customer. */
export type HistoryEntry = { at: number; priority: number };

export type SendRequest = {
  at: number;
  zone: string;
  /** The latest acceptable send time; past it the message is skipped. */
  notAfter: number;
  category: 'marketing' | 'transactional';
  priority: number;
  history: HistoryEntry[];
  policies: SendPolicies;
};

export type SendDecision =
  | { kind: 'send' }
  | { kind: 'defer'; until: number; reason: 'quiet_hours' | 'frequency_cap' }
  | { kind: 'skip'; reason: 'quiet_hours' | 'frequency_cap' };

/** The earliest time >= `at` at which one more send keeps every cap. */
export function earliestUnderCaps(at: number, history: number[], caps: Cap[]): number {
  const sorted = [...history].sort((a, b) => a - b);
  let candidate = at;
  for (let guard = 0; guard < 100; guard++) {
    let moved = false;
    for (const cap of caps) {
      const window = Duration.fromISO(cap.window).toMillis();
      const inWindow = sorted.filter((t) => t > candidate - window && t <= candidate);
      if (inWindow.length >= cap.count) {
        // Wait until enough of them leave the window to make room for one more.
        const leaving = inWindow[inWindow.length - cap.count] as number;
        candidate = leaving + window + 1;
        moved = true;
      }
    }
    if (!moved) return candidate;
  }
  return candidate;
}

function afterQuietHours(at: number, zone: string, quiet: QuietHours): number {
  if (!isWithinLocalHours(at, zone, quiet.from, quiet.to)) return at;
  // The quiet period ends at `to`: the next moment of the window [to, from).
  return nextLocalWindow(at, zone, quiet.to, quiet.from, ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
}

/** Quiet hours apply to every message a journey sends; the cap only to marketing messages. */
export function decideSend(request: SendRequest): SendDecision {
  // Only messages of equal or higher priority hold this one back: a lower-priority one yields.
  const history =
    request.category === 'marketing' ? request.history.filter((entry) => entry.priority >= request.priority).map((entry) => entry.at) : [];
  let candidate = request.at;
  let reason: 'quiet_hours' | 'frequency_cap' | null = null;
  for (let guard = 0; guard < 50; guard++) {
    const capped = earliestUnderCaps(candidate, history, request.policies.caps);
    if (capped > candidate) {
      candidate = capped;
      reason ??= 'frequency_cap';
    }
    const quiet = request.policies.quietHours ? afterQuietHours(candidate, request.zone, request.policies.quietHours) : candidate;
    if (quiet > candidate) {
      candidate = quiet;
      reason ??= 'quiet_hours';
      continue;
    }
    break;
  }
  if (candidate === request.at || reason === null) return { kind: 'send' };
  if (candidate > request.notAfter) return { kind: 'skip', reason };
  return { kind: 'defer', until: candidate, reason };
}
