import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches, MaxLength, ValidateIf } from 'class-validator';

/**
 * Control characters (C0 other than tab and newline, DEL, C1), the line and paragraph separators,
 * and the bidi overrides and isolates: a note is shown to every operator, and U+202E
 * would show it reversed.
 */
const HIDDEN_CHARACTERS =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$/;

/** Something visible: not only white space and zero-width characters. */
const VISIBLE = /[^\s\u200b-\u200d\u2060\ufeff]/;

export class NoteDto {
  @ApiPropertyOptional({
    description: 'Why; kept on the schedule and shown to every operator',
    example: 'Transcriber maintenance until 15:00 JST',
    maxLength: 500,
  })
  // Omit the field for the default note; null is a mistake worth a 400 (IsOptional allows it).
  @ValidateIf((dto: NoteDto) => dto.note !== undefined)
  // Bottom-up: class-validator runs the type check first and stops there (stopAtFirstError).
  @Matches(HIDDEN_CHARACTERS, {
    message: 'note must not contain control characters or text-direction overrides',
  })
  @Matches(VISIBLE, { message: 'note must not be blank; leave the field out for the default note' })
  @MaxLength(500, { message: 'note must be at most 500 characters' })
  @IsString({ message: 'note must be a string' })
  note?: string;
}
