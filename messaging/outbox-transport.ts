// The transport used when no email provider is configured: rendered emails land in a table that the
// web app shows. It honours the idempotency key like a provider would.
import type { Database } from '../runtime/database.ts';
import type { EmailTransport, OutgoingEmail, SendResult } from './transport.ts';

export class OutboxTransport implements EmailTransport {
  readonly name = 'outbox';

  constructor(private readonly db: Database) {}

  async send(email: OutgoingEmail): Promise<SendResult> {
    const row = await this.db.outboxEmail.upsert({
      where: { idempotencyKey: email.idempotencyKey },
      update: {},
      create: {
        idempotencyKey: email.idempotencyKey,
        fromAddress: email.from,
        toAddress: email.to,
        subject: email.subject,
        html: email.html,
        text: email.text,
        headers: email.headers,
        tags: email.tags,
      },
    });
    return { providerId: row.id };
  }
}
