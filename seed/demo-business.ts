// A small synthetic business so that a newcomer's first `npm start` has something to look at:
// customers in several time zones and locales with regular, lapsing and one-off order histories.
// Deterministic (seeded), and loaded through the same ingestion path as real events.
import { createRandom } from '../core/churn/synthetic.ts';
import { ingestEvents } from '../ingestion/ingest.ts';
import type { Database } from '../runtime/database.ts';

const firstNames = [
  'Ada',
  'Grace',
  'Linus',
  'Margaret',
  'Alan',
  'Hedy',
  'Tim',
  'Radia',
  'Ken',
  'Barbara',
  'Edsger',
  'Frances',
  'Dennis',
  'Katherine',
  'Claude',
  'Anita',
];
const lastNames = [
  'Lovelace',
  'Hopper',
  'Torvalds',
  'Hamilton',
  'Turing',
  'Lamarr',
  'Berners-Lee',
  'Perlman',
  'Thompson',
  'Liskov',
  'Dijkstra',
  'Allen',
  'Ritchie',
  'Johnson',
  'Shannon',
  'Borg',
];
const places = [
  { timezone: 'Europe/London', locale: 'en-GB', currency: 'GBP' },
  { timezone: 'Europe/Paris', locale: 'fr-FR', currency: 'EUR' },
  { timezone: 'America/New_York', locale: 'en-US', currency: 'USD' },
  { timezone: 'America/Los_Angeles', locale: 'en-US', currency: 'USD' },
  { timezone: 'Europe/Berlin', locale: 'de-DE', currency: 'EUR' },
  { timezone: 'America/Toronto', locale: 'fr-CA', currency: 'CAD' },
];
const products = [
  { name: 'Linen shirt', price: 49 },
  { name: 'Canvas tote', price: 25 },
  { name: 'Wool socks', price: 12 },
  { name: 'Rain jacket', price: 129 },
  { name: 'Leather belt', price: 39 },
  { name: 'Cotton tee', price: 19 },
];

export type DemoOptions = { customers?: number; now?: Date; seed?: number };

export function demoEvents({ customers = 60, now = new Date(), seed = 42 }: DemoOptions = {}): unknown[] {
  const random = createRandom(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)] as T;
  const day = 24 * 60 * 60 * 1000;
  const events: unknown[] = [];
  for (let i = 0; i < customers; i++) {
    const customerId = `demo-${String(i + 1).padStart(3, '0')}`;
    const first = pick(firstNames);
    const last = pick(lastNames);
    const place = pick(places);
    const joined = now.getTime() - (60 + Math.floor(random() * 480)) * day;
    events.push({
      id: `${customerId}-profile`,
      type: 'customer.upserted',
      customerId,
      occurredAt: new Date(joined).toISOString(),
      properties: {
        email: `${first}.${last}.${i + 1}@example.com`.toLowerCase(),
        name: `${first} ${last}`,
        locale: place.locale,
        timezone: place.timezone,
        consent: { marketing: random() < 0.8 },
        attributes: { plan: pick(['basic', 'plus', 'pro']) },
      },
    });
    // Three kinds of customer: regulars, regulars who lapsed, and one-off buyers.
    const kind = random();
    const rhythmDays = 14 + Math.floor(random() * 60);
    const stopAt = kind < 0.45 ? now.getTime() - 2 * day : kind < 0.8 ? now.getTime() - (90 + random() * 120) * day : joined + day;
    let at = joined;
    let n = 0;
    while (at < stopAt && n < 40) {
      const items = Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
        const product = pick(products);
        return { name: product.name, quantity: 1 + Math.floor(random() * 2), price: product.price };
      });
      const total = items.reduce((sum, item) => sum + item.price * item.quantity, 0);
      const orderId = `${customerId}-o${++n}`;
      events.push({
        id: `${orderId}-placed`,
        type: 'order.placed',
        customerId,
        occurredAt: new Date(at).toISOString(),
        properties: { orderId, total, currency: place.currency, items },
      });
      at += rhythmDays * day * (0.6 + random() * 0.8);
    }
  }
  return events;
}

/** Loads the demo business; returns how many events were stored. Safe to run twice. */
export async function seedDemoBusiness(db: Database, options: DemoOptions = {}): Promise<number> {
  const events = demoEvents(options);
  let accepted = 0;
  for (let i = 0; i < events.length; i += 500) {
    const results = await ingestEvents({ db, router: null }, events.slice(i, i + 500));
    accepted += results.filter((result) => result.status === 'accepted').length;
  }
  return accepted;
}
