// The send activity writes each customer's email in their language: the template variant is chosen
// from the customer's locale (fr-CA -> fr -> default), the message row records the variant actually
// used, and money keeps the customer's own formatting.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJourneyActivities, type JourneyActivities } from '../../activities/journey-activities.ts';
import { publishShippedJourneys } from '../../journey-store/journey-versions.ts';
import { OutboxTransport } from '../../messaging/outbox-transport.ts';
import { TemplateStore } from '../../messaging/template-store.ts';
import type { Database } from '../../runtime/database.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { testActivityConfig } from '../support/temporal.ts';

const DAY = 24 * 3600_000;
/** A Tuesday, 10:00 UTC: outside quiet hours. */
const AT = Date.UTC(2026, 0, 6, 10, 0);

let database: TestDatabase;
let db: Database;
let activities: JourneyActivities;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  await publishShippedJourneys(db);
  activities = createJourneyActivities({
    db,
    transport: new OutboxTransport(db),
    templates: new TemplateStore(),
    config: testActivityConfig,
  });
});

afterAll(async () => {
  await database?.drop();
});

/** Sends the check-in (with its CSAT survey) of one order to a new customer in `locale`. */
async function checkin(name: string, locale: string | null, currency = 'EUR') {
  const customer = await db.customer.create({
    data: { externalId: name, email: `${name}@example.com`, name: 'Ada Lovelace', locale, consent: { marketing: true } },
  });
  await db.order.create({
    data: {
      externalId: `ord-${name}`,
      customerId: customer.id,
      total: 129.5,
      currency,
      items: [{ name: 'Linen shirt', quantity: 2, price: 49.75 }],
      placedAt: new Date(AT - 5 * DAY),
    },
  });
  const journey = await db.journey.findUniqueOrThrow({ where: { key: 'post-purchase-checkin' } });
  const enrollment = await db.enrollment.create({
    data: {
      workflowId: `test/post-purchase-checkin/${name}`,
      journeyKey: journey.key,
      version: journey.currentVersion!,
      customerId: customer.id,
      entityKey: `order:ord-${name}`,
      enteredAt: new Date(AT - DAY),
    },
  });
  const result = await activities.sendJourneyMessage({
    enrollmentId: enrollment.id,
    stepId: 'checkin-email',
    template: 'checkin',
    survey: 'csat',
    category: 'transactional',
    priority: 50,
    notAfter: AT + 2 * DAY,
    at: AT,
  });
  expect(result.outcome).toBe('sent');
  const message = await db.message.findUniqueOrThrow({ where: { id: result.messageId! } });
  const outbox = await db.outboxEmail.findUniqueOrThrow({ where: { idempotencyKey: message.id } });
  return { message, outbox };
}

describe('the send activity chooses the variant from the customer locale', () => {
  it('sends a fr-CA customer the French check-in, with Canadian formatting, and records fr', async () => {
    const { message, outbox } = await checkin('quebec', 'fr-CA', 'CAD');
    expect(message.locale).toBe('fr');
    expect(outbox.subject).toBe('Ada, votre commande vous plaît-elle ?');
    expect(outbox.text).toMatch(/^Bonjour Ada,/);
    expect(outbox.text).toContain('2 x Linen shirt');
    expect(outbox.text).toContain('Total\u00a0: 129,50\u00a0$');
    expect(outbox.text).toContain('Êtes-vous satisfait de votre commande');
    expect(outbox.html).toContain('<html lang="fr-CA">');
    // The survey links are the engine's, signed for this message.
    expect(outbox.text).toMatch(/5\u00a0: https:\/\/aftercare\.test\/s\/\S+/);
  });

  it('sends a de-DE customer the German check-in and records de', async () => {
    const { message, outbox } = await checkin('berlin', 'de-DE');
    expect(message.locale).toBe('de');
    expect(outbox.subject).toBe('Ada, wie gefällt Ihnen Ihre Bestellung?');
    expect(outbox.text).toContain('Gesamtbetrag: 129,50\u00a0€');
  });

  it('sends a pt-BR customer the default (English) check-in and records en', async () => {
    const { message, outbox } = await checkin('saopaulo', 'pt-BR', 'BRL');
    expect(message.locale).toBe('en');
    expect(outbox.subject).toBe('Ada, how is your order going?');
    expect(outbox.text).toContain('Total: R$\u00a0129,50'); // English words, Brazilian formatting
  });

  it('uses the configured default locale for a customer without one', async () => {
    const { message, outbox } = await checkin('nowhere', null);
    expect(message.locale).toBe('en');
    expect(outbox.subject).toBe('Ada, how is your order going?');
  });

  it('sends a French win-back with the French unsubscribe footer', async () => {
    const customer = await db.customer.create({
      data: { externalId: 'lyon', email: 'lyon@example.com', name: 'Ada Lovelace', locale: 'fr-FR', consent: { marketing: true } },
    });
    const journey = await db.journey.findUniqueOrThrow({ where: { key: 'win-back' } });
    const enrollment = await db.enrollment.create({
      data: {
        workflowId: 'test/win-back/lyon',
        journeyKey: journey.key,
        version: journey.currentVersion!,
        customerId: customer.id,
        entityKey: 'customer',
        enteredAt: new Date(AT - DAY),
      },
    });
    const result = await activities.sendJourneyMessage({
      enrollmentId: enrollment.id,
      stepId: 'we-miss-you',
      template: 'winback',
      survey: null,
      category: 'marketing',
      priority: 50,
      notAfter: AT + 2 * DAY,
      at: AT,
    });
    expect(result.outcome).toBe('sent');
    const message = await db.message.findUniqueOrThrow({ where: { id: result.messageId! } });
    expect(message.locale).toBe('fr');
    expect(message.subject).toBe('Ada, cela fait longtemps !');
    expect(message.html).toMatch(/<a href="https:\/\/aftercare\.test\/u\/[^"]+"[^>]*>Se désabonner<\/a>/);
    expect(message.text).toMatch(/Se désabonner\u00a0: https:\/\/aftercare\.test\/u\/\S+/);
  });
});
