import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString } from 'class-validator';

export class RetryFileDto {
  @ApiProperty({
    description: 'file_path of the audio_files row to transcribe again',
    example: 'files/d-7f3a21c9/2026-12-03/09-30/audio.wav',
  })
  @IsString({ message: 'filePath must be a string' })
  @IsNotEmpty({ message: 'filePath must not be empty' })
  filePath!: string;
}
