import { ValidateBy, isISO8601 } from 'class-validator';

/**
 * Property constraints of the manifest classes, built on class-validator's `ValidateBy`.
 * Each states one expectation ("a positive integer") so that the first failing constraint of a
 * field yields one plain sentence: `must be a positive integer, got -5`. class-validator's
 * stock decorators would report several messages per field in decorator order instead.
 */

/** Name of the class-validator constraint every `Expect` decorator registers. */
export const EXPECT_CONSTRAINT = 'switchyardExpect';

/** A short, bounded rendering of a bad value for an error message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value !== null && typeof value === 'object') return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The problem sentence for a value that does not meet `expectation`. */
export function expectationProblem(value: unknown, expectation: string): string {
  return value === undefined ? `is missing; it must be ${expectation}` : `must be ${expectation}, got ${describeValue(value)}`;
}

/**
 * Property decorator: the value must pass `test`; otherwise the error reads
 * `must be <expectation>, got <value>` (or `is missing; ...`).
 */
export function Expect(expectation: string, test: (value: unknown) => boolean): PropertyDecorator {
  return ValidateBy({
    name: EXPECT_CONSTRAINT,
    constraints: [expectation],
    validator: {
      validate: (value: unknown) => test(value),
      defaultMessage: (args) => expectationProblem(args?.value, expectation),
    },
  });
}

/** True for a plain JSON-like object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True for an integer number at least `min`. */
export function isIntegerAtLeast(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min;
}

/** True for a non-empty string. */
export function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** True for an ISO 8601 date-time string such as `Date.prototype.toISOString()` produces. */
export function isIsoDateTime(value: unknown): value is string {
  return typeof value === 'string' && value.includes('T') && isISO8601(value, { strict: true });
}

/** True for a GPU hint: a non-empty string or a non-empty array of non-empty strings. */
export function isGpuHint(value: unknown): value is string | string[] {
  return isNonEmptyString(value) || (Array.isArray(value) && value.length > 0 && value.every(isNonEmptyString));
}
