import { randomBytes } from 'node:crypto';
import { getEndpointMetadata, type Constructor } from '@switchyard/decorators';
import { HttpDirectory, startDirectoryServer } from '../directory';
import { ConfigurationError } from '../errors';
import { silentLogger, type Logger } from '../observability/logger';
import { createRuntime } from '../router/runtime';
import type { Runtime } from '../router/runtime-types';
import { serve } from '../worker';

/** Options of `startLocalCluster`. */
export interface LocalClusterOptions {
  /** Endpoint classes; each gets `replicas` workers. */
  endpoints: Constructor[];
  /** Workers per endpoint (default 1), or a map endpoint name → count. */
  replicas?: number | Record<string, number>;
  /** Key the workers require and callers send; default a random one. */
  apiKey?: string;
  /** Logger for the workers and runtimes; default silent. */
  logger?: Logger;
}

/** A running cluster of in-process workers on 127.0.0.1 with an embedded directory. */
export interface LocalCluster {
  /** URL of the embedded directory (what SWITCHYARD_DIRECTORY_URL would be). */
  readonly directoryUrl: string;
  readonly apiKey: string;
  /** Endpoint name → the endpoint URLs of its replicas (`http://127.0.0.1:PORT/v2/<name>`). */
  readonly addresses: Record<string, string[]>;
  /** The runtime of the first replica hosting `name` (calls from there route like on a worker). */
  runtimeFor(name: string): Runtime;
  /** The runtimes of every replica of `name`, in address order. */
  runtimesFor(name: string): Runtime[];
  /** A new pure-client runtime wired to the cluster's directory; closed by stop(). */
  client(): Runtime;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts real HTTP workers (the project's own `serve()`) on loopback, one runtime per replica,
 * plus a directory that lists them. Everything is torn down by `stop()` (or `await using`).
 */
export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const apiKey = options.apiKey ?? randomBytes(16).toString('hex');
  const logger = options.logger ?? silentLogger;
  const directory = await startDirectoryServer({ apiKey });
  const runtimes: Runtime[] = [];
  const servers: Array<{ close(): Promise<void> }> = [];
  const byName = new Map<string, Runtime[]>();
  const addresses: Record<string, string[]> = {};
  const makeRuntime = (endpoint?: string): Runtime => {
    const runtime = createRuntime({
      endpoint,
      apiKey,
      logger,
      directory: new HttpDirectory(directory.url, { apiKey, logger, ttlMs: 1_000 }),
      env: {},
    });
    runtimes.push(runtime);
    return runtime;
  };
  const stop = async (): Promise<void> => {
    await Promise.allSettled(servers.splice(0).map((s) => s.close()));
    await Promise.allSettled(runtimes.splice(0).map((r) => r.close()));
    await directory.close();
  };

  try {
    for (const cls of options.endpoints) {
      const metadata = getEndpointMetadata(cls);
      if (!metadata) throw new ConfigurationError(`startLocalCluster: ${cls.name} is not an @Endpoint class. Decorate it or remove it from endpoints.`, { option: 'endpoints' });
      const count = typeof options.replicas === 'number' ? options.replicas : (options.replicas?.[metadata.name] ?? 1);
      if (!Number.isInteger(count) || count < 1) {
        throw new ConfigurationError(`startLocalCluster: replicas for "${metadata.name}" must be a positive integer, got ${count}.`, { option: 'replicas' });
      }
      addresses[metadata.name] = [];
      for (let i = 0; i < count; i++) {
        const runtime = makeRuntime(metadata.name);
        byName.set(metadata.name, [...(byName.get(metadata.name) ?? []), runtime]);
        const server = await serve({ endpoints: [cls], runtime, apiKey, logger, mode: metadata.type === 'load-balancer' ? 'load-balancer' : 'http', port: 0 });
        servers.push(server);
        addresses[metadata.name].push(metadata.type === 'load-balancer' ? server.url : `${server.url}/v2/${metadata.name}`);
      }
      directory.set(metadata.name, addresses[metadata.name]);
    }
  } catch (error) {
    await stop();
    throw error;
  }

  const replicasOf = (name: string): Runtime[] => {
    const list = byName.get(name);
    if (!list) throw new ConfigurationError(`startLocalCluster: no endpoint named "${name}" in this cluster (have: ${[...byName.keys()].join(', ')}).`, { endpoint: name });
    return list;
  };

  return {
    directoryUrl: directory.url,
    apiKey,
    addresses,
    runtimeFor(name: string): Runtime {
      return replicasOf(name)[0];
    },
    runtimesFor: (name: string) => [...replicasOf(name)],
    client: () => makeRuntime(undefined),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
