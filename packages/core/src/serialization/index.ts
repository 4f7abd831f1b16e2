export { Serializer, defaultSerializer, registerClass, registerError } from './serializer';
export type { EncodedValue, ErrorClass, SerializableClass } from './serializer';
export { assertSafeJson, findUnsafeJson, FORBIDDEN_KEYS, MAX_DEPTH } from './safety';
export type { UnsafeJson } from './safety';
export { asError, errorToFailure, failureJson, failureToError, parseFailure, rebuildError, MAX_CAUSE_DEPTH } from './failure';
export type { ErrorClassLookup, FailureContext } from './failure';
export { WIRE_VERSION, assertWireOutput, isWireFailureReply, parseInvocation } from './wire';
export type { Invocation, WireOutput, WireFailureReply } from './wire';
export type { WireFailure } from '../errors';
