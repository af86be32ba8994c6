import { BadRequestException, ValidationPipe, type ArgumentMetadata } from '@nestjs/common';

/**
 * Keys class-transformer drops without a word (it never copies them onto the DTO, against
 * prototype pollution), so the whitelist never sees them and never refuses them.
 */
const SILENTLY_DROPPED_KEYS = ['__proto__', 'constructor', 'prototype'];

/**
 * The API's validation: DTOs, unknown fields refused, and one message per offending field.
 *
 * - stopAtFirstError: a field reports only its first broken rule (null gets "must be a string",
 *   not also "must be at most 1000 characters"). class-validator runs a property's decorators
 *   bottom-up, so DTOs write the type check last.
 * - Keys class-transformer drops silently (`{"constructor": …}`) are refused here, before the
 *   transformation, as every other unknown field is; so is an array where an object belongs.
 */
export class ApiValidationPipe extends ValidationPipe {
  constructor() {
    super({ whitelist: true, forbidNonWhitelisted: true, transform: true, stopAtFirstError: true });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // An array would be validated item by item ("property 0 should not exist").
    if (this.toValidate(metadata) && metadata.type === 'body' && Array.isArray(value)) {
      throw new BadRequestException(
        'The request body must be a JSON object with the fields documented at /api/docs, not an array',
      );
    }
    if (this.toValidate(metadata) && typeof value === 'object' && value !== null) {
      const dropped = SILENTLY_DROPPED_KEYS.filter((key) => Object.hasOwn(value, key));
      if (dropped.length > 0) {
        throw new BadRequestException(dropped.map((key) => `property ${key} should not exist`));
      }
    }
    return super.transform(value, metadata);
  }
}
