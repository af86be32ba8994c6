import { Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  Validate,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';

@ValidatorConstraint({ name: 'ianaTimeZone' })
class IsIanaTimeZone implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'string') return false;
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: value });
      return true;
    } catch {
      return false;
    }
  }
  defaultMessage(): string {
    return '$property must be an IANA time zone name such as Asia/Tokyo (got "$value")';
  }
}

// Blank means unset (an .env line "BATCH_SIZE=" leaves the default).
const toInt = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  if (value.trim() === '') return undefined;
  return /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
};
const blankToUndefined = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;
// Last among a variable's decorators, so it is checked first: "abc" is "not a whole number",
// not "greater than 1000" (validation stops at the first error).
const WHOLE_NUMBER = { message: '$property must be a whole number' };
const httpUrl = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/**
 * Every environment variable the product reads, with its rule. Values arrive as strings;
 * integers are converted only when they are written as plain digits.
 */
export class EnvironmentVariables {
  @IsOptional() @IsString() DATA_DIR?: string;
  @IsOptional() @IsIn(['debug', 'info', 'warn', 'error']) LOG_LEVEL?: string;
  @IsOptional()
  @IsIn(['json', 'pretty'], { message: 'LOG_FORMAT must be json or pretty' })
  LOG_FORMAT?: string;
  @IsOptional()
  @Transform(toInt)
  @Min(0)
  @Max(65535)
  @IsInt(WHOLE_NUMBER)
  WORKER_METRICS_PORT?: number;
  @Transform(blankToUndefined)
  @IsOptional()
  @IsUrl(httpUrl, {
    message: 'WORKER_METRICS_URL must be an http(s) URL, e.g. http://worker:9464/metrics',
  })
  WORKER_METRICS_URL?: string;
  @IsOptional() @IsString() WORKFLOW_BUNDLE_PATH?: string;

  @IsOptional()
  @Matches(/^[^\s:]+:\d+$/, { message: 'TEMPORAL_ADDRESS must be host:port, e.g. 127.0.0.1:7233' })
  TEMPORAL_ADDRESS?: string;
  @IsOptional() @IsString() @MinLength(1) TEMPORAL_NAMESPACE?: string;
  @IsOptional() @IsString() @MinLength(1) TEMPORAL_TASK_QUEUE?: string;
  @IsOptional()
  @IsUrl(httpUrl, { message: 'TEMPORAL_UI_URL must be an http(s) URL' })
  TEMPORAL_UI_URL?: string;
  @IsOptional() @IsString() TEMPORAL_CLI_PATH?: string;
  @IsOptional()
  @Transform(toInt)
  @Min(1)
  @Max(65535)
  @IsInt(WHOLE_NUMBER)
  TEMPORAL_UI_PORT?: number;

  @Transform(blankToUndefined)
  @IsOptional()
  @IsUrl(httpUrl, {
    message: 'SUPABASE_URL must be an http(s) URL such as https://<project>.supabase.co',
  })
  SUPABASE_URL?: string;
  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(20, {
    message: 'SUPABASE_SERVICE_ROLE_KEY looks truncated (shorter than 20 characters)',
  })
  SUPABASE_SERVICE_ROLE_KEY?: string;

  @IsOptional()
  @IsUrl(httpUrl, {
    message: 'TRANSCRIBER_URL must be an http(s) URL, e.g. http://api-transcriber:8001',
  })
  TRANSCRIBER_URL?: string;
  // The contract (DESIGN §2): any other model gets HTTP 400, which would fail every file at once.
  @IsOptional()
  @IsIn(['base'], {
    message:
      'TRANSCRIBER_MODEL must be "base": api-transcriber answers any other model with HTTP 400',
  })
  TRANSCRIBER_MODEL?: string;
  @IsOptional()
  @Transform(toInt)
  @Min(1000)
  @IsInt(WHOLE_NUMBER)
  TRANSCRIBER_REQUEST_TIMEOUT_MS?: number;
  @IsOptional()
  @Transform(toInt)
  @Min(0)
  @IsInt(WHOLE_NUMBER)
  TRANSCRIBE_WATCH_DEADLINE_MS?: number;
  @IsOptional()
  @Transform(toInt)
  @Min(100)
  @IsInt(WHOLE_NUMBER)
  TRANSCRIBE_STATUS_POLL_INTERVAL_MS?: number;
  @IsOptional()
  @Transform(toInt)
  @Min(1000)
  @IsInt(WHOLE_NUMBER)
  TRANSCRIBE_HEARTBEAT_TIMEOUT_MS?: number;
  @IsOptional()
  @Transform(toInt)
  @Min(1000)
  @IsInt(WHOLE_NUMBER)
  TRANSCRIBE_START_TO_CLOSE_TIMEOUT_MS?: number;
  @IsOptional()
  @Transform(toInt)
  @Min(1)
  @Max(100)
  @IsInt(WHOLE_NUMBER)
  TRANSCRIBE_MAX_ATTEMPTS?: number;
  @IsOptional()
  @Transform(toInt)
  @Min(100)
  @IsInt(WHOLE_NUMBER)
  TRANSCRIBE_RETRY_INITIAL_INTERVAL_MS?: number;
  @IsOptional()
  @Transform(toInt)
  @Min(100)
  @IsInt(WHOLE_NUMBER)
  TRANSCRIBE_RETRY_MAX_INTERVAL_MS?: number;

  @IsOptional() @Transform(toInt) @Min(1) @Max(1000) @IsInt(WHOLE_NUMBER) BATCH_SIZE?: number;
  @IsOptional()
  @Transform(toInt)
  @Min(1)
  @Max(200)
  @IsInt(WHOLE_NUMBER)
  MAX_CONCURRENT_TRANSCRIPTIONS?: number;
  @IsOptional() @Transform(toInt) @Min(1) @IsInt(WHOLE_NUMBER) MAX_FILES_PER_RUN?: number;
  @IsOptional()
  @Transform(toInt)
  @Min(10)
  @Max(1000)
  @IsInt(WHOLE_NUMBER)
  DISPATCH_CHILDREN_PER_RUN?: number;

  @IsOptional() @IsString() @MinLength(1) SCHEDULE_ID?: string;
  @IsOptional()
  @Matches(/^\S+(\s+\S+){4}$/, {
    message:
      'SCHEDULE_CRON must have five fields (minute hour day month weekday), e.g. "0 */3 * * *"',
  })
  SCHEDULE_CRON?: string;
  @IsOptional() @Validate(IsIanaTimeZone) SCHEDULE_TIMEZONE?: string;
  @IsOptional()
  @Transform(toInt)
  @Min(60000)
  @IsInt(WHOLE_NUMBER)
  SCHEDULE_CATCHUP_WINDOW_MS?: number;
  @IsOptional()
  @Transform(toInt)
  @Min(1)
  @Max(1000)
  @IsInt(WHOLE_NUMBER)
  BACKFILL_MAX_SLOTS?: number;

  @IsOptional() @Transform(toInt) @Min(0) @Max(65535) @IsInt(WHOLE_NUMBER) PORT?: number;
  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'API_TOKEN must be at least 16 characters' })
  API_TOKEN?: string;

  @IsOptional() @Transform(toInt) @Min(0) @Max(65535) @IsInt(WHOLE_NUMBER) SIMULATOR_PORT?: number;
  @IsOptional() @Transform(toInt) @Min(0) @IsInt(WHOLE_NUMBER) SIMULATOR_LATENCY_MS?: number;
  @IsOptional() @IsString() SIMULATOR_FAIL_PATTERN?: string;
}

/** The names validation knows; anything else in the environment is ignored. */
export const ENVIRONMENT_VARIABLE_NAMES = Object.keys(new EnvironmentVariables());
