/** Reflect-metadata keys used by Switchyard. Kept in one place so readers and writers agree. */
export const ENDPOINT_METADATA = Symbol.for('switchyard:endpoint');
export const REMOTE_METHODS = Symbol.for('switchyard:remote-methods');
/** Process-wide registry slot; shared even if two copies of this package are loaded. */
export const ENDPOINT_REGISTRY = Symbol.for('switchyard:endpoint-registry');
