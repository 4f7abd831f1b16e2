/** Reflect-metadata keys used by Switchyard. Kept in one place so readers and writers agree. */
export const ENDPOINT_METADATA = Symbol.for('switchyard:endpoint');
export const REMOTE_METHODS = Symbol.for('switchyard:remote-methods');
/** Process-wide registry slot; shared even if two copies of this package are loaded. */
export const ENDPOINT_REGISTRY = Symbol.for('switchyard:endpoint-registry');

/** Parameter types TypeScript emits for a decorated class or method, with `emitDecoratorMetadata` only. */
export const DESIGN_PARAMTYPES = 'design:paramtypes';
/** Declared return type TypeScript emits for a decorated method, with `emitDecoratorMetadata` only. */
export const DESIGN_RETURNTYPE = 'design:returntype';
/**
 * tsyringe's own key (tsyringe 4.10, `INJECTION_TOKEN_METADATA_KEY`, not exported) for the tokens
 * of `@inject(token)` parameters: an own record `{ [index]: token }` on the class.
 */
export const TSYRINGE_INJECTION_TOKENS = 'injectionTokens';
