import { ApiProperty } from '@nestjs/swagger';

/** The body of every 4xx/5xx answer (Nest's shape; see ApiExceptionFilter). */
export class ErrorResponseDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request', required: false })
  error?: string;

  @ApiProperty({
    description:
      'What is wrong and what to change: one sentence, or (validation) one per offending field',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: ['everyHours must be one of 1, 2, 3, 4, 6, 8, 12, 24'],
  })
  message!: string | string[];
}
