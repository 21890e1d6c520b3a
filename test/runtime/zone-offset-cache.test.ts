import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { cacheZoneOffsets } from '../../runtime/zone-offset-cache.ts';

const zones = ['Europe/Paris', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/St_Johns', 'Pacific/Chatham', 'UTC'];
/** Every 3 hours 7 minutes 13 seconds through 2026 and 2027, and the minutes around each zone's transitions. */
function instants(): number[] {
  const out: number[] = [];
  for (let at = Date.parse('2026-01-01T00:00:00Z'); at < Date.parse('2028-01-01T00:00:00Z'); at += 11_233_000) out.push(at);
  return out;
}
const describeLocal = (at: number, zone: string) => DateTime.fromMillis(at, { zone }).toISO();

describe('the zone offset cache', () => {
  it("gives Luxon's own local times for any instant, across DST changes, half and quarter hours", () => {
    const all = instants();
    const exact = zones.map((zone) => all.map((at) => describeLocal(at, zone)));
    const transitions = zones.map((zone) =>
      all.filter(
        (at, i) => i > 0 && DateTime.fromMillis(at, { zone }).offset !== DateTime.fromMillis(all[i - 1] as number, { zone }).offset,
      ),
    );
    const near = zones.map((zone, z) =>
      (transitions[z] ?? [])
        .flatMap((at) => Array.from({ length: 240 }, (_, m) => at - 2 * 3_600_000 + m * 60_000))
        .map((at) => [at, describeLocal(at, zone)] as const),
    );
    cacheZoneOffsets();
    zones.forEach((zone, z) => {
      expect(all.map((at) => describeLocal(at, zone))).toEqual(exact[z]);
      for (const [at, local] of near[z] ?? []) expect(describeLocal(at, zone)).toBe(local);
    });
    expect(transitions[0]?.length).toBe(4);
  }, 30_000);
});
