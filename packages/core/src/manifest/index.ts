// Public surface of the manifest folder (re-exported by @switchyard/core). Helpers such as
// validateManifest and findCycle stay importable from their own files inside the package.
export { Manifest, ManifestEndpoint, ManifestMethod, ManifestResources, MANIFEST_VERSION } from './model';
export type { ExtensionKey } from './model';
export { buildManifest } from './build';
export type { BuildManifestOptions } from './build';
export { loadManifest } from './load';
export { manifestToJson, writeManifest } from './write';
export { contractHash } from './contract';
export type { ContractSource } from './contract';
