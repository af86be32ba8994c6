import { BadRequestException, ValidationPipe, type ArgumentMetadata } from '@nestjs/common';

/**
 * Keys class-transformer drops without a word (it never copies them onto the DTO, against
 * prototype pollution), so the whitelist never sees them and never refuses them.
 */
const SILENTLY_DROPPED_KEYS = ['__proto__', 'constructor', 'prototype'];

/**
 * The deepest JSON this API takes. Its bodies are flat objects; the validator and transformer
 * walk a value recursively, so a body a few KB long but thousands of arrays deep would overflow
 * their stack and answer 500.
 */
export const MAX_BODY_DEPTH = 10;

/** A UTF-16 surrogate without its pair: JSON's "\\ud800" escape makes one; Temporal refuses it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * What is wrong with a body's shape before any field rule: nesting deeper than `limit` levels,
 * or a string (value or key) that is not valid Unicode. Iterative: a deep body has no stack.
 */
function bodyShapeProblem(value: unknown, limit: number): string | undefined {
  const stack: Array<{ item: unknown; depth: number; key: string }> = [
    { item: value, depth: 0, key: '' },
  ];
  while (stack.length > 0) {
    const { item, depth, key } = stack.pop()!;
    if (typeof item === 'string' && LONE_SURROGATE.test(item)) {
      return `${key ? `${key} holds` : 'The request body holds'} a lone UTF-16 surrogate (an unpaired \\ud800–\\udfff escape): send valid Unicode text`;
    }
    if (typeof item !== 'object' || item === null) continue;
    if (depth >= limit) {
      return `The request body nests objects or arrays more than ${limit} levels deep; send a flat JSON object with the fields documented at /api/docs`;
    }
    for (const [childKey, child] of Object.entries(item)) {
      if (LONE_SURROGATE.test(childKey)) {
        return 'A field name in the request body holds a lone UTF-16 surrogate: send valid Unicode text';
      }
      stack.push({ item: child, depth: depth + 1, key: Array.isArray(item) ? key : childKey });
    }
  }
  return undefined;
}

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
    const problem = metadata.type === 'body' ? bodyShapeProblem(value, MAX_BODY_DEPTH) : undefined;
    if (problem) throw new BadRequestException(problem);
    if (this.toValidate(metadata) && typeof value === 'object' && value !== null) {
      const dropped = SILENTLY_DROPPED_KEYS.filter((key) => Object.hasOwn(value, key));
      if (dropped.length > 0) {
        throw new BadRequestException(dropped.map((key) => `property ${key} should not exist`));
      }
    }
    return super.transform(value, metadata);
  }
}
