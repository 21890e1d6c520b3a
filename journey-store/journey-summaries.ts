// A journey as the list and the detail show it: its status, current version and enrollments by status.
import type { Database } from '../runtime/database.ts';

const enrollmentStatuses = ['running', 'completed', 'exited', 'goal_reached', 'failed'] as const;
export type EnrollmentCounts = Record<(typeof enrollmentStatuses)[number] | 'total', number>;

/** Enrollments of each journey by status, one grouped read for all of them. */
export async function enrollmentCounts(db: Database, keys: string[]): Promise<Map<string, EnrollmentCounts>> {
  const rows = await db.enrollment.groupBy({ by: ['journeyKey', 'status'], where: { journeyKey: { in: keys } }, _count: { _all: true } });
  const counts = new Map<string, EnrollmentCounts>();
  for (const key of keys)
    counts.set(key, { total: 0, ...Object.fromEntries(enrollmentStatuses.map((status) => [status, 0])) } as EnrollmentCounts);
  for (const row of rows) {
    const entry = counts.get(row.journeyKey);
    if (!entry) continue;
    entry[row.status] += row._count._all;
    entry.total += row._count._all;
  }
  return counts;
}

export function journeySummary(
  journey: {
    key: string;
    name: string;
    status: 'active' | 'paused' | 'archived';
    currentVersion: number | null;
    createdAt: Date;
    updatedAt: Date;
  },
  enrollments: EnrollmentCounts,
) {
  return {
    key: journey.key,
    name: journey.name,
    status: journey.status,
    currentVersion: journey.currentVersion,
    enrollments,
    createdAt: journey.createdAt.toISOString(),
    updatedAt: journey.updatedAt.toISOString(),
  };
}
