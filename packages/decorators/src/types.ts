/** A class constructor Switchyard can resolve from a container. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Constructor<T = any> = new (...args: any[]) => T;

/** RunPod endpoint kinds: a queue endpoint (job API) or a load-balancing endpoint (direct HTTP). */
export type EndpointType = 'queue' | 'load-balancer';

/** Deployment hints written to the manifest; `switchyard deploy` creates or updates RunPod endpoints from them. */
export interface ResourceHints {
  /** GPUs the endpoint wants, in order of preference: RunPod pool ids (`'ADA_24'`) or GPU types (`'NVIDIA A40'`), e.g. `['AMPERE_16', 'ADA_24']`. */
  gpu?: string | string[];
  /** CPU flavour instead of a GPU, e.g. `'cpu3c'` or `'cpu5c-4'` (flavour and vCPUs). */
  cpu?: string;
  /** Minimum workers kept warm. Default 0. */
  workersMin?: number;
  /** Maximum workers. Default 3. */
  workersMax?: number;
  /** Environment variables for the endpoint's workers (names and values only; never secrets). */
  env?: Record<string, string>;
}

/** Options of `@Endpoint`. */
export interface EndpointOptions {
  /** Endpoint name; default: the class name. Letters, digits, `-` and `_`, starting with a letter or digit. */
  name?: string;
  /** `'queue'` (default) or `'load-balancer'`. */
  type?: EndpointType;
  /** Deployment hints (gpu/cpu, worker counts, env). */
  resources?: ResourceHints;
}

/** What a method may do when its endpoint has no address. */
export type FallbackPolicy = 'none' | 'local';

/** Options of `@Remote`. */
export interface RemoteOptions {
  /** Route name; default: the method name. */
  name?: string;
  /** Per-call deadline in ms; default 600000 (RunPod's default executionTimeout). */
  timeoutMs?: number;
  /** Safe to run twice: may be resubmitted with the same callId. Default false. */
  idempotent?: boolean;
  /** Resubmissions allowed for an idempotent method after a transport failure. Default 0. */
  retries?: number;
  /** `'none'` (default): no address is an error. `'local'`: run on a local instance, logged. */
  fallback?: FallbackPolicy;
}

/** One `@Remote` method as recorded on its class. */
export interface RemoteMethodMetadata {
  /** Route name (the `name` option, else the property name). */
  name: string;
  /** The method's property name on the class. */
  property: string;
  /** Number of declared parameters (`Function.length`). */
  arity: number;
  /** True when the parameter list ends in a rest parameter (`...xs`): any number of arguments is accepted. */
  rest?: boolean;
  /** Parameter types from `design:paramtypes`, when the compiler emitted them. */
  paramTypes: unknown[];
  timeoutMs?: number;
  idempotent: boolean;
  retries: number;
  fallback: FallbackPolicy;
  /**
   * True for a streaming method (an async generator, `async *name()`): the caller receives each
   * yielded value as it is produced instead of one result. `@Remote` always sets it (false for
   * Promise-returning methods); absent in hand-built metadata means false.
   */
  streaming?: boolean;
}

/** Everything `@Endpoint` and `@Remote` recorded about one class. */
export interface EndpointMetadata {
  name: string;
  type: EndpointType;
  resources: ResourceHints;
  /** The decorated class. */
  target: Constructor;
  /** `@Remote` methods, own and inherited, in declaration order. */
  methods: RemoteMethodMetadata[];
  /** Constructor parameter types (`design:paramtypes`): which classes this endpoint needs. */
  dependencies: unknown[];
}
