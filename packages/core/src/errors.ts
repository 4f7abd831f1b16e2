/**
 * One error hierarchy for everything Switchyard throws at run time. Every message says what
 * happened, to what (endpoint / method / file), and what to do. Messages never contain the
 * API key.
 */

/** Base class of every Switchyard error; `code` is a stable machine-readable string. */
export class SwitchyardError extends Error {
  override name: string = 'SwitchyardError';
  readonly code: string = 'SWITCHYARD_ERROR';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A manifest file or object is invalid. `file` is the path (or `<object>`), `path` the JSON path of the bad field. */
export class ManifestError extends SwitchyardError {
  override name = 'ManifestError' as const;
  override readonly code = 'MANIFEST_INVALID' as const;
  constructor(
    readonly file: string,
    readonly path: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${path ? `${path} ` : ''}${problem}`, options);
  }
}

/** The directory could not be reached and no cached addresses exist. */
export class DirectoryUnavailableError extends SwitchyardError {
  override name = 'DirectoryUnavailableError' as const;
  override readonly code = 'DIRECTORY_UNAVAILABLE' as const;
  constructor(message: string, readonly endpoint?: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * An endpoint's address is malformed (in the directory, a static map or the environment). A
 * configuration mistake, not an outage: it never triggers a local fallback.
 */
export class InvalidAddressError extends SwitchyardError {
  override name = 'InvalidAddressError' as const;
  override readonly code = 'INVALID_ADDRESS' as const;
  constructor(message: string, readonly endpoint?: string) {
    super(message);
  }
}

/** No endpoint serves this route (no address in the directory, or the worker does not host it). */
export class RouteNotFoundError extends SwitchyardError {
  override name = 'RouteNotFoundError' as const;
  override readonly code = 'ROUTE_NOT_FOUND' as const;
  constructor(message: string, readonly endpoint?: string, readonly method?: string) {
    super(message);
  }
}

/** A value could not be serialized or deserialized (position names the argument or field). */
export class SerializationError extends SwitchyardError {
  override name = 'SerializationError' as const;
  override readonly code = 'SERIALIZATION_FAILED' as const;
  constructor(message: string, readonly position?: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A payload is larger than the route allows; nothing was sent. */
export class PayloadTooLargeError extends SwitchyardError {
  override name = 'PayloadTooLargeError' as const;
  override readonly code = 'PAYLOAD_TOO_LARGE' as const;
  constructor(message: string, readonly size: number, readonly limit: number) {
    super(message);
  }
}

/** The call's deadline passed. If a job had been accepted, `jobId` names it (it was cancelled). */
export class DeadlineExceededError extends SwitchyardError {
  override name = 'DeadlineExceededError' as const;
  override readonly code = 'DEADLINE_EXCEEDED' as const;
  constructor(message: string, readonly jobId?: string, readonly endpoint?: string, readonly method?: string) {
    super(message);
  }
}

/** The circuit breaker for an address is open: recent calls failed, so this one was not sent. */
export class CircuitOpenError extends SwitchyardError {
  override name = 'CircuitOpenError' as const;
  override readonly code = 'CIRCUIT_OPEN' as const;
  constructor(message: string, readonly endpoint?: string, readonly address?: string) {
    super(message);
  }
}

/**
 * The endpoint could not be reached or did not answer usably (connection refused or dropped,
 * gateway 5xx, rate limiting that outlasted the retries). Nothing says the method ran, except
 * for non-idempotent calls whose connection dropped after sending, which are never resent.
 */
export class EndpointUnavailableError extends SwitchyardError {
  override name = 'EndpointUnavailableError' as const;
  override readonly code = 'ENDPOINT_UNAVAILABLE' as const;
  constructor(message: string, readonly endpoint?: string, readonly address?: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The worker or API refused the key (HTTP 401/403). */
export class UnauthorizedError extends SwitchyardError {
  override name = 'UnauthorizedError' as const;
  override readonly code = 'UNAUTHORIZED' as const;
  constructor(message: string, readonly endpoint?: string) {
    super(message);
  }
}

/** Caller and worker were built from different method lists of an endpoint. */
export class ContractMismatchError extends SwitchyardError {
  override name = 'ContractMismatchError' as const;
  override readonly code = 'CONTRACT_MISMATCH' as const;
  constructor(message: string, readonly endpoint?: string, readonly expected?: string, readonly actual?: string) {
    super(message);
  }
}

/** A request was malformed (bad body, bad arguments, failed DTO validation); `details` lists problems. */
export class InvalidRequestError extends SwitchyardError {
  override name = 'InvalidRequestError' as const;
  override readonly code = 'INVALID_REQUEST' as const;
  constructor(message: string, readonly details: string[] = []) {
    super(message);
  }
}

/** What the worker reported about a remote failure. */
export interface RemoteErrorInfo {
  name: string;
  message: string;
  stack?: string;
  code?: string;
}

/**
 * The remote method threw, or the job ended FAILED / CANCELLED / TIMED_OUT. When the remote
 * error's class is registered with `registerError`, that class is thrown instead, and this
 * information is on its `remote` property.
 */
export class RemoteExecutionError extends SwitchyardError {
  override name = 'RemoteExecutionError' as const;
  override readonly code = 'REMOTE_EXECUTION_FAILED' as const;
  constructor(
    message: string,
    readonly endpoint: string,
    readonly method: string,
    readonly jobId: string | undefined,
    readonly remote: RemoteErrorInfo,
  ) {
    super(message);
  }
}

/** Errors a worker may report by name that the caller rebuilds as the same class. */
export const BUILTIN_ERROR_CLASSES = {
  RouteNotFoundError,
  ContractMismatchError,
  InvalidRequestError,
  DeadlineExceededError,
  SerializationError,
  PayloadTooLargeError,
  UnauthorizedError,
} as const;
