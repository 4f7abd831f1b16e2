import 'reflect-metadata';
import { Type } from 'class-transformer';
import { ValidateIf, ValidateNested } from 'class-validator';
import type { EndpointType, FallbackPolicy } from '@switchyard/decorators';
import { Expect, isGpuHint, isIntegerAtLeast, isIsoDateTime, isNonEmptyString, isPlainObject } from './constraints';

/**
 * The manifest model: what `switchyard build` writes and `loadManifest` reads. The classes are
 * validated with class-validator after class-transformer has turned parsed JSON into instances.
 * Maps keyed by names (`endpoints`, `env`, `function_registry`, `resources_endpoints`) are
 * checked entry by entry in `validate.ts`, because class-validator has no notion of a keyed map
 * and the error must name the exact key.
 *
 * Unknown fields: a field whose name starts with `x-` is an extension field, allowed and kept
 * verbatim at the top level and in each endpoint entry. Any other unknown field, anywhere, is a
 * `ManifestError` naming it — a typo such as `timeoutMS` must not be silently ignored.
 */

/** The manifest version this code writes and reads. */
export const MANIFEST_VERSION = 1 as const;

/**
 * Route names in a manifest: the `@Remote` `name` option, or else the method's property name.
 * No `.` (it separates endpoint and method in routing keys such as `image-processor.resize`).
 */
export const ROUTE_NAME_PATTERN = /^[A-Za-z0-9_$][A-Za-z0-9_$-]{0,127}$/;

/** Environment variable names allowed in `resources.env`. */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A contract hash as `contractHash()` produces it: 16 lowercase hex characters. */
export const CONTRACT_PATTERN = /^[0-9a-f]{16}$/;

/** A field name that is an extension field (kept verbatim, never validated). */
export type ExtensionKey = `x-${string}`;

/** One `@Remote` method of an endpoint. */
export class ManifestMethod {
  /** Route name, unique within the endpoint (see ROUTE_NAME_PATTERN). */
  @Expect('a route name: 1-128 letters, digits, "_", "$" or "-", not starting with "-"', (v) => typeof v === 'string' && ROUTE_NAME_PATTERN.test(v))
  name!: string;

  /** The method's property name on the class. */
  @Expect('a non-empty string (the method property name)', isNonEmptyString)
  property!: string;

  /** Per-call deadline in ms; absent means the runtime default (600000). */
  @ValidateIf((method: ManifestMethod) => method.timeoutMs !== undefined)
  @Expect('a positive integer', (v) => isIntegerAtLeast(v, 1))
  timeoutMs?: number;

  /** Safe to resubmit with the same callId. */
  @Expect('true or false', (v) => typeof v === 'boolean')
  idempotent!: boolean;

  /** Resubmissions allowed after a transport failure; > 0 only when idempotent. */
  @Expect('a non-negative integer', (v) => isIntegerAtLeast(v, 0))
  retries!: number;

  /** `'none'` or `'local'`: what happens when the endpoint has no address. */
  @Expect('"none" or "local"', (v) => v === 'none' || v === 'local')
  fallback!: FallbackPolicy;

  /** Number of declared parameters; part of the contract hash. */
  @Expect('a non-negative integer', (v) => isIntegerAtLeast(v, 0))
  arity!: number;

  /**
   * True for a streaming method (an async generator): its caller reads a stream of values, not
   * one result. Part of the contract hash. Written only when true; absent means false, so
   * manifests written before streaming existed read unchanged.
   */
  @ValidateIf((method: ManifestMethod) => method.streaming !== undefined)
  @Expect('true or false', (v) => typeof v === 'boolean')
  streaming?: boolean;
}

/** Deployment hints of an endpoint. Every field is optional; absent means the deployer's default. */
export class ManifestResources {
  /** GPU type(s), in order of preference. */
  @ValidateIf((r: ManifestResources) => r.gpu !== undefined)
  @Expect('a non-empty string or a non-empty array of non-empty strings', isGpuHint)
  gpu?: string | string[];

  /** CPU flavour, e.g. `cpu3c`. */
  @ValidateIf((r: ManifestResources) => r.cpu !== undefined)
  @Expect('a non-empty string', isNonEmptyString)
  cpu?: string;

  /** Workers kept warm (deployer default 0). */
  @ValidateIf((r: ManifestResources) => r.workersMin !== undefined)
  @Expect('a non-negative integer', (v) => isIntegerAtLeast(v, 0))
  workersMin?: number;

  /** Maximum workers (deployer default 3). */
  @ValidateIf((r: ManifestResources) => r.workersMax !== undefined)
  @Expect('a positive integer', (v) => isIntegerAtLeast(v, 1))
  workersMax?: number;

  /** Environment variables for the endpoint's workers: name → value. Never put secrets here. */
  @ValidateIf((r: ManifestResources) => r.env !== undefined)
  @Expect('an object mapping variable names to string values', isPlainObject)
  env?: Record<string, string>;
}

/** One endpoint: its kind, deployment hints, remote methods, dependencies and contract hash. */
export class ManifestEndpoint {
  /** `'queue'` (RunPod job API) or `'load-balancer'` (direct HTTP). */
  @Expect('"queue" or "load-balancer"', (v) => v === 'queue' || v === 'load-balancer')
  type!: EndpointType;

  /** Deployment hints; `{}` when none were given. */
  @Expect('an object (use {} for no hints)', isPlainObject)
  @ValidateNested()
  @Type(() => ManifestResources)
  resources!: ManifestResources;

  /** Remote methods; `switchyard build` sorts them by name. */
  @Expect('an array of methods', Array.isArray)
  @ValidateNested({ each: true })
  @Type(() => ManifestMethod)
  methods!: ManifestMethod[];

  /** Names of the endpoints this endpoint's constructor needs (it calls them). Sorted. */
  @Expect('an array of endpoint names', Array.isArray)
  dependsOn!: string[];

  /** contractHash() of the endpoint name and its methods' names and arity. */
  @Expect('a 16-character lowercase hex contract hash', (v) => typeof v === 'string' && CONTRACT_PATTERN.test(v))
  contract!: string;

  /** Extension fields (`x-...`), kept verbatim. */
  [extension: ExtensionKey]: unknown;
}

/** A Switchyard manifest (version 1). */
export class Manifest {
  /** Always 1. */
  @Expect(`${MANIFEST_VERSION} (the manifest version this Switchyard reads)`, (v) => v === MANIFEST_VERSION)
  version!: typeof MANIFEST_VERSION;

  /** When the manifest was built, ISO 8601 (e.g. `2026-01-20T10:00:00.000Z`). */
  @Expect('an ISO 8601 date-time string such as "2026-01-20T10:00:00.000Z"', isIsoDateTime)
  generatedAt!: string;

  /** Project name (informational). */
  @Expect('a non-empty string', isNonEmptyString)
  project!: string;

  /** Endpoint name → endpoint. Names match NAME_PATTERN of @switchyard/decorators. */
  @Expect('an object mapping endpoint names to endpoints', isPlainObject)
  endpoints!: Record<string, ManifestEndpoint>;

  /** `"<endpoint>.<method>"` → endpoint name, one entry per remote method (the Python original's field). */
  @Expect('an object mapping "<endpoint>.<method>" to endpoint names', isPlainObject)
  function_registry!: Record<string, string>;

  /** Endpoint name → URL or replica URLs, as a directory serves them (optional). */
  @ValidateIf((m: Manifest) => m.resources_endpoints !== undefined)
  @Expect('an object mapping endpoint names to a URL or an array of URLs', isPlainObject)
  resources_endpoints?: Record<string, string | string[]>;

  /** Extension fields (`x-...`), kept verbatim. */
  [extension: ExtensionKey]: unknown;
}
