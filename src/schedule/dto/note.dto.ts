import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class NoteDto {
  @ApiPropertyOptional({
    description: 'Why; kept on the schedule and shown to every operator',
    example: 'Transcriber maintenance until 15:00 JST',
    maxLength: 500,
  })
  @IsOptional()
  @IsString({ message: 'note must be a string' })
  @MaxLength(500, { message: 'note must be at most 500 characters' })
  note?: string;
}
