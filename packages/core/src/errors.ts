/**
 * One error hierarchy for everything Switchyard throws at run time. Every message says what
 * happened, to what (endpoint / method / file / option), and what to do. Messages never contain
 * the API key.
 *
 * Every constructor takes the specific text and an options object: `endpoint` and `method` (the
 * message is then prefixed with `endpoint.method: `, once), the class's own fields, and `cause`.
 */

/** A failure as it travels between processes: in a FAILED job's `error` (as a JSON string), in a load-balancer error reply, inside payloads. */
export interface WireFailure {
  /** The error's class name, e.g. `InvalidImageError`. */
  name: string;
  message: string;
  stack?: string;
  /** A string `code` of the error, when it has one (every SwitchyardError does). */
  code?: string;
  /** The endpoint and method whose call failed (set by the worker). */
  endpoint?: string;
  method?: string;
  /** Simple own fields of the error (strings, numbers, booleans, null), so a registered class is rebuilt with them. */
  fields?: Record<string, string | number | boolean | null>;
  /** The error's `details` list (e.g. validation problems of an InvalidRequestError), one line each. */
  details?: string[];
  /** The error's `cause`, when it is an Error; the chain is cut after a few levels. */
  cause?: WireFailure;
}

/** What the worker reported about a remote failure: the WireFailure itself. */
export type RemoteErrorInfo = WireFailure;

/** Options every Switchyard error accepts. */
export interface SwitchyardErrorOptions {
  /** The endpoint the error concerns. */
  endpoint?: string;
  /** The method (route name) the error concerns; with `endpoint`, the message is prefixed `endpoint.method: `. */
  method?: string;
  /** The underlying error. */
  cause?: unknown;
}

function compose(message: string, options: SwitchyardErrorOptions): string {
  if (options.endpoint === undefined || options.method === undefined) return message;
  const prefix = `${options.endpoint}.${options.method}: `;
  return message.startsWith(prefix) ? message : `${prefix}${message}`;
}

/**
 * Base class of every Switchyard error; `code` is a stable machine-readable string. `O` is the
 * subclass's options type: every option other than `cause` that is given becomes a field of the
 * same name (subclasses only declare them), so a field is absent rather than `undefined`.
 */
export class SwitchyardError<O extends SwitchyardErrorOptions = SwitchyardErrorOptions> extends Error {
  override name: string = 'SwitchyardError';
  readonly code: string = 'SWITCHYARD_ERROR';
  declare readonly endpoint?: string;
  declare readonly method?: string;

  constructor(message: string, ...[options]: {} extends O ? [options?: O] : [options: O]) {
    const given = (options ?? {}) as SwitchyardErrorOptions;
    super(compose(message, given), given.cause === undefined ? undefined : { cause: given.cause });
    for (const [key, value] of Object.entries(given)) {
      if (key !== 'cause' && value !== undefined) (this as Record<string, unknown>)[key] = value;
    }
  }
}

/** Options, environment variables or CLI input are invalid. `option` names the one at fault. */
export class ConfigurationError extends SwitchyardError<SwitchyardErrorOptions & { option?: string }> {
  override name = 'ConfigurationError' as const;
  override readonly code = 'CONFIGURATION_INVALID' as const;
  declare readonly option?: string;
}

/** A manifest file or object is invalid. `file` is the path (or `<object>`), `path` the JSON path of the bad field. */
export class ManifestError extends SwitchyardError<{ file: string; path: string; problem: string; cause?: unknown }> {
  override name = 'ManifestError' as const;
  override readonly code = 'MANIFEST_INVALID' as const;
  declare readonly file: string;
  declare readonly path: string;
  declare readonly problem: string;
  constructor(options: { file: string; path?: string; problem: string; cause?: unknown }) {
    const path = options.path ?? '';
    super(`${options.file}: ${path ? `${path} ` : ''}${options.problem}`, { ...options, path });
  }
}

/** The directory could not be reached (or answered garbage) and no cached addresses exist. */
export class DirectoryUnavailableError extends SwitchyardError {
  override name = 'DirectoryUnavailableError' as const;
  override readonly code = 'DIRECTORY_UNAVAILABLE' as const;
}

/**
 * An endpoint's address is malformed (in the directory, a static map or the environment). A
 * configuration mistake, not an outage: it never triggers a local fallback.
 */
export class InvalidAddressError extends SwitchyardError {
  override name = 'InvalidAddressError' as const;
  override readonly code = 'INVALID_ADDRESS' as const;
}

/** No route to this `endpoint.method`: no address for the endpoint, or the address does not serve it. */
export class RouteNotFoundError extends SwitchyardError {
  override name = 'RouteNotFoundError' as const;
  override readonly code = 'ROUTE_NOT_FOUND' as const;
}

/** A method of a router proxy (or a name given to `runtime.call`) is not a `@Remote` method, so it cannot run remotely. */
export class MethodNotRemoteError extends SwitchyardError {
  override name = 'MethodNotRemoteError' as const;
  override readonly code = 'METHOD_NOT_REMOTE' as const;
}

/** A value could not be serialized or deserialized (`position` names the argument or field). */
export class SerializationError extends SwitchyardError<SwitchyardErrorOptions & { position?: string }> {
  override name = 'SerializationError' as const;
  override readonly code = 'SERIALIZATION_FAILED' as const;
  declare readonly position?: string;
}

/** A payload is larger than the route allows; nothing was sent. */
export class PayloadTooLargeError extends SwitchyardError<SwitchyardErrorOptions & { size: number; limit: number }> {
  override name = 'PayloadTooLargeError' as const;
  override readonly code = 'PAYLOAD_TOO_LARGE' as const;
  declare readonly size: number;
  declare readonly limit: number;
}

/** The call's deadline passed. If a job had been accepted, `jobId` names it (it was cancelled). */
export class DeadlineExceededError extends SwitchyardError<SwitchyardErrorOptions & { jobId?: string }> {
  override name = 'DeadlineExceededError' as const;
  override readonly code = 'DEADLINE_EXCEEDED' as const;
  declare readonly jobId?: string;
}

/** The circuit breaker for an address is open: recent calls failed, so this one was not sent. */
export class CircuitOpenError extends SwitchyardError<SwitchyardErrorOptions & { address?: string }> {
  override name = 'CircuitOpenError' as const;
  override readonly code = 'CIRCUIT_OPEN' as const;
  declare readonly address?: string;
}

/**
 * The endpoint could not be reached or did not answer usably (connection refused or dropped,
 * gateway 5xx, rate limiting that outlasted the retries, a replica that died with the job).
 * `mayHaveRun` is true when a submission may have reached the worker.
 */
export class EndpointUnavailableError extends SwitchyardError<SwitchyardErrorOptions & { address?: string; mayHaveRun?: boolean }> {
  override name = 'EndpointUnavailableError' as const;
  override readonly code = 'ENDPOINT_UNAVAILABLE' as const;
  declare readonly address?: string;
  declare readonly mayHaveRun?: boolean;
}

/** No key is configured, or the worker, directory or API refused it (HTTP 401/403). */
export class UnauthorizedError extends SwitchyardError {
  override name = 'UnauthorizedError' as const;
  override readonly code = 'UNAUTHORIZED' as const;
}

/** Caller and worker were built from different method lists of an endpoint. */
export class ContractMismatchError extends SwitchyardError<SwitchyardErrorOptions & { expected?: string; actual?: string }> {
  override name = 'ContractMismatchError' as const;
  override readonly code = 'CONTRACT_MISMATCH' as const;
  declare readonly expected?: string;
  declare readonly actual?: string;
}

/** A request was malformed (bad body, bad arguments, failed DTO validation); `details` lists the problems. */
export class InvalidRequestError extends SwitchyardError<SwitchyardErrorOptions & { details?: readonly string[] }> {
  override name = 'InvalidRequestError' as const;
  override readonly code = 'INVALID_REQUEST' as const;
  /** One line per problem (always present; empty when there is only the message). */
  declare readonly details: string[];
  constructor(message: string, options: SwitchyardErrorOptions & { details?: readonly string[] } = {}) {
    super(message, { ...options, details: [...(options.details ?? [])] });
  }
}

/**
 * `switchyard deploy` could not bring RunPod in line with the manifest: RunPod's REST API
 * refused a request or rate-limited it past the retries (`status` is the HTTP status), or the
 * account's endpoints conflict with the manifest (two of one name, another type). The message
 * names the endpoint, the RunPod name and ids; it never contains the API key.
 */
export class DeployError extends SwitchyardError<SwitchyardErrorOptions & { status?: number; details?: readonly string[] }> {
  override name = 'DeployError' as const;
  override readonly code = 'DEPLOY_FAILED' as const;
  declare readonly status?: number;
  /** One line per problem (always present; empty when the message says it all). */
  declare readonly details: string[];
  constructor(message: string, options: SwitchyardErrorOptions & { status?: number; details?: readonly string[] } = {}) {
    super(message, { ...options, details: [...(options.details ?? [])] });
  }
}

/**
 * The remote method threw, or the job ended FAILED / CANCELLED / TIMED_OUT. When the remote
 * error's class is registered with `registerError`, that class is thrown instead, and this
 * information is on its `remote` property.
 */
export class RemoteExecutionError extends SwitchyardError<SwitchyardErrorOptions & { endpoint: string; method: string; jobId?: string; remote: WireFailure }> {
  override name = 'RemoteExecutionError' as const;
  override readonly code = 'REMOTE_EXECUTION_FAILED' as const;
  declare readonly endpoint: string;
  declare readonly method: string;
  declare readonly jobId?: string;
  declare readonly remote: WireFailure;
}

/** Every Switchyard error class, by name: a worker reports them by name and the caller rebuilds the same class. */
export const BUILTIN_ERROR_CLASSES = {
  SwitchyardError,
  ConfigurationError,
  ManifestError,
  DirectoryUnavailableError,
  InvalidAddressError,
  RouteNotFoundError,
  MethodNotRemoteError,
  SerializationError,
  PayloadTooLargeError,
  DeadlineExceededError,
  CircuitOpenError,
  EndpointUnavailableError,
  UnauthorizedError,
  ContractMismatchError,
  InvalidRequestError,
  DeployError,
  RemoteExecutionError,
} as const;
