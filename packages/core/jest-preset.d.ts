/**
 * Jest preset of `@switchyard/core`, used as `"jest": { "preset": "@switchyard/core" }`:
 * node test environment, `reflect-metadata` as a setup file, @swc/jest for TypeScript with
 * decorator metadata, the ESM-only dependencies (ky, superjson, copy-anything, is-what)
 * transformed to CommonJS, and `./x.js` imports mapped to `./x` for ES module apps.
 * The shape is jest's `Config.InitialOptions`, written out so this file needs no jest types.
 */
declare const preset: {
  testEnvironment: string;
  setupFiles: string[];
  transform: Record<string, [string, Record<string, unknown>]>;
  transformIgnorePatterns: string[];
  moduleNameMapper: Record<string, string>;
  testPathIgnorePatterns: string[];
};
export = preset;
