// Results of a journey, read from the enrollments and their step logs: the funnel per step, the
// enrollments by status, goal conversion per group (treatment vs holdout control) and the lift of
// treatment over control with its 95% interval, and the variants of every A/B split compared with the
// first one. Set-based SQL: a journey with a million enrollments
// is a handful of grouped scans, not a million rows in memory.
import { allSteps, type JourneyDefinition } from '../core/journey/definition.ts';
import { kindOf } from '../core/journey/interpreter.ts';
import { compareVariants, holdoutLift, type Interval, type Lift, type VariantComparison, wilsonInterval } from '../core/journey/lift.ts';
import { type Database, Prisma } from '../runtime/database.ts';

export const enrollmentStatuses = ['running', 'completed', 'exited', 'goal_reached', 'failed'] as const;
export type EnrollmentStatusName = (typeof enrollmentStatuses)[number];

export type StepStats = {
  stepId: string;
  kind: string;
  /** Enrollments that reached the step. */
  entered: number;
  /** Running enrollments whose latest step log row is this step, waiting (a timer, an event, or a deferred send). */
  waiting: number;
  /** Enrollments this send step sent to. */
  sent: number;
  /** Enrollments this send step did not send to, by reason (holdout, quiet_hours, frequency_cap, no_marketing_consent, ...). */
  skipped: Record<string, number>;
  /** Enrollments whose send was deferred at least once (quiet hours or the frequency cap). */
  deferred: number;
  failed: number;
  /** Enrollments that reached the goal while at this step. */
  goalReached: number;
  /** Enrollments that ended here by an exit event, an exit step or a branch to exit. */
  exited: number;
  /** Enrollments by every status the step logged (done, waiting, timed_out, happened, taken, ...). */
  statuses: Record<string, number>;
  /** Branch steps: enrollments by the target they went to. */
  branches?: Record<string, number>;
  /** The step is not in the definition of the version shown (it belongs to another version). */
  inOtherVersion?: true;
};

/** A group's goal conversion; `interval` is the 95% Wilson interval of its rate (null while the group is empty). */
export type GroupConversion = { enrolled: number; goalReached: number; rate: number | null; interval: Interval | null };

/** One variant of a split: its treatment enrollments, the messages they were sent, and its goal conversion against the first variant's. */
export type VariantStats = Omit<VariantComparison, 'enrolled' | 'converted'> & {
  key: string;
  /** Its weight in the definition shown; null for a variant of another version. */
  weight: number | null;
  /** Treatment enrollments assigned to it (the holdout takes the split too, but is sent nothing: it is left out). */
  entered: number;
  /** Messages sent to those enrollments, at any step. */
  messages: number;
  goalReached: number;
};

/** A split step's variants, compared; `winner` only once the 95% interval of a difference excludes zero. */
export type SplitStats = {
  stepId: string;
  variants: VariantStats[];
  winner: string | null;
  method: 'newcombe-hybrid-score';
  inOtherVersion?: true;
};

export type JourneyStats = {
  key: string;
  version: number | null;
  enrollments: Record<EnrollmentStatusName, number> & { total: number };
  steps: StepStats[];
  conversion: { goal: string | null; treatment: GroupConversion; control: GroupConversion };
  lift: (Lift & { treatment: GroupConversion; control: GroupConversion }) | null;
  splits: SplitStats[];
};

type StatusRow = { stepId: string; kind: string; status: string; enrollments: number };
type DetailRow = { stepId: string; status: string; value: string | null; enrollments: number };
type LastRow = { stepId: string; status: string; enrollmentStatus: string; enrollments: number };
type GroupRow = { group: 'treatment' | 'control'; status: string; enrollments: number };
type VariantRow = { stepId: string; variant: string; entered: number; goalReached: number; messages: number };

const emptyStep = (stepId: string, kind: string): StepStats => ({
  stepId,
  kind,
  entered: 0,
  waiting: 0,
  sent: 0,
  skipped: {},
  deferred: 0,
  failed: 0,
  goalReached: 0,
  exited: 0,
  statuses: {},
});

/**
 * The stats of one journey, over all its enrollments or those of one version. `definition` orders the
 * steps (the version's own, or the current one); steps of other versions that have rows come after.
 */
export async function journeyStats(
  db: Database,
  key: string,
  options: { version?: number; definition: JourneyDefinition | null },
): Promise<JourneyStats> {
  const versionFilter = options.version === undefined ? Prisma.empty : Prisma.sql`AND e."version" = ${options.version}`;

  const scope = Prisma.sql`
      FROM "EnrollmentStep" s
      JOIN "Enrollment" e ON e."id" = s."enrollmentId"
     WHERE e."journeyKey" = ${key} ${versionFilter}
       AND s."stepId" NOT IN ('(start)', '(end)')`;
  const [enteredRows, statusRows, detailRows, lastRows, groupRows, variantRows] = await Promise.all([
    db.$queryRaw<{ stepId: string; kind: string; enrollments: number }[]>`
      SELECT s."stepId", min(s."kind") AS "kind", count(DISTINCT s."enrollmentId")::int AS "enrollments" ${scope}
       GROUP BY 1`,
    // Distinct enrollments per status: a send deferred twice is one deferred enrollment.
    db.$queryRaw<StatusRow[]>`
      SELECT s."stepId", s."kind", s."status", count(DISTINCT s."enrollmentId")::int AS "enrollments" ${scope}
       GROUP BY 1, 2, 3`,
    // Why sends were skipped, and where branches went.
    db.$queryRaw<DetailRow[]>`
      SELECT s."stepId", s."status",
             CASE WHEN s."status" = 'skipped' THEN coalesce(s."detail"->>'reason', 'unknown') ELSE s."detail"->>'goto' END AS "value",
             count(DISTINCT s."enrollmentId")::int AS "enrollments" ${scope}
         AND (s."status" = 'skipped' OR s."kind" = 'branch')
       GROUP BY 1, 2, 3`,
    // The latest step row of every enrollment (before its end row): where it waits, or where it ended.
    db.$queryRaw<LastRow[]>`
      WITH last AS (
        SELECT DISTINCT ON (s."enrollmentId") s."enrollmentId", s."stepId", s."status", e."status"::text AS "enrollmentStatus" ${scope}
         ORDER BY s."enrollmentId", s."seq" DESC
      )
      SELECT "stepId", "status", "enrollmentStatus", count(*)::int AS "enrollments"
        FROM last
       GROUP BY 1, 2, 3`,
    db.$queryRaw<GroupRow[]>`
      SELECT e."group"::text AS "group", e."status"::text AS "status", count(*)::int AS "enrollments"
        FROM "Enrollment" e
       WHERE e."journeyKey" = ${key} ${versionFilter}
       GROUP BY 1, 2`,
    // Each treatment enrollment's variant at each split (its first assignment there), its outcome and its messages.
    db.$queryRaw<VariantRow[]>`
      WITH assigned AS (
        SELECT DISTINCT ON (s."enrollmentId", s."stepId") s."enrollmentId", s."stepId", s."detail"->>'variant' AS "variant",
               e."status"::text AS "status"
          FROM "EnrollmentStep" s
          JOIN "Enrollment" e ON e."id" = s."enrollmentId"
         WHERE e."journeyKey" = ${key} ${versionFilter}
           AND e."group"::text = 'treatment'
           AND s."kind" = 'split' AND s."status" = 'assigned'
         ORDER BY s."enrollmentId", s."stepId", s."seq"
      ),
      sent AS (
        SELECT s."enrollmentId", count(*)::int AS "messages"
          FROM "EnrollmentStep" s
         WHERE s."enrollmentId" IN (SELECT "enrollmentId" FROM assigned)
           AND s."kind" = 'send' AND s."status" = 'sent'
         GROUP BY 1
      )
      SELECT a."stepId", a."variant", count(*)::int AS "entered",
             (count(*) FILTER (WHERE a."status" = 'goal_reached'))::int AS "goalReached",
             coalesce(sum(m."messages"), 0)::int AS "messages"
        FROM assigned a
        LEFT JOIN sent m ON m."enrollmentId" = a."enrollmentId"
       WHERE a."variant" IS NOT NULL
       GROUP BY 1, 2`,
  ]);

  const steps = new Map<string, StepStats>();
  for (const { step } of options.definition ? allSteps(options.definition) : []) steps.set(step.id, emptyStep(step.id, kindOf(step)));
  const stepOf = (stepId: string, kind: string): StepStats => {
    let step = steps.get(stepId);
    if (!step) {
      step = { ...emptyStep(stepId, kind), inOtherVersion: true };
      steps.set(stepId, step);
    }
    return step;
  };

  for (const row of enteredRows) stepOf(row.stepId, row.kind).entered = row.enrollments;

  for (const row of statusRows) {
    const step = stepOf(row.stepId, row.kind);
    step.statuses[row.status] = row.enrollments;
    if (row.status === 'sent') step.sent = row.enrollments;
    if (row.status === 'deferred') step.deferred = row.enrollments;
    if (row.status === 'failed') step.failed = row.enrollments;
  }
  for (const row of detailRows) {
    const step = steps.get(row.stepId);
    if (!step || row.value === null) continue;
    if (row.status === 'skipped') step.skipped[row.value] = row.enrollments;
    else if (step.kind === 'branch') {
      step.branches ??= {};
      step.branches[row.value] = row.enrollments;
    }
  }
  for (const row of lastRows) {
    const step = steps.get(row.stepId);
    if (!step) continue;
    if (row.enrollmentStatus === 'running' && (row.status === 'waiting' || row.status === 'deferred')) step.waiting += row.enrollments;
    if (row.enrollmentStatus === 'goal_reached') step.goalReached += row.enrollments;
    if (row.enrollmentStatus === 'exited') step.exited += row.enrollments;
  }

  const enrollments = { total: 0, ...Object.fromEntries(enrollmentStatuses.map((status) => [status, 0])) } as JourneyStats['enrollments'];
  const groups = { treatment: { enrolled: 0, goalReached: 0 }, control: { enrolled: 0, goalReached: 0 } };
  for (const row of groupRows) {
    enrollments.total += row.enrollments;
    if (row.status in enrollments) enrollments[row.status as EnrollmentStatusName] += row.enrollments;
    const group = groups[row.group];
    group.enrolled += row.enrollments;
    if (row.status === 'goal_reached') group.goalReached += row.enrollments;
  }
  const withRate = (group: { enrolled: number; goalReached: number }): GroupConversion => ({
    ...group,
    rate: group.enrolled > 0 ? group.goalReached / group.enrolled : null,
    interval: group.enrolled > 0 ? wilsonInterval(group.goalReached, group.enrolled) : null,
  });
  const treatment = withRate(groups.treatment);
  const control = withRate(groups.control);
  const lift = holdoutLift(
    { enrolled: treatment.enrolled, converted: treatment.goalReached },
    { enrolled: control.enrolled, converted: control.goalReached },
  );

  return {
    key,
    version: options.version ?? null,
    splits: splitStats(options.definition, variantRows),
    enrollments,
    steps: [...steps.values()],
    conversion: { goal: options.definition?.goal?.event ?? null, treatment, control },
    lift: lift ? { ...lift, treatment, control } : null,
  };
}

/** Every split of the definition shown (its variants in their order, the first the reference), then splits only other versions had. */
function splitStats(definition: JourneyDefinition | null, rows: VariantRow[]): SplitStats[] {
  const splits = new Map<string, { weights: Map<string, number | null>; inOtherVersion: boolean }>();
  for (const { step } of definition ? allSteps(definition) : []) {
    if ('split' in step)
      splits.set(step.id, { weights: new Map(step.split.variants.map((variant) => [variant.key, variant.weight])), inOtherVersion: false });
  }
  const counts = new Map<string, VariantRow>();
  for (const row of rows) {
    let split = splits.get(row.stepId);
    if (!split) {
      split = { weights: new Map(), inOtherVersion: true };
      splits.set(row.stepId, split);
    }
    if (!split.weights.has(row.variant)) split.weights.set(row.variant, null);
    counts.set(JSON.stringify([row.stepId, row.variant]), row);
  }
  return [...splits.entries()].map(([stepId, split]) => {
    const variants = [...split.weights.entries()].map(([variant, weight]) => {
      const row = counts.get(JSON.stringify([stepId, variant]));
      return { key: variant, weight, entered: row?.entered ?? 0, goalReached: row?.goalReached ?? 0, messages: row?.messages ?? 0 };
    });
    const compared = compareVariants(
      variants.map((variant) => ({ key: variant.key, enrolled: variant.entered, converted: variant.goalReached })),
    );
    return {
      stepId,
      variants: variants.map((variant, index) => {
        const { enrolled: _enrolled, converted: _converted, ...comparison } = compared.variants[index] as VariantComparison;
        return { ...variant, ...comparison };
      }),
      winner: compared.winner,
      method: 'newcombe-hybrid-score' as const,
      ...(split.inOtherVersion ? { inOtherVersion: true as const } : {}),
    };
  });
}
