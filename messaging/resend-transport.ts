// Resend through its official SDK. The SDK reads RESEND_BASE_URL itself; the message id travels as
// the idempotency key so that a retried activity never sends a second email.
import { Resend } from 'resend';
import { type EmailTransport, type OutgoingEmail, PermanentSendError, type SendResult } from './transport.ts';

const retryableCodes = new Set(['rate_limit_exceeded', 'concurrent_idempotent_requests', 'internal_server_error', 'application_error']);

export class ResendTransport implements EmailTransport {
  readonly name = 'resend';
  private readonly client: Resend;

  constructor(apiKey: string) {
    this.client = new Resend(apiKey);
  }

  async send(email: OutgoingEmail): Promise<SendResult> {
    const { data, error } = await this.client.emails.send(
      {
        from: email.from,
        to: email.to,
        subject: email.subject,
        html: email.html,
        text: email.text,
        headers: email.headers,
        tags: email.tags,
      },
      { idempotencyKey: email.idempotencyKey },
    );
    if (error) {
      const code = String((error as { name?: string }).name ?? 'unknown');
      if (retryableCodes.has(code)) throw new Error(`Resend ${code}: ${error.message}`);
      throw new PermanentSendError(`Resend refused the email (${code}): ${error.message}`, code);
    }
    if (!data?.id) throw new Error('Resend answered without an email id');
    return { providerId: data.id };
  }
}
