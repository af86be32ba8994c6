import { STATUS_CODES } from 'node:http';
import {
  ArgumentsHost,
  Catch,
  HttpException,
  HttpStatus,
  Inject,
  Logger,
  type ExceptionFilter,
} from '@nestjs/common';
import { NamespaceNotFoundError, ScheduleNotFoundError } from '@temporalio/client';
import type { Request, Response } from 'express';
import { APP_CONFIG } from '../app-tokens';
import type { AppConfig } from '../config/app-config';
import { GrpcStatus, grpcCode } from './grpc-status';
import { requestBodyError } from './request-body-error';
import { describeStoreOutage } from './store-outage';
import { describeTemporalOutage } from './temporal-outage';

/**
 * Answers every error as JSON without a stack trace: HTTP errors as Nest shapes them, a body
 * body-parser refused as its 4xx, Temporal or the file store being unreachable (or refusing the
 * key) and the schedule not created yet as 503, and anything unexpected as 500 with a short
 * message (the details go to the log only).
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('api');

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const send = (status: number, message: string): void => {
      response.status(status).json({ statusCode: status, error: STATUS_CODES[status], message });
    };
    if (exception instanceof HttpException) {
      response.status(exception.getStatus()).json(exception.getResponse());
      return;
    }
    // A body refused by a parser other than the JSON one (translateBodyErrors handles that).
    const body = requestBodyError(
      exception,
      http.getRequest<Request>().headers['content-encoding'],
    );
    if (body) return send(body.status, body.message);
    // Supabase down, failing or refusing the key: an outage to wait out or a setting to fix.
    const storeOutage = describeStoreOutage(exception);
    if (storeOutage) return send(HttpStatus.SERVICE_UNAVAILABLE, storeOutage);
    // The worker creates the schedule when it starts; until then every schedule call fails.
    if (exception instanceof ScheduleNotFoundError) {
      return send(
        HttpStatus.SERVICE_UNAVAILABLE,
        `schedule "${exception.scheduleId || this.config.schedule.id}" does not exist yet; the worker creates it when it starts (check that the worker runs against the same TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and SCHEDULE_ID)`,
      );
    }
    if (exception instanceof NamespaceNotFoundError) {
      return send(
        HttpStatus.SERVICE_UNAVAILABLE,
        `Temporal namespace "${exception.namespace}" does not exist; create it or correct TEMPORAL_NAMESPACE`,
      );
    }
    const outage = describeTemporalOutage(exception, this.config.temporal.address);
    if (outage) {
      return send(
        HttpStatus.SERVICE_UNAVAILABLE,
        `Temporal is unreachable: ${outage.message}. Retry once it is back.`,
      );
    }
    if (grpcCode(exception) === GrpcStatus.InvalidArgument) {
      return send(
        HttpStatus.BAD_REQUEST,
        `Temporal refused the request: ${(exception as Error).message}`,
      );
    }
    this.logger.error(
      exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
    );
    send(HttpStatus.INTERNAL_SERVER_ERROR, 'Unexpected error; the API log has the details');
  }
}
