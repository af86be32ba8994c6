import { STATUS_CODES } from 'node:http';
import { HttpException, HttpStatus } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/** The JSON body limit (body-parser's default, stated): every body here is a few fields. */
export const JSON_BODY_LIMIT = '100kb';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * body-parser's `verify` hook: a body that is not valid UTF-8 is refused. The parser would
 * decode the bad bytes as U+FFFD and store a note that is not what was sent.
 */
export function verifyUtf8(_request: unknown, _response: unknown, body: Buffer): void {
  try {
    strictUtf8.decode(body);
  } catch {
    throw Object.assign(new Error('the request body is not valid UTF-8'), { status: 400 });
  }
}

/**
 * The fields http-errors puts on the errors body-parser passes on. `type` is missing when
 * body-parser wraps a stream's own error, e.g. zlib's "incorrect header check".
 */
interface ClientHttpError {
  status: number;
  expose: boolean;
  message: string;
  type?: string;
  limit?: number;
  charset?: string;
  encoding?: string;
}

/** A 4xx from http-errors (body-parser, raw-body): its status is already the right answer. */
function isClientHttpError(error: unknown): error is ClientHttpError {
  const candidate = error as Partial<ClientHttpError> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.status === 'number' &&
    candidate.status >= 400 &&
    candidate.status < 500 &&
    candidate.expose === true
  );
}

const SEND_JSON = 'send a JSON object with the fields documented at /api/docs';

/**
 * A request body body-parser refused (too large, not JSON, not decodable, unsupported encoding
 * or charset) as the 4xx it already decided on, with a sentence that says what to send instead.
 * Undefined for other errors. The raw body (error.body) is never echoed.
 *
 * @param contentEncoding the request's Content-Encoding header, to name what failed to decode
 */
export function requestBodyError(
  error: unknown,
  contentEncoding?: string,
): { status: number; message: string } | undefined {
  if (!isClientHttpError(error)) return undefined;
  switch (error.type) {
    case 'entity.too.large': {
      const limit = error.limit ? `${Math.round(error.limit / 1024)} KB` : 'the size limit';
      return {
        status: HttpStatus.PAYLOAD_TOO_LARGE,
        message: `The request body is larger than ${limit}; these endpoints take small JSON objects, so send only the documented fields`,
      };
    }
    case 'entity.parse.failed':
      // Strict parsing refuses a valid JSON scalar (null, "text", 5) with a syntax error.
      if (isJsonScalar((error as { body?: unknown }).body)) {
        return {
          status: HttpStatus.BAD_REQUEST,
          message: `The request body must be a JSON object, not null, a string or a number; ${SEND_JSON}`,
        };
      }
      return {
        status: HttpStatus.BAD_REQUEST,
        message: `The request body is not valid JSON (${error.message}); ${SEND_JSON}, with Content-Type: application/json`,
      };
    case 'encoding.unsupported':
      return {
        status: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        message: `Content-Encoding "${error.encoding ?? contentEncoding ?? ''}" is not supported; send the JSON uncompressed (no Content-Encoding header), or compressed with gzip, deflate or br`,
      };
    case 'charset.unsupported':
      return {
        status: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        message: `The charset "${error.charset ?? ''}" is not supported; send the JSON in UTF-8 (Content-Type: application/json; charset=utf-8)`,
      };
    case 'request.size.invalid':
      return {
        status: HttpStatus.BAD_REQUEST,
        message:
          'The request body is not as long as its Content-Length header says; send it again with the right Content-Length',
      };
    case 'entity.verify.failed':
      return {
        status: HttpStatus.BAD_REQUEST,
        message: `The request body is not valid UTF-8; ${SEND_JSON}, encoded in UTF-8`,
      };
    case 'request.aborted':
      return {
        status: HttpStatus.BAD_REQUEST,
        message: 'The request was aborted before its body was complete; send it again',
      };
    case undefined: {
      // body-parser types every refusal of its own; an untyped one wraps the decompression
      // stream's error, i.e. the body is not what its Content-Encoding says.
      const encoding = contentEncoding?.trim().toLowerCase();
      if (encoding && encoding !== 'identity') {
        return {
          status: error.status,
          message: `The request body is not valid ${encoding} (${error.message}), although Content-Encoding says it is; send the JSON uncompressed without a Content-Encoding header, or compress it as the header says`,
        };
      }
      break;
    }
  }
  return {
    status: error.status,
    message: `The request body was refused: ${error.message}; ${SEND_JSON}`,
  };
}

/** The HttpException for a refused body, in the shape of every other error answer. */
export function bodyRefusal(refused: { status: number; message: string }): HttpException {
  return new HttpException(
    { statusCode: refused.status, error: STATUS_CODES[refused.status], message: refused.message },
    refused.status,
  );
}

/**
 * Express error middleware, placed right after the JSON parser. Nest would turn a JSON syntax
 * error into a bare "Unexpected token …" 400 before any filter sees it; here every refusal
 * becomes an HttpException whose message says what to send instead.
 */
export function translateBodyErrors(
  error: unknown,
  request: Request,
  _response: Response,
  next: NextFunction,
): void {
  const refused = requestBodyError(error, request.headers['content-encoding']);
  next(refused ? bodyRefusal(refused) : error);
}

function isJsonScalar(body: unknown): boolean {
  if (typeof body !== 'string') return false;
  try {
    const value: unknown = JSON.parse(body);
    return value === null || typeof value !== 'object';
  } catch {
    return false;
  }
}
