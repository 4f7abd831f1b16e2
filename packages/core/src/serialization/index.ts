export { Serializer, defaultSerializer, registerClass, registerError } from './serializer';
export type { EncodedError, EncodedValue, ErrorClass, SerializableClass } from './serializer';
export { assertSafeJson, FORBIDDEN_KEYS, MAX_DEPTH } from './safety';
export { WIRE_VERSION, parseInvocation, parseFailure } from './wire';
export type { Invocation, WireOutput, WireFailure } from './wire';
