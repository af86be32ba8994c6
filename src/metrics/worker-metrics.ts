import { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** The product's own metrics, observed in the worker process. */
export class WorkerMetrics {
  readonly registry = new Registry();

  readonly attempts = new Counter({
    name: 'transcription_attempts_total',
    help: 'Transcribe activity attempts by outcome (succeeded, failed, cancelled) and failure type',
    labelNames: ['outcome', 'error_type'] as const,
    registers: [this.registry],
  });

  readonly filesSucceeded = new Counter({
    name: 'transcription_files_succeeded_total',
    help: 'Files transcribed (in processed_files, or found completed)',
    registers: [this.registry],
  });

  readonly filesFailed = new Counter({
    name: 'transcription_files_failed_total',
    help: 'Files marked failed after their last attempt',
    registers: [this.registry],
  });

  readonly filesRetried = new Counter({
    name: 'transcription_files_retried_total',
    help: 'Transcribe attempts after the first one (retries)',
    registers: [this.registry],
  });

  readonly duration = new Histogram({
    name: 'transcription_attempt_duration_seconds',
    help: 'Duration of transcribe activity attempts, by outcome',
    labelNames: ['outcome'] as const,
    // Files take seconds to tens of minutes.
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 2400, 3600],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'transcription_worker_' });
  }

  /** An activity interceptor that observes every transcribe attempt and every failed file. */
  interceptor(): ActivityInterceptorsFactory {
    return () => ({
      inbound: {
        execute: async (input, next) => {
          const info = Context.current().info;
          if (info.activityType === 'markFileFailed') {
            const result = await next(input);
            this.filesFailed.inc();
            return result;
          }
          if (info.activityType !== 'transcribeAudioFile') return next(input);
          if (info.attempt > 1) this.filesRetried.inc();
          const stop = this.duration.startTimer();
          try {
            const result = await next(input);
            stop({ outcome: 'succeeded' });
            this.attempts.inc({ outcome: 'succeeded', error_type: '' });
            this.filesSucceeded.inc();
            return result;
          } catch (error) {
            const cancelled = Context.current().cancellationSignal.aborted;
            const outcome = cancelled ? 'cancelled' : 'failed';
            stop({ outcome });
            const type =
              error instanceof ApplicationFailure
                ? (error.type ?? 'Error')
                : (error as Error)?.name;
            this.attempts.inc({ outcome, error_type: type ?? 'Error' });
            throw error;
          }
        },
      },
    });
  }
}
