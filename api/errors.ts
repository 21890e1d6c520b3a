// One error shape for every endpoint: `{ error: { code, message, field? } }`.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export function errorBody(code: string, message: string, field?: string) {
  return { error: { code, message, ...(field ? { field } : {}) } };
}

export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof HttpError) return reply.status(error.statusCode).send(errorBody(error.code, error.message, error.field));
  if (hasZodFastifySchemaValidationErrors(error)) {
    const first = error.validation[0];
    const where =
      first?.instancePath
        .replace(/^\//, '')
        .replace(/\/(\d+)/g, '[$1]')
        .replace(/\//g, '.') ?? '';
    const field = [error.validationContext, where].filter(Boolean).join('.');
    return reply.status(422).send(errorBody('invalid_request', `${field} ${first?.message ?? 'is invalid'}`, field));
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return reply.status(400).send(errorBody('invalid_json', `The body is not valid JSON: ${error.message}`, '(body)'));
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return reply.status(413).send(errorBody('payload_too_large', 'The body is larger than the limit.', '(body)'));
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return reply
        .status(415)
        .send(errorBody('unsupported_media_type', 'Send JSON with Content-Type: application/json.', '(content-type)'));
  }
  if (error.statusCode && error.statusCode < 500) {
    return reply.status(error.statusCode).send(errorBody('bad_request', error.message));
  }
  request.log.error({ err: error }, 'unhandled error');
  return reply.status(500).send(errorBody('internal', 'Something went wrong on our side; the request can be retried.'));
}
