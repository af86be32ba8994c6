import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class RetryFileDto {
  @ApiProperty({
    description: 'file_path of the audio_files row to transcribe again',
    example: 'files/d-7f3a21c9/2026-12-03/09-30/audio.wav',
    maxLength: 1000,
  })
  // Bottom-up: class-validator runs the type check first and stops there (stopAtFirstError).
  @MaxLength(1000, { message: 'filePath must be at most 1000 characters' })
  @IsNotEmpty({ message: 'filePath must not be empty' })
  @IsString({ message: 'filePath must be a string' })
  filePath!: string;
}
