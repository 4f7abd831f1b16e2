import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

const CORE = resolve(__dirname, '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the preset is plain CommonJS, loaded as jest loads it
const preset = require('../jest-preset.js') as { transformIgnorePatterns: string[]; transform: Record<string, [string, { jsc: { transform: Record<string, unknown> } }]> };

interface Manifest {
  name: string;
  type?: string;
  exports?: unknown;
  dependencies?: Record<string, string>;
}

/** Every package in core's production dependency tree, found as node finds each from its dependent. */
function dependencyTree(): Map<string, Manifest> {
  const seen = new Map<string, Manifest>();
  const visit = (folder: string, manifest: Manifest): void => {
    for (const name of Object.keys(manifest.dependencies ?? {})) {
      if (seen.has(name)) continue;
      const dep = findPackage(folder, name);
      const depManifest = JSON.parse(readFileSync(join(dep, 'package.json'), 'utf8')) as Manifest;
      seen.set(name, depManifest);
      visit(dep, depManifest);
    }
  };
  visit(CORE, JSON.parse(readFileSync(join(CORE, 'package.json'), 'utf8')) as Manifest);
  return seen;
}

/**
 * Node's lookup of a package folder: `<ancestor>/node_modules/<name>` for each ancestor of the
 * dependent that is not itself a node_modules folder (pnpm keeps a package's dependencies
 * beside it in .pnpm/<pkg>@<version>/node_modules). Folders, not entry files: an exports map
 * may hide package.json, and require.resolve refuses ESM-only entries.
 */
function findPackage(from: string, name: string): string {
  for (let folder = from; ; folder = dirname(folder)) {
    if (basename(folder) !== 'node_modules' && existsSync(join(folder, 'node_modules', name, 'package.json'))) {
      return realpathSync(join(folder, 'node_modules', name));
    }
    if (dirname(folder) === folder) throw new Error(`${name} (a dependency of ${from}) is not installed`);
  }
}

/** An ES module package without a `require` entry: jest's CommonJS runtime cannot load it untransformed. */
function isEsmOnly(manifest: Manifest): boolean {
  const hasRequireCondition = (value: unknown): boolean =>
    value !== null && typeof value === 'object' && Object.entries(value).some(([key, v]) => key === 'require' || hasRequireCondition(v));
  return manifest.type === 'module' && !hasRequireCondition(manifest.exports);
}

describe('the jest preset', () => {
  const ignored = (path: string): boolean => preset.transformIgnorePatterns.some((pattern) => new RegExp(pattern).test(path));
  /** Where a package's file sits with npm (flat and nested under core) and with pnpm. */
  const layouts = (name: string): string[] => [
    `/app/node_modules/${name}/dist/index.js`,
    `/app/node_modules/@switchyard/core/node_modules/${name}/dist/index.js`,
    `/app/node_modules/.pnpm/${name.replace('/', '+')}@1.0.0/node_modules/${name}/dist/index.js`,
  ];

  it("transforms every ESM-only package in core's dependency tree, wherever npm or pnpm puts it", () => {
    const tree = dependencyTree();
    const esmOnly = [...tree.values()].filter(isEsmOnly).map((m) => m.name);

    expect(esmOnly.length).toBeGreaterThan(0);
    for (const name of esmOnly) for (const path of layouts(name)) expect({ path, ignored: ignored(path) }).toEqual({ path, ignored: false });
  });

  it('leaves the CommonJS packages of the tree, and core itself, untransformed', () => {
    const commonJs = [...dependencyTree().values()].filter((m) => !isEsmOnly(m)).map((m) => m.name);

    expect(commonJs).toEqual(expect.arrayContaining(['commander', '@switchyard/decorators']));
    for (const name of [...commonJs, '@switchyard/core']) for (const path of layouts(name)) expect({ path, ignored: ignored(path) }).toEqual({ path, ignored: true });
  });

  it("transforms the app's own files, and a dependency of an ESM-only package only if it is ESM-only too", () => {
    expect(ignored('/app/src/endpoints/pricing.ts')).toBe(false);
    expect(ignored('/app/node_modules/ky/node_modules/left-pad/index.js')).toBe(true);
    expect(ignored('/app/node_modules/kyber/index.js')).toBe(true);
  });

  it('compiles TypeScript and JavaScript with legacy decorators and their metadata, as tsyringe needs', () => {
    const transforms = Object.values(preset.transform);

    expect(transforms).toHaveLength(2);
    for (const [transformer, options] of transforms) {
      expect(transformer).toBe('@swc/jest');
      expect(options.jsc.transform).toMatchObject({ legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false });
    }
  });
});
