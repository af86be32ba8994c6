import { Inject, Injectable } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import { APP_CONFIG, TEMPORAL_CLIENT } from '../app-tokens';
import type { AppConfig } from '../config/app-config';
import { triggerDispatch, type TriggerResult } from '../temporal/transcription-schedule';

/**
 * Starts a dispatch now through the schedule (overlap SKIP), one trigger at a time. A trigger
 * checks for a running dispatch, triggers, then looks for the run it caused; interleaved, ten
 * calls all saw "none running" and all claimed the one new run as theirs. In a queue, the first
 * starts it and the others see it running and say they skipped. (Shared by the schedule and the
 * re-run of failed files, so their triggers queue together.)
 */
@Injectable()
export class DispatchTrigger {
  /** The last trigger queued; settles, never rejects, so one failure does not block the rest. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  trigger(): Promise<TriggerResult> {
    const result = this.queue.then(async () => {
      await this.waitForANewSecond();
      return triggerDispatch(this.client, this.config.schedule.id);
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Temporal names a triggered run after the second it is taken in (dispatch-<ISO second>). In
   * the same second as the last run, a trigger would get that run's id and start nothing (and
   * triggerDispatch would wait its full 10 s for a run that never comes), so it waits for the
   * next second first: at most one second, only right after a run started (also when a run is
   * going: it may close before the trigger reaches Temporal).
   */
  private async waitForANewSecond(): Promise<void> {
    const { info } = await this.client.schedule.getHandle(this.config.schedule.id).describe();
    // The latest slot any run was named after (a backfilled run's slot is an old one).
    const last = Math.max(0, ...info.recentActions.map((run) => run.scheduledAt.getTime()));
    const wait = Math.floor(last / 1000) * 1000 + 1000 + SECOND_MARGIN_MS - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** Slack for the clocks of this host and the Temporal server. */
const SECOND_MARGIN_MS = 100;
