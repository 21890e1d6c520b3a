// ALERT_WEBHOOK_URL: the urgent alerts and escalations of a delivery pass are posted as `{ text, alert }`,
// signed with HMAC-SHA256 over the raw body; a retried pass finds the same alerts to post; a 5xx is
// retried (the activity throws), another refusal is given up.
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlertDeliveryConfig, escalateAlerts, queueUrgentAlerts } from '../../workspace/alert-delivery.ts';
import { postAlertWebhook, webhookTargets } from '../../workspace/alert-webhook.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

const SECRET = 'webhook-secret-0123456789abcdefghijklmnop';
let database: TestDatabase;
let server: Server;
let answer = 200;
const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
let config: AlertDeliveryConfig;

beforeAll(async () => {
  database = await createTestDatabase();
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.statusCode = answer;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  database.closeBeforeDrop(() => new Promise((resolve) => server.close(resolve)));
  config = {
    emailFrom: 'Aftercare <care@northwind.example>',
    publicUrl: 'https://aftercare.test',
    defaultTimezone: 'UTC',
    escalateAfter: 'PT1H',
    webhook: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, secret: SECRET },
  };
});
afterAll(async () => {
  await database?.drop();
});

describe('the alert webhook', () => {
  it('posts an urgent alert, then its escalation, signed, with a sentence a chat tool shows', async () => {
    const { db } = database;
    await db.staffUser.create({ data: { email: 'admin@northwind.example', name: 'Admin', role: 'admin' } });
    await db.staffUser.create({ data: { email: 'sam@northwind.example', name: 'Sam', role: 'success_manager' } });
    const customer = await db.customer.create({ data: { externalId: 'c-42', email: 'grace@example.com', name: 'Grace Hopper' } });
    const created = Date.parse('2026-05-04T10:00:00Z');
    const alert = await db.alert.create({
      data: {
        dedupeKey: 'test:hook',
        kind: 'detractor',
        customerId: customer.id,
        title: 'Rated their order 1 of 5',
        createdAt: new Date(created),
      },
    });

    const at = created + 60_000;
    expect(await queueUrgentAlerts(db, config, at)).toBe(1);
    const urgent = await webhookTargets(db, config, at);
    expect(urgent).toEqual([{ alertId: alert.id, reason: 'urgent' }]);
    expect(await webhookTargets(db, config, at)).toEqual(urgent); // a retried pass finds the same
    expect(await webhookTargets(db, { ...config, webhook: undefined } as AlertDeliveryConfig, at)).toEqual([]);
    expect(await postAlertWebhook(db, config, urgent[0]!)).toBe('posted');

    const later = created + 2 * 3_600_000;
    expect(await escalateAlerts(db, config, later)).toBe(1);
    const escalated = await webhookTargets(db, config, later);
    expect(escalated).toEqual([{ alertId: alert.id, reason: 'escalated' }]);
    expect(await postAlertWebhook(db, config, escalated[0]!)).toBe('posted');

    expect(received).toHaveLength(2);
    for (const post of received) {
      const expected = `sha256=${createHmac('sha256', SECRET).update(post.body).digest('hex')}`;
      expect(post.headers['x-aftercare-signature']).toBe(expected);
      expect(post.headers['content-type']).toBe('application/json');
    }
    const [first, second] = received.map((post) => JSON.parse(post.body));
    expect(first).toEqual({
      text: 'Needs someone now: Rated their order 1 of 5: Grace Hopper (grace@example.com). https://aftercare.test/app/customers/c-42',
      alert: {
        id: alert.id,
        kind: 'detractor',
        title: 'Rated their order 1 of 5',
        reason: 'urgent',
        customer: { id: 'c-42', name: 'Grace Hopper', email: 'grace@example.com' },
        journeyKey: null,
        createdAt: '2026-05-04T10:00:00.000Z',
        escalatedAt: null,
        url: 'https://aftercare.test/app/customers/c-42',
      },
    });
    expect(second.text).toBe(
      'Escalated, nobody acknowledged it within 1 hour: Rated their order 1 of 5: Grace Hopper (grace@example.com). https://aftercare.test/app/customers/c-42',
    );
    expect(second.alert).toMatchObject({ reason: 'escalated', escalatedAt: '2026-05-04T12:00:00.000Z' });
  });

  it('throws on a 5xx, so that the activity is retried, and gives up another refusal', async () => {
    const alertId = (await database.db.alert.findFirstOrThrow()).id;
    answer = 503;
    await expect(postAlertWebhook(database.db, config, { alertId, reason: 'urgent' })).rejects.toThrow(/503/);
    answer = 400;
    expect(await postAlertWebhook(database.db, config, { alertId, reason: 'urgent' })).toBe('refused');
  });
});
