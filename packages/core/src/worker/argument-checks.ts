import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';
import type { RemoteMethodMetadata } from '@switchyard/decorators';
import { InvalidRequestError } from '../errors';
import { isDtoClass } from '../serialization/class-instances';

type AnyClass = ClassConstructor<object>;

/**
 * Number of parameters a method declares: `design:paramtypes` counts optional and defaulted
 * parameters, `Function.length` stops at the first defaulted one, so the larger wins.
 */
export function declaredParameterCount(method: RemoteMethodMetadata): number {
  return Math.max(method.arity, method.paramTypes.length);
}

/** `name(Type1, Type2, ...Rest)` from the declared parameter types, for messages. */
export function signatureOf(method: RemoteMethodMetadata): string {
  const declared = declaredParameterCount(method);
  const types = Array.from({ length: declared }, (_, i) => {
    const type = method.paramTypes[i] as { name?: string } | undefined;
    const name = typeof type === 'function' || (type && typeof type === 'object') ? type.name || 'unknown' : 'unknown';
    return method.rest && i === declared - 1 ? `...${name}` : name;
  });
  return `${method.name}(${types.join(', ')})`;
}

/** `argument 1 (CreateReportDto).title: title must be ...`, one line per violated constraint, nested included. */
function describeViolations(errors: ValidationError[], prefix: string, out: string[]): void {
  for (const error of errors) {
    const path = `${prefix}.${error.property}`;
    for (const message of Object.values(error.constraints ?? {})) out.push(`${path}: ${message}`);
    if (error.children && error.children.length > 0) describeViolations(error.children, path, out);
  }
}

/**
 * Fits decoded arguments to a method's declared parameters before anything runs:
 * - a trailing AbortSignal parameter the caller did not fill gets the job's signal;
 * - more arguments than the method declares (unless it ends in a rest parameter) is an
 *   InvalidRequestError; fewer are passed as `undefined`, as in a local call — the compiled
 *   method cannot tell TypeScript's optional parameters from required ones, and a typed caller
 *   is checked by the compiler;
 * - each argument whose declared type is a class with class-validator rules is converted from a
 *   plain object to that class (class-transformer) and validated; every violation is listed.
 * Returns the arguments to call the method with: at once when no parameter has validation rules
 * (no promise on the hot path), else a promise of the validated arguments.
 */
export function prepareArguments(
  method: RemoteMethodMetadata,
  decoded: unknown[],
  signal: () => AbortSignal,
  where: string,
): unknown[] | Promise<unknown[]> {
  const declared = declaredParameterCount(method);
  // A trailing AbortSignal parameter is the worker's to fill: the caller never sends one.
  const signalSlot = declared > 0 && method.paramTypes[declared - 1] === AbortSignal;
  const callerMax = method.rest ? Number.POSITIVE_INFINITY : signalSlot ? declared - 1 : declared;
  const placeholder = signalSlot && decoded.length === declared && (decoded[declared - 1] === undefined || decoded[declared - 1] === null);
  if (decoded.length > callerMax && !placeholder) {
    throw new InvalidRequestError(
      `${where} takes at most ${callerMax} argument(s)${signalSlot ? ' (its trailing AbortSignal is filled in by the worker)' : ''} but got ${decoded.length}; its signature is ${signatureOf(method)}. Pass at most ${callerMax}.`,
      { details: [`expected at most ${callerMax} argument(s), got ${decoded.length}`] },
    );
  }
  const args = decoded.slice(0, callerMax);
  if (signalSlot) {
    while (args.length < callerMax) args.push(undefined);
    args.push(signal());
  }

  for (let i = 0; i < args.length; i++) if (isDtoClass(method.paramTypes[i])) return validateArguments(method, args, where);
  return args;
}

/** Converts and validates each argument whose declared type has class-validator rules; every violation is listed. */
async function validateArguments(method: RemoteMethodMetadata, args: unknown[], where: string): Promise<unknown[]> {
  const violations: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const type = method.paramTypes[i];
    if (!isDtoClass(type)) continue;
    const label = `argument ${i + 1} (${type.name})`;
    const value = args[i];
    if (value === undefined) continue; // an optional DTO parameter that was left out
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      violations.push(`${label}: expected an object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
      continue;
    }
    const instance = value instanceof type ? value : plainToInstance(type, value as Record<string, unknown>);
    const errors = await validate(instance, { forbidUnknownValues: false, whitelist: false });
    describeViolations(errors, label, violations);
    args[i] = instance;
  }
  if (violations.length > 0) {
    throw new InvalidRequestError(`${where}: invalid arguments: ${violations.join('; ')}. Fix the values and call again.`, { details: violations });
  }
  return args;
}
