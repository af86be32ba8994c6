import { HttpStatus } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { bodyRefusal } from './request-body-error';

/** The methods whose body an endpoint here reads. */
const BODY_METHODS = new Set(['POST', 'PATCH']);

const SEND_JSON = 'send the body as JSON with Content-Type: application/json';

/**
 * Express middleware, before the JSON parser. The parser skips a body of another type (XML, a
 * form, multipart), so the endpoint would run as if no body had been sent: a pause with the
 * default note, or curl's default form encoding read as one odd field name. Such a body is
 * refused with 415 and the fix instead. Requests without a body pass, whatever their headers.
 */
export function refuseNonJsonBodies(
  request: Request,
  _response: Response,
  next: NextFunction,
): void {
  const chunked = request.headers['transfer-encoding'] !== undefined;
  // Content-Length: 0 is no body (req.is() would call it one of no type).
  const declaresBody = chunked || Number(request.headers['content-length'] ?? 0) > 0;
  if (!BODY_METHODS.has(request.method) || !declaresBody || request.is('application/json')) {
    next();
    return;
  }
  const refuse = (): void => {
    const mediaType = request.headers['content-type']?.split(';')[0].trim().slice(0, 100);
    next(
      bodyRefusal({
        status: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        message: mediaType
          ? `The request body is ${mediaType}, which this API does not read; ${SEND_JSON}`
          : `The request body has no Content-Type; ${SEND_JSON}`,
      }),
    );
  };
  if (!chunked) {
    refuse();
    return;
  }
  // Chunked: Node clients send a POST without a body that way, as one empty chunk. Only a
  // first byte tells a body from none; the rest of a refused body is read and dropped.
  const settle = (hasContent: boolean): void => {
    request.off('data', onData);
    request.off('end', onEnd);
    request.off('error', onEnd);
    if (hasContent) {
      request.resume();
      refuse();
    } else {
      next();
    }
  };
  const onData = (): void => settle(true);
  const onEnd = (): void => settle(false);
  request.on('data', onData);
  request.once('end', onEnd);
  request.once('error', onEnd);
}
