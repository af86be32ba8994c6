import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';

/**
 * For an endpoint that takes no body: nothing, or `{}`. Every field is refused by name, as the
 * DTO endpoints refuse unknown ones (an empty DTO class cannot do it: class-validator refuses
 * every object for a class without rules).
 */
@Injectable()
export class NoBodyPipe implements PipeTransform<unknown, undefined> {
  transform(value: unknown): undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new BadRequestException('This endpoint takes no body; send none, or {}');
    }
    const fields = Object.keys(value);
    if (fields.length > 0) {
      throw new BadRequestException(
        fields.map((field) => `property ${field} should not exist (this endpoint takes no body)`),
      );
    }
    return undefined;
  }
}
