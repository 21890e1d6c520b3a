// Luxon asks Intl for a zone's UTC offset on every DateTime it builds in that zone (formatToParts, some
// microseconds each): half the simulator's time when it replays thousands of enrollments. Offsets change
// only at a zone's transitions, months apart, so the offset of a whole hour is remembered when it is the
// same at the hour's first and last millisecond; an hour with a transition in it is asked of Intl as
// before. The answers are exactly Luxon's. Installed by the backtest, which replays whole histories. It
// changes Luxon for the whole process, which is why it lives in the runtime and not in the pure core.
import { IANAZone } from 'luxon';

const HOUR_MS = 3_600_000;
/** Hours remembered per zone before the memory is cleared (a year and a half of hours). */
const MAX_HOURS_PER_ZONE = 13_000;

type OffsetOf = (this: IANAZone, ts: number) => number;
let installed = false;

export function cacheZoneOffsets(): void {
  if (installed) return;
  installed = true;
  const prototype = IANAZone.prototype as unknown as { offset: OffsetOf };
  const exact = prototype.offset;
  const byZone = new Map<string, Map<number, number>>();
  prototype.offset = function offset(this: IANAZone, ts: number): number {
    if (!Number.isFinite(ts)) return exact.call(this, ts);
    let hours = byZone.get(this.name);
    if (!hours || hours.size > MAX_HOURS_PER_ZONE) {
      hours = new Map();
      byZone.set(this.name, hours);
    }
    const hour = Math.floor(ts / HOUR_MS);
    let known = hours.get(hour);
    if (known === undefined) {
      const first = exact.call(this, hour * HOUR_MS);
      known = first === exact.call(this, hour * HOUR_MS + HOUR_MS - 1) ? first : Number.NaN;
      hours.set(hour, known);
    }
    return Number.isNaN(known) ? exact.call(this, ts) : known;
  };
}
