import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength, ValidateIf } from 'class-validator';

export class NoteDto {
  @ApiPropertyOptional({
    description: 'Why; kept on the schedule and shown to every operator',
    example: 'Transcriber maintenance until 15:00 JST',
    maxLength: 500,
  })
  // Omit the field for the default note; null is a mistake worth a 400 (IsOptional allows it).
  @ValidateIf((dto: NoteDto) => dto.note !== undefined)
  // Bottom-up: class-validator runs the type check first and stops there (stopAtFirstError).
  @MaxLength(500, { message: 'note must be at most 500 characters' })
  @IsString({ message: 'note must be a string' })
  note?: string;
}
