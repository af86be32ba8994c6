import { applyDecorators, HttpStatus, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse } from '@nestjs/swagger';
import { BearerTokenGuard } from '../auth/bearer-token.guard';
import { ErrorResponseDto } from './error-response.dto';

/** The error answers an endpoint documents, each with what it means there. */
export const ApiError = {
  BadRequest: HttpStatus.BAD_REQUEST,
  NotFound: HttpStatus.NOT_FOUND,
  Conflict: HttpStatus.CONFLICT,
  PayloadTooLarge: HttpStatus.PAYLOAD_TOO_LARGE,
  UnsupportedMediaType: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  Unavailable: HttpStatus.SERVICE_UNAVAILABLE,
} as const;
export type ApiError = (typeof ApiError)[keyof typeof ApiError];

/** Said of every endpoint that reads Temporal. */
export const TEMPORAL_UNAVAILABLE =
  'Temporal is unreachable (the reason and the fix are in the message), or the schedule does not exist yet because no worker has started';

/** Said of every endpoint that reads or writes the file store. */
export const STORE_UNAVAILABLE =
  'Supabase is unreachable, failing (5xx) or refusing SUPABASE_SERVICE_ROLE_KEY (the message names the host, what failed and the fix)';

/** Documents error answers, all with the ErrorResponseDto body. */
export function ApiErrorResponses(
  errors: Partial<Record<ApiError, string>>,
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...Object.entries(errors).map(([status, description]) =>
      ApiResponse({ status: Number(status), description, type: ErrorResponseDto }),
    ),
  );
}

/**
 * Guards a mutating endpoint with the bearer token and documents it (security scheme and 401)
 * in one place, so the two cannot drift apart.
 */
export function BearerProtected(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    UseGuards(BearerTokenGuard),
    ApiBearerAuth(),
    ApiResponse({
      status: HttpStatus.UNAUTHORIZED,
      description: 'Missing or wrong "Authorization: Bearer <API_TOKEN>"',
      type: ErrorResponseDto,
    }),
  );
}

/** The error answers of an endpoint that takes a JSON body. */
export const BODY_ERRORS = {
  [ApiError.BadRequest]:
    'The body is not valid JSON (or not what its Content-Encoding says), or a field is missing, unknown or wrong',
  [ApiError.PayloadTooLarge]: 'The body is larger than 100 KB',
  [ApiError.UnsupportedMediaType]:
    'The body is not sent as Content-Type: application/json, or its Content-Encoding or charset is not supported',
} as const;
