import type { DependencyContainer } from 'tsyringe';
import { getEndpointMetadata, type Constructor, type EndpointMetadata, type RemoteMethodMetadata } from '@switchyard/decorators';
import { MethodNotRemoteError } from '../errors';
import { isRouterProxy } from './router-proxy';

/**
 * Where one call runs:
 * - `hosted`: this process hosts the class's endpoint; its real instance;
 * - `override`: something registered in the container instead (a test fake, a DI override);
 * - `plain`: the class is no endpoint; plain DI;
 * - `remote`: a router proxy stands in for it; the call is routed (and may fall back, logged).
 * Local routes run inside the call's context, so `timeoutMs` and `signal` reach them too.
 */
export type CallRoute =
  | { kind: 'hosted' | 'override' | 'plain'; target: Record<string, unknown> }
  | { kind: 'remote'; metadata: EndpointMetadata; method: RemoteMethodMetadata };

/**
 * The one routing decision, used by `runtime.get` (how the container provides an endpoint
 * class), `runtime.call` and `runtime.callEndpoint` (where a call runs).
 */
export class RouteSelection {
  constructor(
    private readonly hosted: ReadonlySet<string>,
    private readonly container: DependencyContainer,
  ) {}

  /** True if this process hosts the endpoint. */
  hosts(endpoint: string): boolean {
    return this.hosted.has(endpoint);
  }

  /** How the container provides an endpoint class: its real instance (hosted here) or a router proxy. */
  registration(metadata: EndpointMetadata): 'instance' | 'proxy' {
    return this.hosted.has(metadata.name) ? 'instance' : 'proxy';
  }

  /** Where `cls[property](...)` runs. The class must already be prepared in the container. */
  forCall(cls: Constructor, property: string): CallRoute {
    const metadata = getEndpointMetadata(cls);
    const target = this.container.resolve(cls) as Record<string, unknown>;
    if (!metadata) return { kind: 'plain', target };
    if (this.hosted.has(metadata.name)) return { kind: 'hosted', target };
    if (!isRouterProxy(target)) return { kind: 'override', target };
    const method = metadata.methods.find((m) => m.property === property);
    if (!method) {
      throw new MethodNotRemoteError(
        `${cls.name}.${property} is not a @Remote method, so it cannot run on endpoint "${metadata.name}", which this process does not host. Mark it @Remote.`,
        { endpoint: metadata.name, method: property },
      );
    }
    return { kind: 'remote', metadata, method };
  }
}
