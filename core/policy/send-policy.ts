// The policies applied before every send, as pure functions of the clock and the customer's message
// history: quiet hours (in the customer's zone) and the frequency caps. Both can only move a send later;
// when later is past the send's own deadline, it is skipped, and the reason is kept.
import { Duration } from 'luxon';
import { isWithinLocalHours, nextLocalWindow, weekdays } from '../time/local-time.ts';

export type QuietHours = { from: string; to: string };
export type Cap = { count: number; window: string };

/**
 * Which caps a message counts against and is held back by: marketing messages, and transactional
 * messages that carry a survey (a check-in asks for the customer's time too). Other transactional
 * messages (an apology, a receipt) are never capped.
 */
export const capClasses = ['marketing', 'survey'] as const;
export type CapClass = (typeof capClasses)[number];

export type SendPolicies = {
  quietHours: QuietHours | false;
  caps: Record<CapClass, Cap[]>;
  /**
   * How long a capped send waits for messages of other journeys due for the same customer, so that
   * the highest priority among them goes first (core/policy/priority.ts). PT0S: first come, first served.
   */
  decisionWindow: string;
};

/** PRODUCT.md's defaults: no email 21:00-08:00 local; at most one marketing email per 48 h and three per 7 days. */
export const defaultPolicies: SendPolicies = {
  quietHours: { from: '21:00', to: '08:00' },
  caps: {
    marketing: [
      { count: 1, window: 'PT48H' },
      { count: 3, window: 'P7D' },
    ],
    survey: [],
  },
  decisionWindow: 'PT1H',
};

export function capClassOf(category: 'marketing' | 'transactional', survey: string | null): CapClass | null {
  if (category === 'marketing') return 'marketing';
  return survey ? 'survey' : null;
}

/** The caps a message of this class obeys. */
export function capsFor(policies: SendPolicies, capClass: CapClass | null): Cap[] {
  return capClass ? policies.caps[capClass] : [];
}

export function decisionWindowMs(policies: SendPolicies): number {
  return Duration.fromISO(policies.decisionWindow).toMillis() || 0;
}

/**
 * How far back a customer's history can matter to the caps: the longest cap window, and a day more so
 * that a window counted in the customer's calendar across a DST change is still covered.
 */
export function capLookbackMs(policies: SendPolicies = defaultPolicies): number {
  const windows = capClasses.flatMap((capClass) => policies.caps[capClass]);
  const longest = Math.max(0, ...windows.map((cap) => Duration.fromISO(cap.window).as('milliseconds')));
  return longest + 86_400_000;
}

export type SendRequest = {
  at: number;
  zone: string;
  /** The latest acceptable send time; past it the message is skipped. */
  notAfter: number;
  capClass: CapClass | null;
  /**
   * When each message of the same cap class already went out (or was reserved) for this customer,
   * whatever its journey's priority: a message sent is sent, and counts.
   */
  history: number[];
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
  return nextLocalWindow(at, zone, quiet.to, quiet.from, [...weekdays]);
}

/** Quiet hours apply to every message a journey sends; the caps only to the classes they are set for. */
export function decideSend(request: SendRequest): SendDecision {
  const caps = capsFor(request.policies, request.capClass);
  const history = caps.length > 0 ? request.history : [];
  let candidate = request.at;
  let reason: 'quiet_hours' | 'frequency_cap' | null = null;
  for (let guard = 0; guard < 50; guard++) {
    const capped = earliestUnderCaps(candidate, history, caps);
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

/** The business's policies as one journey applies them: a journey may set its own quiet hours. */
export function withJourneyPolicies(policies: SendPolicies, journey: { policies?: { quietHours?: QuietHours | false } }): SendPolicies {
  const quietHours = journey.policies?.quietHours;
  return quietHours === undefined ? policies : { ...policies, quietHours };
}
