import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, IsTimeZone, Matches, ValidateIf } from 'class-validator';

export const EVERY_HOURS_CHOICES = [1, 2, 3, 4, 6, 8, 12, 24] as const;

// ValidateIf instead of IsOptional: IsOptional also skips null, and a null cron or everyHours
// must be a 400 naming the field, not a crash or a cron of "0 */null * * *".
export class UpdateScheduleDto {
  @ApiPropertyOptional({
    description:
      'Run every N hours, in slots from 00:00 in the time zone ("0 */N * * *"; 24 = daily at 00:00). Give this or cron, not both.',
    enum: EVERY_HOURS_CHOICES,
    example: 6,
  })
  @ValidateIf((dto: UpdateScheduleDto) => dto.everyHours !== undefined)
  @IsIn(EVERY_HOURS_CHOICES, {
    message: `everyHours must be one of ${EVERY_HOURS_CHOICES.join(', ')}`,
  })
  everyHours?: (typeof EVERY_HOURS_CHOICES)[number];

  @ApiPropertyOptional({
    description:
      'A five-field cron (minute hour day month weekday), evaluated by Temporal in the time zone. Give this or everyHours, not both.',
    example: '0 9 * * *',
  })
  @ValidateIf((dto: UpdateScheduleDto) => dto.cron !== undefined)
  // Bottom-up: class-validator runs the type check first and stops there (stopAtFirstError).
  @Matches(/^\S+(\s+\S+){4}$/, {
    message: 'cron must have five fields (minute hour day month weekday), e.g. "0 */3 * * *"',
  })
  // Temporal reads U+2028, a tab or an ideographic space as a separator, and a full-width digit
  // as a bad field blamed on the zone too: only printable ASCII, fields between plain spaces.
  @Matches(/^[\x20-\x7e]*$/, {
    message:
      'cron must be printable ASCII with plain spaces between the fields (no tabs, full-width digits or other spaces), e.g. "0 */3 * * *"',
  })
  @IsString({ message: 'cron must be a string such as "0 */3 * * *"' })
  cron?: string;

  @ApiPropertyOptional({
    description: 'IANA time zone, case as in the tz database; unchanged when omitted',
    example: 'Asia/Tokyo',
  })
  @ValidateIf((dto: UpdateScheduleDto) => dto.timezone !== undefined)
  // Bottom-up: class-validator runs the type check first and stops there (stopAtFirstError).
  @IsTimeZone({ message: 'timezone must be an IANA time zone name such as Asia/Tokyo' })
  @IsString({ message: 'timezone must be a string such as "Asia/Tokyo"' })
  timezone?: string;
}
