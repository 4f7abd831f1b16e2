import { existsSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { listEndpoints } from '@switchyard/decorators';
import type { SwitchyardDefaults } from '../config';
import type { Directory } from '../directory/directory';
import type { EndpointAddress } from '../directory/endpoint-address';
import { directoryFromEnv } from '../directory/directory-from-env';
import { StaticDirectory } from '../directory/static-directory';
import { ConfigurationError, DirectoryUnavailableError } from '../errors';
import { contractHash } from '../manifest/contract';
import { loadManifest } from '../manifest/load';
import type { Manifest } from '../manifest/model';
import type { Logger } from '../observability/logger';

/** Directory used when none is configured: every lookup explains how to configure one. */
class UnconfiguredDirectory implements Directory {
  async resolve(endpoint: string): Promise<EndpointAddress[]> {
    throw new DirectoryUnavailableError(
      `No directory is configured, so endpoint "${endpoint}" cannot be located. Set SWITCHYARD_DIRECTORY_URL (or SWITCHYARD_DIRECTORY with a JSON map), or pass { directory } to createRuntime.`,
      { endpoint },
    );
  }
  async refresh(): Promise<void> {}
}

/** The endpoint names a runtime hosts: the option, else SWITCHYARD_ENDPOINT (comma-separated). */
export function hostedEndpoints(option: string | string[] | undefined, defaults: SwitchyardDefaults): Set<string> {
  const list = Array.isArray(option) ? option : (option ?? defaults.endpoint ?? '').split(',');
  return new Set(list.map((s) => s.trim()).filter(Boolean));
}

/** The manifest: the option, else SWITCHYARD_MANIFEST, else ./switchyard.manifest.json when it exists. */
export function runtimeManifest(option: Manifest | string | undefined, defaults: SwitchyardDefaults): Manifest | undefined {
  if (option !== undefined) return loadManifest(option as string);
  if (defaults.manifestPath) return loadManifest(resolvePath(defaults.manifestPath));
  const fallback = resolvePath('switchyard.manifest.json');
  return existsSync(fallback) ? loadManifest(fallback) : undefined;
}

/** The directory the environment asks for, else the manifest's resources_endpoints, else one that says how to configure one. */
export function defaultDirectory(env: NodeJS.ProcessEnv, defaults: SwitchyardDefaults, manifest: Manifest | undefined, apiKey: string | undefined, logger: Logger): Directory {
  const fromEnv = directoryFromEnv({ env, apiKey, logger, defaults });
  if (fromEnv) return fromEnv;
  if (manifest?.resources_endpoints) return new StaticDirectory(manifest.resources_endpoints, { baseUrl: defaults.runpodBaseUrl, source: 'the manifest' });
  return new UnconfiguredDirectory();
}

/**
 * Checks the hosted names against the loaded classes and the manifest (ConfigurationError for a
 * name no endpoint has), and warns when the manifest's contract differs from the code.
 */
export function checkHosting(hosted: ReadonlySet<string>, manifest: Manifest | undefined, logger: Logger): void {
  const known = new Set([...listEndpoints().map((e) => e.name), ...Object.keys(manifest?.endpoints ?? {})]);
  for (const name of hosted) {
    if (known.has(name)) continue;
    throw new ConfigurationError(
      `This process is set to host endpoint "${name}" (SWITCHYARD_ENDPOINT or the endpoint option), but no @Endpoint class has that name. Known endpoints: ${[...known].sort().join(', ') || '(none: import the endpoint classes before createRuntime)'}.`,
      { option: 'endpoint', endpoint: name },
    );
  }
  if (!manifest) return;
  for (const metadata of listEndpoints()) {
    const declared = manifest.endpoints[metadata.name];
    if (declared && declared.contract !== contractHash(metadata)) {
      logger.warn(`the manifest's contract for endpoint "${metadata.name}" differs from the code; rebuild it with "switchyard build"`, { endpoint: metadata.name });
    }
  }
}
