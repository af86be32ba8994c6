import { Transform } from 'class-transformer';
import { IsInt, type ValidationArguments } from 'class-validator';

/**
 * A whole-number query parameter: only plain decimal digits count (Number() would also read
 * "0x10" as 16 and "1e1" as 10), and one given twice (`?limit=1&limit=2`, an array) is said as
 * such. Anything else stays as given, so the integer check below refuses it by name.
 */
export function QueryInteger(name: string): PropertyDecorator {
  const transform = Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value,
  );
  const isInt = IsInt({
    message: (args: ValidationArguments) =>
      Array.isArray(args.value)
        ? `${name} is given more than once; give it once`
        : `${name} must be a whole number in decimal digits`,
  });
  return (target, key) => {
    // class-validator runs decorators bottom-up: the integer check goes first.
    isInt(target, key);
    transform(target, key);
  };
}
