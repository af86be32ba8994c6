import { STATUS_CODES } from 'node:http';
import { HttpException, HttpStatus } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/** The JSON body limit (body-parser's default, stated): every body here is a few fields. */
export const JSON_BODY_LIMIT = '100kb';

/** The fields body-parser (via http-errors) puts on the errors it passes on. */
interface BodyParserError {
  status: number;
  expose: boolean;
  type: string;
  message: string;
  limit?: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  const candidate = error as Partial<BodyParserError> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.status === 'number' &&
    candidate.status >= 400 &&
    candidate.status < 500 &&
    candidate.expose === true &&
    typeof candidate.type === 'string'
  );
}

/**
 * A request body body-parser refused (too large, not JSON, unsupported encoding) as the 4xx it
 * already decided on, with a sentence that says what to send instead. Undefined for other errors.
 * The raw body (error.body) is never echoed.
 */
export function requestBodyError(error: unknown): { status: number; message: string } | undefined {
  if (!isBodyParserError(error)) return undefined;
  switch (error.type) {
    case 'entity.too.large': {
      const limit = error.limit ? `${Math.round(error.limit / 1024)} KB` : 'the size limit';
      return {
        status: HttpStatus.PAYLOAD_TOO_LARGE,
        message: `The request body is larger than ${limit}; these endpoints take small JSON objects, so send only the documented fields`,
      };
    }
    case 'entity.parse.failed':
      return {
        status: HttpStatus.BAD_REQUEST,
        message: `The request body is not valid JSON (${error.message}); send a JSON object with the fields documented at /api/docs, with Content-Type: application/json`,
      };
    default:
      return { status: error.status, message: `The request body was refused: ${error.message}` };
  }
}

/**
 * Express error middleware, placed right after the JSON parser. Nest would turn a JSON syntax
 * error into a bare "Unexpected token …" 400 before any filter sees it; here every refusal
 * becomes an HttpException whose message says what to send instead.
 */
export function translateBodyErrors(
  error: unknown,
  _request: Request,
  _response: Response,
  next: NextFunction,
): void {
  const refused = requestBodyError(error);
  next(
    refused
      ? new HttpException(
          {
            statusCode: refused.status,
            error: STATUS_CODES[refused.status],
            message: refused.message,
          },
          refused.status,
        )
      : error,
  );
}
