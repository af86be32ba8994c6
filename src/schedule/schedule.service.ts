import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { msToTs, tsToMs } from '@temporalio/common/lib/time';
import type { temporal } from '@temporalio/proto';
import { APP_CONFIG, TEMPORAL_CLIENT } from '../app-tokens';
import type { AppConfig } from '../config/app-config';
import { GrpcStatus, grpcCode } from '../common/grpc-status';
import { settleAll } from '../common/settle-all';
import { describeMode, type ModeInfo } from '../mode-info';
import {
  listDispatchRuns,
  type DispatchRunView,
  type RunQueryContext,
} from '../runs/dispatch-runs';
import {
  describeTranscriptionSchedule,
  neverFires,
  updateScheduleSpec,
  type ScheduleSettings,
  type ScheduleView,
  type TriggerResult,
} from '../temporal/transcription-schedule';
import { formatInZone } from '../temporal/zoned-time';
import { describeCron, type CronDescription } from './cron-description';
import { DispatchTrigger } from './dispatch-trigger.service';
import type { BackfillDto } from './dto/backfill.dto';
import type { UpdateScheduleDto } from './dto/update-schedule.dto';
import { specRefusal } from './spec-refusal';

export interface ScheduleDetails extends ScheduleView, ModeInfo {
  description: CronDescription;
  /** transcribeFile workflows running now (from dispatches or re-runs). */
  runningFileWorkflows: number;
  recentRuns: DispatchRunView[];
  totals: FileTotals;
}

export interface FileTotals {
  /** What the numbers count, in words. */
  window: string;
  windowJa: string;
  since: string;
  succeeded: number;
  failed: number;
}

export interface BackfillResult {
  slots: string[];
  overlapPolicy: 'BUFFER_ALL';
  message: string;
}

const RECENT_RUNS = 10;

@Injectable()
export class ScheduleService {
  constructor(
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dispatches: DispatchTrigger,
  ) {}

  private get settings(): ScheduleSettings {
    return { ...this.config.schedule, taskQueue: this.config.temporal.taskQueue };
  }

  private runContext(timezone: string): RunQueryContext {
    return {
      client: this.client,
      namespace: this.config.temporal.namespace,
      uiUrl: this.config.temporal.uiUrl,
      timezone,
    };
  }

  async describe(windowHours = 24): Promise<ScheduleDetails> {
    const view = await describeTranscriptionSchedule(this.client, this.config.schedule.id);
    const timezone = view.timezone ?? this.config.schedule.timezone;
    const [recentRuns, totals, runningFiles] = await settleAll([
      listDispatchRuns(
        this.runContext(timezone),
        RECENT_RUNS,
        `TemporalScheduledById = '${this.config.schedule.id}'`,
      ),
      this.fileTotals(windowHours, timezone),
      this.client.workflow.count("WorkflowType = 'transcribeFile' AND ExecutionStatus = 'Running'"),
    ]);
    return {
      ...view,
      description: describeCron(view.cron ?? this.config.schedule.cron, timezone),
      recentRuns,
      totals,
      runningFileWorkflows: runningFiles.count,
      ...describeMode(this.config),
    };
  }

  /** File workflow runs closed in the window, by outcome, counted by Temporal's visibility. */
  private async fileTotals(windowHours: number, timezone: string): Promise<FileTotals> {
    const since = new Date(Date.now() - windowHours * 3_600_000);
    const base = `WorkflowType = 'transcribeFile' AND CloseTime > '${since.toISOString()}'`;
    const [succeeded, failed] = await settleAll([
      this.client.workflow.count(`${base} AND ExecutionStatus = 'Completed'`),
      this.client.workflow.count(`${base} AND ExecutionStatus IN ('Failed', 'TimedOut')`),
    ]);
    return {
      window: `file transcriptions (transcribeFile runs) that ended in the last ${windowHours} h; a file re-run after a failure counts once per run`,
      windowJa: `直近${windowHours}時間に終了したファイルの文字起こし（transcribeFile の実行）の件数。失敗後に再実行したファイルは実行ごとに数えます`,
      since: formatInZone(since, timezone),
      succeeded: succeeded.count,
      failed: failed.count,
    };
  }

  // Pause, resume and update answer what GET /api/schedule shows, so a client can render the
  // new state from the answer alone.

  async pause(note?: string): Promise<ScheduleDetails> {
    await this.client.schedule
      .getHandle(this.config.schedule.id)
      .pause(note || 'Paused via the API');
    return this.describe();
  }

  async resume(note?: string): Promise<ScheduleDetails> {
    await this.client.schedule
      .getHandle(this.config.schedule.id)
      .unpause(note || 'Resumed via the API');
    return this.describe();
  }

  trigger(): Promise<TriggerResult> {
    return this.dispatches.trigger();
  }

  async update(body: UpdateScheduleDto): Promise<ScheduleDetails> {
    const hasEvery = body.everyHours !== undefined;
    const hasCron = body.cron !== undefined;
    if (hasEvery === hasCron) {
      throw new BadRequestException(
        hasEvery
          ? 'Give either everyHours or cron, not both'
          : 'Give everyHours (1, 2, 3, 4, 6, 8, 12 or 24) or cron',
      );
    }
    const current = await describeTranscriptionSchedule(this.client, this.config.schedule.id);
    const cron = hasEvery ? everyHoursCron(body.everyHours!) : body.cron!.trim();
    const timezone = body.timezone ?? current.timezone ?? this.config.schedule.timezone;
    try {
      await updateScheduleSpec(this.client, this.settings, { cron, timezone });
    } catch (error) {
      // Temporal owns cron and zone parsing: its refusal (the SDK's TypeError for an invalid
      // spec, or INVALID_ARGUMENT) is the operator's bad input, not a server fault.
      if (error instanceof TypeError || grpcCode(error) === GrpcStatus.InvalidArgument) {
        throw specRefusal({ cron, timezone }, (error as Error).message);
      }
      throw error;
    }
    // Temporal takes a cron that can never match ("0 0 31 2 *"): it names no next run. Such a
    // schedule would never transcribe anything, so the previous spec is put back and refused.
    if (await neverFires(this.client.schedule.getHandle(this.config.schedule.id))) {
      const previous = {
        cron: current.cron ?? this.config.schedule.cron,
        timezone: current.timezone ?? this.config.schedule.timezone,
      };
      await updateScheduleSpec(this.client, this.settings, previous);
      throw new BadRequestException(
        `cron "${cron}" never fires in ${timezone} (Temporal finds no next run): give a cron ` +
          `that matches a real date and time; the schedule keeps "${previous.cron}" in ${previous.timezone}`,
      );
    }
    return this.describe();
  }

  async backfill(body: BackfillDto): Promise<BackfillResult> {
    const start = new Date(body.start);
    const end = new Date(body.end);
    if (start.getTime() > end.getTime()) {
      throw new BadRequestException('start must not be after end');
    }
    if (end.getTime() > Date.now()) {
      throw new BadRequestException(
        'end is in the future; backfill only runs slots that have passed',
      );
    }
    // Read first: a schedule that does not exist yet fails here with ScheduleNotFoundError.
    const view = await describeTranscriptionSchedule(this.client, this.config.schedule.id);
    const timezone = view.timezone ?? this.config.schedule.timezone;
    // Temporal's range excludes its start and includes its end; one millisecond earlier makes
    // a slot exactly at `start` part of it, as the DTO promises.
    const range = { start: new Date(start.getTime() - 1), end };
    const times = await this.matchingTimes(range);
    const max = this.config.schedule.backfillMaxSlots;
    if (times.length > max) {
      throw new BadRequestException(
        `The range holds ${await this.slotCount(times, range.end)}, more than the allowed ${max} (BACKFILL_MAX_SLOTS); choose a shorter range`,
      );
    }
    const slots = times.map((time) => formatInZone(time, timezone));
    if (slots.length === 0) {
      throw new BadRequestException('The range holds no slot of the schedule; nothing to backfill');
    }
    await this.client.schedule.getHandle(this.config.schedule.id).backfill({
      ...range,
      overlap: ScheduleOverlapPolicy.BUFFER_ALL,
    });
    return {
      slots,
      overlapPolicy: 'BUFFER_ALL',
      message: `Backfilling ${slots.length} slot(s); they run one after another (BUFFER_ALL), and each takes what is still pending when it starts`,
    };
  }

  /**
   * "N slots", or "more than N slots" when Temporal's listing stopped at its cap (1,000 times per
   * call) before the end of the range: one more listing from the last time says which.
   */
  private async slotCount(times: Date[], end: Date): Promise<string> {
    const last = times[times.length - 1];
    const beyond = last ? await this.matchingTimes({ start: last, end }) : [];
    return beyond.length > 0 ? `at least ${times.length + 1} slots` : `${times.length} slots`;
  }

  /**
   * The slots in the range, as Temporal evaluates the cron (start exclusive, end inclusive), at
   * most as many as one listing returns.
   */
  private async matchingTimes(range: { start: Date; end: Date }): Promise<Date[]> {
    let matching: temporal.api.workflowservice.v1.IListScheduleMatchingTimesResponse;
    try {
      matching = await this.client.workflowService.listScheduleMatchingTimes({
        namespace: this.config.temporal.namespace,
        scheduleId: this.config.schedule.id,
        startTime: msToTs(range.start.getTime()),
        endTime: msToTs(range.end.getTime()),
      });
    } catch (error) {
      // The raw call says "workflow not found for ID: temporal-sys-scheduler:…"; the schedule
      // client would have said ScheduleNotFoundError, so say that.
      if (grpcCode(error) === GrpcStatus.NotFound) {
        throw new ScheduleNotFoundError((error as Error).message, this.config.schedule.id);
      }
      throw error;
    }
    return (matching.startTime ?? []).map((time) => new Date(tsToMs(time)));
  }
}

export function everyHoursCron(hours: number): string {
  return hours === 24 ? '0 0 * * *' : `0 */${hours} * * *`;
}
