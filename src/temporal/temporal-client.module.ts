import {
  Global,
  Inject,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  Client,
  Connection,
  defaultGrpcRetryOptions,
  makeGrpcRetryInterceptor,
} from '@temporalio/client';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG, TEMPORAL_CLIENT } from '../app-tokens';
import { GrpcStatus, grpcCode } from '../common/grpc-status';
import { describeTemporalOutage } from '../common/temporal-outage';
import { registerSearchAttributes } from './register-search-attributes';

/**
 * The SDK retries an unavailable server 10 times (about 20 s) per call; an operator waiting on
 * a page is better served by a 503 with the reason after about a second.
 */
const API_CALL_ATTEMPTS = 5;
/** grpc-js backs off reconnects up to 2 minutes; the API should notice a restarted server soon. */
const MAX_RECONNECT_BACKOFF_MS = 5_000;
const REGISTER_DEADLINE_MS = 5_000;

/**
 * The API's connection is lazy: the app starts, and /api/health explains, while Temporal is down;
 * every call reconnects on its own once the server is back.
 */
export function createApiConnection(address: string): Connection {
  return Connection.lazy({
    address,
    interceptors: [
      makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: API_CALL_ATTEMPTS })),
    ],
    channelArgs: { 'grpc.max_reconnect_backoff_ms': MAX_RECONNECT_BACKOFF_MS },
  });
}

/** The one Temporal client of the API, shared by every module; closed when the app stops. */
@Global()
@Module({
  providers: [
    {
      provide: TEMPORAL_CLIENT,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): Client =>
        new Client({
          connection: createApiConnection(config.temporal.address),
          namespace: config.temporal.namespace,
        }),
    },
  ],
  exports: [TEMPORAL_CLIENT],
})
export class TemporalClientModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('temporal');

  constructor(
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Re-runs started here set the custom search attributes and the failed-files listing reads
   * them, so the API registers them too (idempotent) rather than rely on the worker having run.
   * Never fatal: with Temporal down the API still starts, and says why in the log and in health.
   */
  async onApplicationBootstrap(): Promise<void> {
    const { connection } = this.client;
    const namespace = this.config.temporal.namespace;
    // Always true for the client built above; the operator service needs the concrete class.
    if (!(connection instanceof Connection)) return;
    try {
      const added = await connection.withDeadline(Date.now() + REGISTER_DEADLINE_MS, () =>
        registerSearchAttributes(connection, namespace),
      );
      if (added.length > 0) this.logger.log(`Registered search attributes: ${added.join(', ')}`);
    } catch (error) {
      // The worker, starting at the same moment, registered them first.
      if (grpcCode(error) === GrpcStatus.AlreadyExists) return;
      const outage = describeTemporalOutage(error, this.config.temporal.address);
      this.logger.warn(
        `Could not register the search attributes in namespace ${namespace} (${outage?.message ?? (error as Error).message}); the API keeps running and the worker registers them when it starts`,
      );
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.connection.close();
  }
}
