import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG, TEMPORAL_CLIENT } from '../app-tokens';

/** The one Temporal client of the API, shared by every module; closed when the app stops. */
@Global()
@Module({
  providers: [
    {
      provide: TEMPORAL_CLIENT,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig): Promise<Client> => {
        const connection = await Connection.connect({ address: config.temporal.address });
        return new Client({ connection, namespace: config.temporal.namespace });
      },
    },
  ],
  exports: [TEMPORAL_CLIENT],
})
export class TemporalClientModule implements OnApplicationShutdown {
  constructor(@Inject(TEMPORAL_CLIENT) private readonly client: Client) {}

  async onApplicationShutdown(): Promise<void> {
    await this.client.connection.close();
  }
}
