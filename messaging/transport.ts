/** One email, as every transport takes it. `idempotencyKey` is the message id: the provider dedupes on it. */
export type OutgoingEmail = {
  idempotencyKey: string;
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  tags: { name: string; value: string }[];
};

export type SendResult = { providerId: string };

export interface EmailTransport {
  readonly name: string;
  send(email: OutgoingEmail): Promise<SendResult>;
}

/** The provider refused the email for good (a validation error): retrying cannot help. */
export class PermanentSendError extends Error {
  constructor(
    message: string,
    readonly providerCode?: string,
  ) {
    super(message);
  }
}
