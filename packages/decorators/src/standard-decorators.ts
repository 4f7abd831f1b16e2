import { DecoratorError } from './errors';

/** What TypeScript's standard (TC39) decorators pass as their second argument. */
interface StandardDecoratorContext {
  kind: string;
  name?: unknown;
}

/**
 * True when a decorator was called the standard (TC39) way, `(value, context)`, which is what
 * TypeScript 5+ emits when `experimentalDecorators` is off. Switchyard's decorators are
 * TypeScript's legacy ones, `(target, key, descriptor)`, where the second argument is a key.
 */
function isStandardDecoratorContext(value: unknown): value is StandardDecoratorContext {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string' && 'name' in value;
}

/**
 * Throws DecoratorError when `decorator` was called with a standard decorator context, naming the
 * class or method from `context.name` (a method's context does not name its class).
 */
export function refuseStandardDecorators(decorator: '@Endpoint' | '@Remote', second: unknown): void {
  if (!isStandardDecoratorContext(second)) return;
  const name = typeof second.name === 'string' ? second.name : undefined;
  const what = second.kind === 'class' ? `class ${name ?? '(anonymous)'}` : `${second.kind} ${name ?? String(second.name)}`;
  throw new DecoratorError(
    `${decorator} on ${what}: the decorator was called as a standard (TC39) decorator, which is what TypeScript emits when "experimentalDecorators" is off. ` +
      `Switchyard's decorators are TypeScript's legacy decorators: compile with "experimentalDecorators": true and "emitDecoratorMetadata": true in tsconfig.json ` +
      `(swc: jsc.parser.decorators, jsc.transform.legacyDecorator and jsc.transform.decoratorMetadata; tsx and esbuild emit no decorator metadata, so compile with tsc or run with node -r @swc-node/register).`,
  );
}
