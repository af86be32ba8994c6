import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsByteLength, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';

/**
 * Control characters (C0 other than tab and newline, DEL, C1), the line and paragraph separators,
 * and the bidi overrides and isolates: a note is shown to every operator, and U+202E
 * would show it reversed.
 */
const HIDDEN_CHARACTERS =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$/;

/**
 * Something visible: not only white space, format characters (zero-width space, LRM, soft
 * hyphen, tags), combining marks, or the blank-looking Hangul fillers and braille blank.
 */
const VISIBLE = /[^\p{White_Space}\p{Cf}\p{Mn}\p{Me}\u115f\u1160\u3164\uffa0\u2800]/u;

/** Temporal's limit on a schedule note, in UTF-8 bytes (a Japanese character takes three). */
export const NOTE_MAX_BYTES = 1000;

export class NoteDto {
  @ApiPropertyOptional({
    description:
      "Why; kept on the schedule and shown to every operator. At most 500 characters and 1000 bytes of UTF-8 (Temporal's limit for a note)",
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
  @IsByteLength(0, NOTE_MAX_BYTES, {
    message: `note must be at most ${NOTE_MAX_BYTES} bytes of UTF-8 (about 330 Japanese characters)`,
  })
  @MaxLength(500, { message: 'note must be at most 500 characters' })
  @IsString({ message: 'note must be a string' })
  note?: string;
}
