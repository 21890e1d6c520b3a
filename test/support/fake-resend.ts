// A local stand-in for the Resend API, close enough that the real `resend` SDK cannot tell the
// difference for what Aftercare uses: `POST /emails` and `POST /emails/batch`, with Resend's request
// and response shapes, error bodies (`{ statusCode, name, message }`), Bearer authentication and
// idempotency semantics (same key and body: the same answer and nothing sent again; same key and
// another body: 409 invalid_idempotent_request; same key while the first is still in flight: 409
// concurrent_idempotent_requests). It records every request and every email it "delivered" (what
// the provider would really have sent), and injects faults on demand through methods on the object:
// 429 with retry-after, 5xx, requests that hang (before or after the email counts as sent), dropped
// connections, per-recipient validation errors, and a closed port.
//
//   const resend = await FakeResend.start();
//   const transport = new ResendTransport(resend.apiKey, { baseUrl: resend.url });
//   resend.rateLimitNext(1, 2); // the next request answers 429 with `retry-after: 2`

import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Resend's error names (the `name` of an error body), as the SDK types them. */
export type ResendErrorName =
  | 'invalid_idempotency_key'
  | 'validation_error'
  | 'missing_api_key'
  | 'restricted_api_key'
  | 'invalid_api_key'
  | 'not_found'
  | 'method_not_allowed'
  | 'invalid_idempotent_request'
  | 'concurrent_idempotent_requests'
  | 'invalid_attachment'
  | 'invalid_from_address'
  | 'invalid_access'
  | 'invalid_parameter'
  | 'invalid_region'
  | 'missing_required_field'
  | 'monthly_quota_exceeded'
  | 'daily_quota_exceeded'
  | 'rate_limit_exceeded'
  | 'security_error'
  | 'application_error'
  | 'internal_server_error';

export type ResendErrorBody = { statusCode: number; name: ResendErrorName; message: string };

/**
 * How a hung request behaves:
 * - `drop`: the request is lost before Resend processes it: nothing sent, the key stays free;
 * - `in-flight`: Resend is still working on it: the key is taken (a second request with the same key
 *   gets 409 concurrent_idempotent_requests) until `releaseHung()` processes it;
 * - `accept`: Resend processed it (the email counts as delivered, the key maps to its id) but the
 *   answer never comes back: the client times out, and a retry with the same key gets the same id.
 */
export type HangMode = 'drop' | 'in-flight' | 'accept';

export type FakeResendRequest = {
  /** 1-based position among all requests the fake received. */
  seq: number;
  at: number;
  method: string;
  path: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  idempotencyKey: string | undefined;
  /** The parsed JSON body (the raw text when it is not JSON, `undefined` when empty). */
  body: unknown;
  /** The fault injected into this request, if any. */
  fault?: 'error' | 'reset' | `hang:${HangMode}` | 'rate-limited';
  /** What the fake answered; absent while pending, or when it never answered (hang, reset). */
  response?: { status: number; body: unknown; replayed: boolean };
};

export type DeliveredEmail = {
  /** The id Resend returned for it. */
  id: string;
  requestSeq: number;
  at: number;
  idempotencyKey: string | undefined;
  /** Sent through `POST /emails/batch`. */
  batch: boolean;
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  replyTo: string[];
  subject: string;
  html: string | undefined;
  text: string | undefined;
  headers: Record<string, string>;
  tags: { name: string; value: string }[];
};

export type FakeResendOptions = {
  /** The API key to accept (`Authorization: Bearer <key>`); any other key answers 403 invalid_api_key. */
  apiKey?: string;
  /** Answer 429 rate_limit_exceeded beyond this many email requests per rolling second (off by default). */
  rateLimitPerSecond?: number;
};

type Fault =
  | { kind: 'error'; status: number; body: string; json: boolean; headers: Record<string, string> }
  | { kind: 'reset' }
  | { kind: 'hang'; mode: HangMode };

type IdempotencyRecord =
  | { state: 'in-flight'; fingerprint: string }
  | { state: 'done'; fingerprint: string; status: number; body: unknown };

type Outcome = { status: number; body: unknown; headers?: Record<string, string>; replayed?: boolean };

type Hung = { release(): void; abandon(): void };

const emailPaths = new Set(['/emails', '/emails/batch']);
const maxRecipients = 50;
const maxBatch = 100;
// `email@example.com` or `Name <email@example.com>`, as Resend words its own validation message.
const addressPattern = /^(?:[^<>]*<\s*[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+\s*>|[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+)$/;
const tagPattern = /^[A-Za-z0-9_-]{1,256}$/;

export class FakeResend {
  readonly apiKey: string;
  /** Every request received, in order, faulted ones included. */
  readonly requests: FakeResendRequest[] = [];
  /** Every email the provider would really have sent, in order. Never twice for one idempotency key. */
  readonly delivered: DeliveredEmail[] = [];

  private server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly faults: Fault[] = [];
  private readonly rejections = new Map<string, ResendErrorBody>();
  private readonly idempotency = new Map<string, IdempotencyRecord>();
  private readonly hung = new Set<Hung>();
  private readonly waiters = new Set<() => void>();
  private readonly recentAccepted: number[] = [];
  private rateLimitPerSecond: number | undefined;
  private listening = false;
  private closed = false;
  private portNumber = 0;

  private constructor(options: FakeResendOptions) {
    this.apiKey = options.apiKey ?? `re_fake_${randomUUID().replaceAll('-', '')}`;
    this.rateLimitPerSecond = options.rateLimitPerSecond;
    this.server = this.createServer();
  }

  /** Starts a fake on 127.0.0.1 and a free port. */
  static async start(options: FakeResendOptions = {}): Promise<FakeResend> {
    const fake = new FakeResend(options);
    await fake.listen(0);
    return fake;
  }

  /** The base URL to give the SDK (`new Resend(key, { baseUrl })` or `RESEND_BASE_URL`). */
  get url(): string {
    return `http://127.0.0.1:${this.portNumber}`;
  }

  get port(): number {
    return this.portNumber;
  }

  /** Requests to the email endpoints only. */
  emailRequests(): FakeResendRequest[] {
    return this.requests.filter((request) => request.method === 'POST' && emailPaths.has(request.path));
  }

  // ---- fault injection -------------------------------------------------------------------------

  /** The next `count` email requests answer 429 rate_limit_exceeded with `retry-after: <seconds>`. */
  rateLimitNext(count = 1, retryAfterSeconds = 1): this {
    return this.failNext(count, {
      status: 429,
      name: 'rate_limit_exceeded',
      message: 'Too many requests. You can only make 2 requests per second. See rate limit response headers for more information.',
      headers: { 'retry-after': String(retryAfterSeconds), ...rateLimitHeaders(retryAfterSeconds) },
    });
  }

  /** The next `count` email requests answer a 5xx (500 internal_server_error, else application_error). */
  serverErrorNext(count = 1, status = 500): this {
    return this.failNext(count, {
      status,
      name: status === 500 ? 'internal_server_error' : 'application_error',
      message: status === 500 ? 'An unexpected error occurred.' : 'Service unavailable, please try again later.',
    });
  }

  /**
   * The next `count` email requests answer this error. `rawBody` replaces the JSON error body (e.g. an
   * HTML page from a proxy, which the SDK turns into application_error).
   */
  failNext(
    count: number,
    error: { status: number; name?: ResendErrorName; message?: string; headers?: Record<string, string>; rawBody?: string },
  ): this {
    const body =
      error.rawBody ??
      JSON.stringify({
        statusCode: error.status,
        name: error.name ?? 'application_error',
        message: error.message ?? 'Injected failure.',
      } satisfies ResendErrorBody);
    const json = error.rawBody === undefined;
    for (let i = 0; i < count; i++) this.faults.push({ kind: 'error', status: error.status, body, json, headers: error.headers ?? {} });
    return this;
  }

  /** The next `count` email requests never get an answer (see `HangMode`) until `releaseHung()` or `close()`. */
  hangNext(count = 1, mode: HangMode = 'drop'): this {
    for (let i = 0; i < count; i++) this.faults.push({ kind: 'hang', mode });
    return this;
  }

  /** The next `count` email requests lose their connection without an answer; nothing is sent. */
  resetNext(count = 1): this {
    for (let i = 0; i < count; i++) this.faults.push({ kind: 'reset' });
    return this;
  }

  /** Every email to, cc or bcc this address is refused (422 validation_error unless told), until `acceptRecipient`. */
  rejectRecipient(address: string, error: Partial<ResendErrorBody> = {}): this {
    this.rejections.set(address.toLowerCase(), {
      statusCode: error.statusCode ?? 422,
      name: error.name ?? 'validation_error',
      message: error.message ?? `Invalid \`to\` field. The email address ${address} cannot receive email.`,
    });
    return this;
  }

  acceptRecipient(address: string): this {
    this.rejections.delete(address.toLowerCase());
    return this;
  }

  /** Turns the automatic rate limit on (a number) or off (`undefined`). */
  setRateLimit(perSecond: number | undefined): this {
    this.rateLimitPerSecond = perSecond;
    return this;
  }

  /** Faults queued and not used yet. */
  pendingFaults(): number {
    return this.faults.length;
  }

  /**
   * Ends every hung request: `in-flight` ones are processed now (and answered if the client still
   * listens), `accept` ones are answered, `drop` ones lose their connection.
   */
  releaseHung(): void {
    for (const hung of [...this.hung]) hung.release();
  }

  /** Forgets every idempotency key, as Resend does after 24 hours. */
  expireIdempotencyKeys(): void {
    for (const [key, record] of this.idempotency) if (record.state === 'done') this.idempotency.delete(key);
  }

  /** Forgets requests, deliveries, faults, rejections and idempotency keys. */
  reset(): void {
    this.requests.length = 0;
    this.delivered.length = 0;
    this.faults.length = 0;
    this.rejections.clear();
    this.idempotency.clear();
    this.recentAccepted.length = 0;
    for (const hung of [...this.hung]) hung.abandon();
  }

  // ---- the port --------------------------------------------------------------------------------

  /** Closes the port: requests fail with ECONNREFUSED until `acceptConnections()`. Open connections are cut. */
  async refuseConnections(): Promise<void> {
    if (!this.listening) return;
    await this.stopListening();
  }

  /** Opens the same port again after `refuseConnections()`. */
  async acceptConnections(): Promise<void> {
    if (this.closed) throw new Error('the fake Resend server is closed');
    if (this.listening) return;
    this.server = this.createServer();
    await this.listen(this.portNumber);
  }

  /** Shuts the fake down for good (hung requests are abandoned). */
  async close(): Promise<void> {
    this.closed = true;
    for (const hung of [...this.hung]) hung.abandon();
    if (this.listening) await this.stopListening();
  }

  // ---- waiting ---------------------------------------------------------------------------------

  /** Resolves once at least `count` emails have been delivered. */
  waitForDelivered(count: number, timeoutMs = 10_000): Promise<DeliveredEmail[]> {
    return this.waitFor(() => (this.delivered.length >= count ? this.delivered : undefined), `${count} delivered emails`, timeoutMs);
  }

  /** Resolves once at least `count` email requests have arrived. */
  waitForRequests(count: number, timeoutMs = 10_000): Promise<FakeResendRequest[]> {
    return this.waitFor(
      () => {
        const requests = this.emailRequests();
        return requests.length >= count ? requests : undefined;
      },
      `${count} email requests`,
      timeoutMs,
    );
  }

  private waitFor<T>(probe: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    const now = probe();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = probe();
        if (value === undefined) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(
            `fake Resend: waited ${timeoutMs} ms for ${what}; saw ${this.emailRequests().length} requests, ${this.delivered.length} delivered`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  // ---- HTTP ------------------------------------------------------------------------------------

  private createServer(): Server {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          send(res, { status: 500, body: errorBody(500, 'internal_server_error', `fake Resend crashed: ${String(error)}`) });
        }
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    return server;
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        this.portNumber = (this.server.address() as AddressInfo).port;
        this.listening = true;
        resolve();
      });
    });
  }

  private stopListening(): Promise<void> {
    this.listening = false;
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
      for (const socket of this.sockets) socket.destroy();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const parsed = parseJson(raw);
    const record: FakeResendRequest = {
      seq: this.requests.length + 1,
      at: Date.now(),
      method: req.method ?? 'GET',
      path,
      headers,
      idempotencyKey: headers['idempotency-key'],
      body: parsed.ok ? parsed.value : raw || undefined,
    };
    this.requests.push(record);
    this.notify();

    const answer = (outcome: Outcome) => {
      record.response = { status: outcome.status, body: outcome.body, replayed: outcome.replayed ?? false };
      if (!res.destroyed && !res.headersSent) send(res, outcome);
      this.notify();
    };

    const authError = this.authenticate(headers['authorization']);
    if (authError) return answer({ status: authError.statusCode, body: authError });
    if (!emailPaths.has(path)) return answer({ status: 404, body: errorBody(404, 'not_found', 'The requested endpoint does not exist.') });
    if (record.method !== 'POST') {
      return answer({ status: 405, body: errorBody(405, 'method_not_allowed', 'Method is not allowed for the requested path.') });
    }

    const fault = this.faults.shift();
    if (fault?.kind === 'error') {
      record.fault = 'error';
      record.response = { status: fault.status, body: fault.json ? JSON.parse(fault.body) : fault.body, replayed: false };
      if (!res.destroyed) {
        res.writeHead(fault.status, { 'content-type': fault.json ? 'application/json' : 'text/html', ...fault.headers });
        res.end(fault.body);
      }
      this.notify();
      return;
    }
    if (fault?.kind === 'reset') {
      record.fault = 'reset';
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'hang') record.fault = `hang:${fault.mode}`;
    if (fault?.kind === 'hang' && fault.mode === 'drop') {
      this.park(res, () => req.socket.destroy());
      return;
    }

    if (this.overRateLimit()) {
      record.fault = 'rate-limited';
      return answer({
        status: 429,
        body: errorBody(429, 'rate_limit_exceeded', `Too many requests. You can only make ${this.rateLimitPerSecond} requests per second.`),
        headers: { 'retry-after': '1', ...rateLimitHeaders(1, this.rateLimitPerSecond) },
      });
    }

    if (!parsed.ok) return answer({ status: 400, body: errorBody(400, 'validation_error', 'Invalid JSON in the request body.') });

    const key = record.idempotencyKey;
    if (key !== undefined && (key.length < 1 || key.length > 256)) {
      return answer({ status: 400, body: errorBody(400, 'invalid_idempotency_key', 'The key must be between 1-256 chars.') });
    }
    const batch = path === '/emails/batch';
    const permissive = batch && headers['x-batch-validation'] === 'permissive';
    const fingerprint = sha256(`${path}\n${permissive ? 'permissive' : 'strict'}\n${canonicalJson(parsed.value)}`);
    const existing = key === undefined ? undefined : this.idempotency.get(key);

    let outcome: Outcome;
    if (existing?.state === 'in-flight') {
      outcome = {
        status: 409,
        body: errorBody(409, 'concurrent_idempotent_requests', 'Same idempotency key used while original request is still in progress.'),
      };
    } else if (existing && existing.fingerprint !== fingerprint) {
      outcome = {
        status: 409,
        body: errorBody(409, 'invalid_idempotent_request', 'Same idempotency key used with a different request payload.'),
      };
    } else if (existing) {
      outcome = { status: existing.status, body: existing.body, replayed: true };
    } else {
      const run = (): Outcome => {
        const result = batch ? this.processBatch(parsed.value, record, permissive) : this.processOne(parsed.value, record);
        if (key !== undefined) {
          // Like Resend, only a processed request holds its key; a refused one leaves it free.
          if (result.status === 200) this.idempotency.set(key, { state: 'done', fingerprint, status: result.status, body: result.body });
          else this.idempotency.delete(key);
        }
        return result;
      };
      if (fault?.kind === 'hang' && fault.mode === 'in-flight') {
        if (key !== undefined) this.idempotency.set(key, { state: 'in-flight', fingerprint });
        this.park(
          res,
          () => answer(run()),
          () => {
            if (key !== undefined && this.idempotency.get(key)?.state === 'in-flight') this.idempotency.delete(key);
          },
        );
        return;
      }
      outcome = run();
    }

    if (fault?.kind === 'hang' && fault.mode === 'accept') {
      this.park(res, () => answer(outcome));
      return;
    }
    answer(outcome);
  }

  private park(res: ServerResponse, release: () => void, abandon: () => void = () => {}): void {
    const hung: Hung = {
      release: () => {
        this.hung.delete(hung);
        release();
      },
      abandon: () => {
        this.hung.delete(hung);
        abandon();
        res.destroy();
      },
    };
    this.hung.add(hung);
  }

  private authenticate(authorization: string | undefined): ResendErrorBody | undefined {
    const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    if (!match?.[1])
      return errorBody(
        401,
        'missing_api_key',
        'Missing API key in the authorization header. Include the following header Authorization: Bearer YOUR_API_KEY in the request.',
      );
    if (match[1].trim() !== this.apiKey) return errorBody(403, 'invalid_api_key', 'API key is invalid');
    return undefined;
  }

  private overRateLimit(): boolean {
    if (this.rateLimitPerSecond === undefined) return false;
    const now = Date.now();
    while (this.recentAccepted.length > 0 && (this.recentAccepted[0] ?? 0) <= now - 1000) this.recentAccepted.shift();
    if (this.recentAccepted.length >= this.rateLimitPerSecond) return true;
    this.recentAccepted.push(now);
    return false;
  }

  private processOne(body: unknown, record: FakeResendRequest): Outcome {
    const error = this.validate(body, false);
    if (error) return { status: error.statusCode, body: error };
    const id = randomUUID();
    this.deliver(id, body as Record<string, unknown>, record, false);
    return { status: 200, body: { id } };
  }

  private processBatch(body: unknown, record: FakeResendRequest, permissive: boolean): Outcome {
    if (!Array.isArray(body))
      return { status: 422, body: errorBody(422, 'validation_error', 'The request body must be an array of emails.') };
    if (body.length === 0) return { status: 422, body: errorBody(422, 'validation_error', 'The batch must contain at least 1 email.') };
    if (body.length > maxBatch) {
      return { status: 422, body: errorBody(422, 'validation_error', `The batch can contain at most ${maxBatch} emails.`) };
    }
    const errors: { index: number; error: ResendErrorBody }[] = [];
    body.forEach((email, index) => {
      const error = this.validate(email, true);
      if (error) errors.push({ index, error });
    });
    const first = errors[0];
    if (first && !permissive) {
      // Strict validation (the SDK's default): one invalid email refuses the whole batch.
      return { status: first.error.statusCode, body: { ...first.error, message: `emails[${first.index}]: ${first.error.message}` } };
    }
    const failed = new Set(errors.map((error) => error.index));
    const data: { id: string }[] = [];
    body.forEach((email, index) => {
      if (failed.has(index)) return;
      const id = randomUUID();
      this.deliver(id, email as Record<string, unknown>, record, true);
      data.push({ id });
    });
    return {
      status: 200,
      body: permissive ? { data, errors: errors.map(({ index, error }) => ({ index, message: error.message })) } : { data },
    };
  }

  private deliver(id: string, email: Record<string, unknown>, record: FakeResendRequest, batch: boolean): void {
    this.delivered.push({
      id,
      requestSeq: record.seq,
      at: Date.now(),
      idempotencyKey: record.idempotencyKey,
      batch,
      from: email['from'] as string,
      to: addresses(email['to']),
      cc: addresses(email['cc']),
      bcc: addresses(email['bcc']),
      replyTo: addresses(email['reply_to']),
      subject: (email['subject'] as string | undefined) ?? '',
      html: email['html'] as string | undefined,
      text: email['text'] as string | undefined,
      headers: (email['headers'] as Record<string, string> | undefined) ?? {},
      tags: (email['tags'] as { name: string; value: string }[] | undefined) ?? [],
    });
    this.notify();
  }

  /** Resend's checks on one email: required fields, types, address format, tags, headers. */
  private validate(email: unknown, inBatch: boolean): ResendErrorBody | undefined {
    if (typeof email !== 'object' || email === null || Array.isArray(email)) {
      return errorBody(422, 'validation_error', 'The request body must be an email object.');
    }
    const e = email as Record<string, unknown>;
    const usesTemplate = e['template'] !== undefined && e['template'] !== null;
    for (const field of ['from', 'to', ...(usesTemplate ? [] : ['subject'])]) {
      if (e[field] === undefined || e[field] === null) return errorBody(422, 'missing_required_field', `Missing \`${field}\` field.`);
    }
    if (!usesTemplate && e['html'] === undefined && e['text'] === undefined && e['react'] === undefined) {
      return errorBody(422, 'missing_required_field', 'Missing `html` or `text` field.');
    }
    if (typeof e['from'] !== 'string') return errorBody(422, 'validation_error', 'The `from` field must be a `string`.');
    if (!addressPattern.test(e['from'].trim())) return invalidAddress('from');
    for (const field of ['to', 'cc', 'bcc', 'reply_to']) {
      const value = e[field];
      if (value === undefined || value === null) continue;
      const list = Array.isArray(value) ? value : [value];
      if (list.some((item) => typeof item !== 'string')) {
        return errorBody(422, 'validation_error', `The \`${field}\` field must be a \`string\` or an array of strings.`);
      }
      if (field === 'to' && list.length === 0) return errorBody(422, 'missing_required_field', 'Missing `to` field.');
      if (list.length > maxRecipients)
        return errorBody(422, 'validation_error', `The \`${field}\` field can contain at most ${maxRecipients} addresses.`);
      if (list.some((item) => !addressPattern.test((item as string).trim()))) return invalidAddress(field);
    }
    for (const field of ['subject', 'html', 'text']) {
      if (e[field] !== undefined && typeof e[field] !== 'string')
        return errorBody(422, 'validation_error', `The \`${field}\` field must be a \`string\`.`);
    }
    if (e['headers'] !== undefined) {
      const headers = e['headers'];
      if (
        typeof headers !== 'object' ||
        headers === null ||
        Array.isArray(headers) ||
        Object.values(headers).some((v) => typeof v !== 'string')
      ) {
        return errorBody(422, 'validation_error', 'The `headers` field must be an object of string values.');
      }
    }
    if (e['tags'] !== undefined) {
      const tags = e['tags'];
      const valid =
        Array.isArray(tags) &&
        tags.every((tag: unknown) => {
          const t = tag as { name?: unknown; value?: unknown } | null;
          return (
            typeof t?.name === 'string' &&
            tagPattern.test(t.name) &&
            (t.value === undefined || (typeof t.value === 'string' && tagPattern.test(t.value)))
          );
        });
      if (!valid) {
        return errorBody(
          422,
          'validation_error',
          'Invalid `tags` field. Tag names and values can only contain ASCII letters (a-z, A-Z), numbers (0-9), underscores (_), or dashes (-), up to 256 characters.',
        );
      }
    }
    if (inBatch && e['attachments'] !== undefined)
      return errorBody(422, 'validation_error', 'Attachments are not supported in batch emails.');
    if (inBatch && e['scheduled_at'] !== undefined)
      return errorBody(422, 'validation_error', '`scheduled_at` is not supported in batch emails.');
    for (const field of ['to', 'cc', 'bcc']) {
      for (const address of addresses(e[field])) {
        const rejection = this.rejections.get(bareAddress(address));
        if (rejection) return rejection;
      }
    }
    return undefined;
  }
}

function errorBody(statusCode: number, name: ResendErrorName, message: string): ResendErrorBody {
  return { statusCode, name, message };
}

function invalidAddress(field: string): ResendErrorBody {
  return errorBody(
    422,
    'validation_error',
    `Invalid \`${field}\` field. The email address needs to follow the \`email@example.com\` or \`Name <email@example.com>\` format.`,
  );
}

function rateLimitHeaders(resetSeconds: number, limit = 2): Record<string, string> {
  return { 'ratelimit-limit': String(limit), 'ratelimit-remaining': '0', 'ratelimit-reset': String(resetSeconds) };
}

function send(res: ServerResponse, outcome: Outcome): void {
  res.writeHead(outcome.status, { 'content-type': 'application/json', ...outcome.headers });
  res.end(JSON.stringify(outcome.body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function addresses(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

function bareAddress(address: string): string {
  const match = /<([^>]+)>/.exec(address);
  return (match?.[1] ?? address).trim().toLowerCase();
}
