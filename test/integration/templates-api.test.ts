// Template preview: what a customer would get, with their data or with sample data.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApiKey } from '../../api/api-keys.ts';
import { type ApiServer, buildApiServer } from '../../api/server.ts';
import { ingestEvents } from '../../ingestion/ingest.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { customerUpserted, orderPlaced } from '../support/events.ts';

const KEY = 'ak_templates_test_00000000000000000000';

describe('/v1/templates', () => {
  let database: TestDatabase;
  let app: ApiServer;

  beforeAll(async () => {
    database = await createTestDatabase();
    await registerApiKey(database.db, KEY, 'test');
    app = await buildApiServer({
      db: database.db,
      temporal: null,
      route: null,
      logger: pino({ level: 'silent' }),
      publicUrl: 'https://aftercare.test',
      secret: 'templates-test-secret-0123456789abcdefghijkl',
      business: { name: 'Northwind Outfitters', address: '1 Harbour Street, Bristol' },
    });
    await ingestEvents({ db: database.db, route: null }, [
      customerUpserted('amelie', { name: 'Amélie Poulain', locale: 'fr-FR', timezone: 'Europe/Paris' }),
      orderPlaced('amelie', 'A-1', { total: 42.5, currency: 'EUR', items: [{ name: 'Nain de jardin', quantity: 1, price: 42.5 }] }),
    ]);
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  const call = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${KEY}` },
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });

  it('lists every template with its category and language variants', async () => {
    const response = await call('GET', '/v1/templates');
    expect(response.statusCode).toBe(200);
    const { templates } = response.json() as { templates: { name: string; category: string; variants: string[] }[] };
    expect(templates.map((t) => t.name)).toEqual(
      expect.arrayContaining(['checkin', 'review-request', 'service-recovery', 'winback', 'winback-offer', 'at-risk-checkin']),
    );
    expect(templates.find((t) => t.name === 'winback')?.category).toBe('marketing');
  });

  it("renders a real customer's latest order in their own language and number format", async () => {
    const response = await call('POST', '/v1/templates/checkin/preview', { customerId: 'amelie', survey: 'csat' });
    expect(response.statusCode, response.body).toBe(200);
    const preview = response.json() as { subject: string; text: string; html: string; locale: string };
    expect(preview.subject).toContain('Amélie');
    expect(preview.text).toContain('Nain de jardin');
    expect(preview.text).toContain('42,50\u00a0€');
    expect(preview.html).toContain('https://aftercare.test/s/');
  });

  it('renders with sample data, and escapes what the caller sends', async () => {
    const response = await call('POST', '/v1/templates/winback/preview', {
      data: { customer: { name: '<script>alert(1)</script>', email: 'x@example.com' } },
    });
    expect(response.statusCode, response.body).toBe(200);
    const preview = response.json() as { html: string; category: string };
    expect(preview.category).toBe('marketing');
    expect(preview.html).not.toContain('<script>');
    expect(preview.html).toContain('Unsubscribe');
  });

  it('answers 404 for an unknown template or customer, naming which', async () => {
    const template = await call('POST', '/v1/templates/chekin/preview', {});
    expect(template.statusCode).toBe(404);
    expect(template.json().error.field).toBe('name');
    const customer = await call('POST', '/v1/templates/checkin/preview', { customerId: 'nobody', survey: 'csat' });
    expect(customer.statusCode).toBe(404);
    expect(customer.json().error.field).toBe('customerId');
  });

  it('says what the data lacks when a template cannot be rendered with it', async () => {
    const response = await call('POST', '/v1/templates/checkin/preview', { customerId: 'amelie' }); // the check-in needs its survey
    expect(response.statusCode).toBe(422);
    expect(response.json().error.message).toContain('survey');
  });
});
