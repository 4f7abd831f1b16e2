import { appSource, catalogSource, checkoutSource, clientSource, errorsSource, pricingSource, testSource, type Specifier } from './app-sources';
import { dockerfile, dockerignore, gitignore, packageJson, readme, testTsconfigJson, tsconfigJson, type StarterVersions } from './project-files';

export type { StarterVersions } from './project-files';

/** What the starter is made of. */
export interface StarterOptions {
  /** Package name written to package.json. */
  readonly name: string;
  /** Write an ES module app (`"type": "module"`, `.js` in relative imports). Default false: CommonJS. */
  readonly esm?: boolean;
  /** Exact dependency versions. */
  readonly versions: StarterVersions;
}

/** One file of the starter: a path relative to the app folder (always `/`-separated) and its text. */
export interface StarterFile {
  readonly path: string;
  readonly content: string;
}

/** Every file `switchyard init` writes, in the order it lists them. */
export function starterFiles(options: StarterOptions): StarterFile[] {
  const esm = options.esm ?? false;
  const spec: Specifier = esm ? (path) => `${path}.js` : (path) => path;
  return [
    { path: 'package.json', content: packageJson(options.name, esm, options.versions) },
    { path: 'tsconfig.json', content: tsconfigJson() },
    { path: '.gitignore', content: gitignore() },
    { path: 'README.md', content: readme(options.name, esm) },
    { path: 'Dockerfile', content: dockerfile() },
    { path: '.dockerignore', content: dockerignore() },
    { path: 'src/app.ts', content: appSource(spec) },
    { path: 'src/catalog.ts', content: catalogSource() },
    { path: 'src/errors.ts', content: errorsSource() },
    { path: 'src/endpoints/pricing.ts', content: pricingSource(spec) },
    { path: 'src/endpoints/checkout.ts', content: checkoutSource(spec) },
    { path: 'src/client.ts', content: clientSource(spec, esm) },
    { path: 'test/tsconfig.json', content: testTsconfigJson() },
    { path: 'test/checkout.test.ts', content: testSource(spec) },
  ];
}
