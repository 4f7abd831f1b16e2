// Jest preset for apps that use Switchyard: `"jest": { "preset": "@switchyard/core" }`.
//
// Why an app needs it: jest runs every module through its own CommonJS loader, which cannot
// load ES modules, and Switchyard depends on ESM-only packages (ky, superjson and superjson's
// copy-anything; is-what for the older copy-anything releases that import it). So these few
// packages are transformed to CommonJS like the app's own TypeScript. @swc/jest keeps
// decorator metadata (design:paramtypes), which tsyringe needs to inject constructor
// parameters; tsx/esbuild-based transforms drop it.
//
// The app provides @swc/jest and @swc/core (devDependencies) and reflect-metadata (a peer
// dependency of @switchyard/core); jest resolves them from the app's folder.
'use strict';

/** ESM-only packages in @switchyard/core's dependency tree; jest must transform them. */
const ESM_ONLY_PACKAGES = ['ky', 'superjson', 'copy-anything', 'is-what'];

/** swc options shared by TypeScript and JavaScript: CommonJS output, legacy decorators with metadata. */
function swcOptions(parser) {
  return {
    jsc: {
      parser,
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  };
}

module.exports = {
  testEnvironment: 'node',
  // tsyringe and the decorators need the Reflect metadata API before any class is declared.
  setupFiles: ['reflect-metadata'],
  transform: {
    '^.+\\.[cm]?tsx?$': ['@swc/jest', swcOptions({ syntax: 'typescript', decorators: true, tsx: false })],
    '^.+\\.[cm]?jsx?$': ['@swc/jest', swcOptions({ syntax: 'ecmascript', decorators: true })],
  },
  // Skip node_modules except the ESM-only packages, wherever they sit: npm's flat or nested
  // node_modules, or pnpm's node_modules/.pnpm/<name>@<version>/node_modules/<name>.
  transformIgnorePatterns: [`/node_modules/(?!(?:.*/node_modules/)?(?:${ESM_ONLY_PACKAGES.join('|')})/)`],
  // An ES module app writes `import './pricing.js'` for ./pricing.ts (nodenext resolution);
  // map it back so jest finds the TypeScript file. Harmless for CommonJS apps.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // Compiled output is not a test suite of its own.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/dist/'],
};
