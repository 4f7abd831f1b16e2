import type { Constructor, EndpointMetadata } from '@switchyard/decorators';
import { MethodNotRemoteError, SwitchyardError } from '../errors';

/** Sends one routed call (a promise, or the async iterable of a streaming method); the proxy knows nothing of directories or executors. */
export type RemoteInvoker = (method: string, args: unknown[]) => unknown;

/** Marks router proxies. A private symbol, not `Symbol.for`: nothing outside this module can forge it. */
const ROUTER_PROXY = Symbol('switchyard.router-proxy');

/**
 * A stand-in typed as the endpoint class: each `@Remote` method sends a routed call.
 * Guards keep it well-behaved as a value: `then` is undefined (so `await proxy` does not hang),
 * `toString`/`toJSON` describe the proxy, symbol keys never route, and a method that is not
 * `@Remote` throws an error naming it instead of silently running anywhere.
 */
export function createRouterProxy<T>(cls: Constructor<T>, metadata: EndpointMetadata, invoke: RemoteInvoker): T {
  const routes = new Map<string, string>(); // property name → route name
  for (const m of metadata.methods) routes.set(m.property, m.name);
  const callers = new Map<string, (...args: unknown[]) => unknown>();
  const label = `[RouterProxy ${cls.name} → endpoint ${metadata.name}]`;

  const target = Object.create(cls.prototype) as object;
  const handler: ProxyHandler<object> = {
    get(_target, key) {
      if (key === ROUTER_PROXY) return metadata.name;
      if (typeof key === 'symbol') return undefined;
      const route = routes.get(key);
      if (route !== undefined) {
        let caller = callers.get(key);
        if (!caller) {
          caller = (...args: unknown[]) => invoke(route, args);
          callers.set(key, caller);
        }
        return caller;
      }
      switch (key) {
        case 'then':
          return undefined;
        case 'toString':
          return () => label;
        case 'toJSON':
          return () => ({ routerProxy: metadata.name, class: cls.name });
        case 'constructor':
          return cls;
      }
      const onPrototype: unknown = Reflect.get(cls.prototype as object, key);
      if (typeof onPrototype === 'function') {
        return () => {
          throw new MethodNotRemoteError(
            `${cls.name}.${key} is not a @Remote method, so it cannot run on endpoint "${metadata.name}", which this process does not host. Mark it @Remote, or call it inside the endpoint.`,
            { endpoint: metadata.name, method: key },
          );
        };
      }
      return undefined;
    },
    has(_target, key) {
      return typeof key === 'string' && routes.has(key);
    },
    set(_target, key) {
      throw new SwitchyardError(
        `Cannot set "${String(key)}" on the router proxy for endpoint "${metadata.name}": it has no local state. Keep state inside the endpoint.`,
      );
    },
    defineProperty(_target, key) {
      throw new SwitchyardError(`Cannot define "${String(key)}" on the router proxy for endpoint "${metadata.name}".`);
    },
    deleteProperty() {
      return false;
    },
  };
  return new Proxy(target, handler) as T;
}

/** True if `value` is a router proxy (of any endpoint). */
export function isRouterProxy(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[ROUTER_PROXY] !== undefined;
}

/** The endpoint name a router proxy routes to, or undefined for anything else. */
export function proxiedEndpoint(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null ? ((value as Record<symbol, unknown>)[ROUTER_PROXY] as string | undefined) : undefined;
}
