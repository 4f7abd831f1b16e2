/**
 * Thrown at decoration time when `@Endpoint` or `@Remote` is misused. The decorators package
 * knows nothing of core, so it has its own error class; its `code` is `DECORATOR_MISUSE`.
 */
export class DecoratorError extends Error {
  override name = 'DecoratorError' as const;
  readonly code = 'DECORATOR_MISUSE' as const;
}
