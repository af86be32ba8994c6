import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { Client } from '@temporalio/client';
import { TranscriberCallError, TranscriberClient } from '../../activities/transcriber-client';
import { TranscriptionErrorType } from '../../activities/transcription-error-type';
import { APP_CONFIG, FILE_STORE, TEMPORAL_CLIENT } from '../app-tokens';
import type { AppConfig } from '../config/app-config';
import type { FileStore } from '../files/file-store';
import { canConnect } from './tcp-probe';

const PROBE_TIMEOUT_MS = 3_000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no answer within ${PROBE_TIMEOUT_MS} ms`)),
      PROBE_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** One indicator per dependency; each down result carries the reason an operator can act on. */
@Injectable()
export class DependencyHealthIndicators {
  private readonly transcriber: TranscriberClient;

  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(FILE_STORE) private readonly store: FileStore,
  ) {
    this.transcriber = new TranscriberClient({
      baseUrl: config.transcriber.url,
      model: config.transcriber.model,
    });
  }

  async temporal(): Promise<HealthIndicatorResult> {
    const check = this.health.check('temporal');
    const address = this.config.temporal.address;
    try {
      await this.client.connection.withDeadline(Date.now() + PROBE_TIMEOUT_MS, () =>
        this.client.workflowService.getSystemInfo({}),
      );
      return check.up({ address, namespace: this.config.temporal.namespace });
    } catch (error) {
      return check.down({ address, reason: `Temporal at ${address}: ${(error as Error).message}` });
    }
  }

  async transcriberHealth(): Promise<HealthIndicatorResult> {
    const check = this.health.check('transcriber');
    const url = this.config.transcriber.url;
    try {
      await this.transcriber.ping(PROBE_TIMEOUT_MS);
      return check.up({ url });
    } catch (error) {
      const reason =
        error instanceof TranscriberCallError ? error.message : (error as Error).message;
      if (error instanceof TranscriberCallError && error.type === TranscriptionErrorType.NoAnswer) {
        // It answers GET / only between files: an open port with no answer means busy, not down.
        const { hostname, port } = new URL(url);
        const portNumber = Number(port || (url.startsWith('https') ? 443 : 80));
        if (await canConnect(hostname, portNumber, PROBE_TIMEOUT_MS)) {
          return check.up({ url, state: 'busy', note: reason });
        }
      }
      return check.down({ url, reason });
    }
  }

  async fileStore(): Promise<HealthIndicatorResult> {
    const check = this.health.check('supabase');
    try {
      await withTimeout(this.store.ping(), this.store.description);
      return check.up({ store: this.store.description });
    } catch (error) {
      return check.down({ store: this.store.description, reason: (error as Error).message });
    }
  }
}
