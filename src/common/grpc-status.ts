import { ServiceError } from '@temporalio/client';

/** The gRPC status codes the API tells apart (https://grpc.io/docs/guides/status-codes/). */
export const GrpcStatus = {
  InvalidArgument: 3,
  DeadlineExceeded: 4,
  NotFound: 5,
  AlreadyExists: 6,
  Unavailable: 14,
} as const;
export type GrpcStatus = (typeof GrpcStatus)[keyof typeof GrpcStatus];

/** The SDK wraps gRPC failures (ServiceError → cause); look a few levels down. */
function* causes(error: unknown): Generator<unknown> {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    yield current;
    current =
      current instanceof ServiceError ? current.cause : (current as { cause?: unknown }).cause;
  }
}

/** The gRPC status code of a Temporal call's failure, if there is one. */
export function grpcCode(error: unknown): number | undefined {
  for (const current of causes(error)) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

/** The server's own words (gRPC `details`), else the error's message. */
export function grpcDetails(error: unknown): string {
  for (const current of causes(error)) {
    const details = (current as { details?: unknown }).details;
    if (typeof details === 'string' && details) return details;
  }
  return (error as Error)?.message ?? String(error);
}
