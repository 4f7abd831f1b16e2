// One jest run covers every package and the examples. @swc/jest keeps decorator metadata
// (design:paramtypes), which tsyringe needs; the ESM-only packages are transformed.
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

module.exports = {
  testEnvironment: 'node',
  setupFiles: ['reflect-metadata'],
  roots: ['<rootDir>/packages', '<rootDir>/examples'],
  testMatch: ['**/test/**/*.test.ts'],
  moduleNameMapper: {
    '^@switchyard/core/testing$': '<rootDir>/packages/core/src/testing/index.ts',
    '^@switchyard/(core|decorators)$': '<rootDir>/packages/$1/src/index.ts',
  },
  transform: { '^.+\\.(t|j)s$': ['@swc/jest', swc] },
  transformIgnorePatterns: [
    '/node_modules/(?!(\\.pnpm/[^/]+/node_modules/)?(ky|superjson|copy-anything|is-what|runpod-sdk|xior|ramda|fast-check|pure-rand)/)',
  ],
  testTimeout: 30000,
};
