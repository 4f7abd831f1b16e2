// Project files of the starter app that `switchyard init` writes: package.json, the tsconfigs,
// .gitignore and a README. See app-sources.ts for why these are string constants.

/** Exact versions the starter depends on, read from @switchyard/core's own package.json. */
export interface StarterVersions {
  /** Runtime dependencies of the app: `@switchyard/core` and core's peer dependencies. */
  readonly dependencies: Readonly<Record<string, string>>;
  /** Toolchain: TypeScript, jest with @swc/jest, and their types. */
  readonly devDependencies: Readonly<Record<string, string>>;
}

/** `package.json`: build/dev/test scripts, the jest preset, exact versions. */
export function packageJson(name: string, esm: boolean, versions: StarterVersions): string {
  const pkg = {
    name,
    version: '0.1.0',
    private: true,
    ...(esm ? { type: 'module' } : {}),
    engines: { node: '>=20.19' },
    scripts: {
      build: 'tsc',
      dev: 'tsc && switchyard dev --entry dist/app.js',
      test: 'jest',
      typecheck: 'tsc --noEmit -p test',
      manifest: 'tsc && switchyard build --entry dist/app.js && switchyard manifest validate switchyard.manifest.json',
    },
    // The preset transforms TypeScript with decorator metadata and the ESM-only packages
    // Switchyard depends on; without it jest cannot load @switchyard/core.
    jest: { preset: '@switchyard/core' },
    dependencies: sorted(versions.dependencies),
    devDependencies: sorted(versions.devDependencies),
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

/**
 * `tsconfig.json`: the compiler flags Switchyard needs. Decorators are TypeScript's legacy
 * ones with metadata (tsyringe injects by `design:paramtypes`); `useDefineForClassFields:
 * false` keeps field initialisers from shadowing what decorators define; ES2022 output and the
 * Disposable lib let `await using` compile for Node 20, which cannot run it natively.
 */
export function tsconfigJson(): string {
  return `${JSON.stringify(
    {
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2022', 'ESNext.Disposable'],
        module: 'nodenext',
        moduleResolution: 'nodenext',
        types: ['node'],
        rootDir: 'src',
        outDir: 'dist',
        strict: true,
        esModuleInterop: true,
        skipLibCheck: true,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        useDefineForClassFields: false,
        sourceMap: true,
      },
      include: ['src'],
    },
    null,
    2,
  )}\n`;
}

/** `test/tsconfig.json`: type-checks the tests with the sources (jest's swc transform does not). */
export function testTsconfigJson(): string {
  return `${JSON.stringify(
    {
      extends: '../tsconfig.json',
      compilerOptions: { noEmit: true, rootDir: '..', types: ['node', 'jest'] },
      include: ['../src', '.'],
    },
    null,
    2,
  )}\n`;
}

/** `.gitignore`: build output, dependencies, and `.switchyard/` (the dev cluster's key file). */
export function gitignore(): string {
  return `node_modules/
dist/
coverage/
*.tsbuildinfo
# switchyard dev writes its manifest and a client env file holding the cluster's key here.
.switchyard/
`;
}

/** `README.md` of the starter app. */
export function readme(name: string, esm: boolean): string {
  return `# ${name}

Two [Switchyard](https://www.npmjs.com/package/@switchyard/core) endpoints: \`checkout\` calls
\`pricing\` through constructor injection. Each runs in its own process under \`npm run dev\`, and
would be its own RunPod serverless endpoint in production. This is a${esm ? 'n ES module' : ' CommonJS'} app.

| Command | What it does |
|---|---|
| \`npm run dev\` | Compiles, then runs every endpoint locally: an embedded directory and one worker process per endpoint on 127.0.0.1. Ctrl-C stops them all. |
| \`npm test\` | jest with the \`@switchyard/core\` preset: a test with a fake \`pricing\`, and tests on real local HTTP workers. |
| \`npm run typecheck\` | Type-checks the sources and the tests. |
| \`npm run manifest\` | Writes and validates \`switchyard.manifest.json\`, the deploy description. |

To RunPod: build the image from \`Dockerfile\` (one image serves every endpoint) and push it, then
\`npx switchyard deploy --image <ref> --dry-run\` shows what it would create or update, and
\`RUNPOD_API_KEY=… npx switchyard deploy --image <ref>\` does it. Callers find the endpoints with
\`SWITCHYARD_DIRECTORY=runpod\`.

With \`npm run dev\` running, call the app from another shell:

\`\`\`sh
set -a; . .switchyard/dev.env; set +a        # directory URL, manifest and the cluster's key
npx switchyard call checkout.total --args '[[{"sku": "apple", "qty": 3}]]'
node dist/client.js                          # the same call from code, through createRuntime()
\`\`\`

Layout: \`src/app.ts\` is the entry module (\`--entry dist/app.js\`), \`src/endpoints/\` holds the
endpoint classes, \`src/errors.ts\` an error registered to cross the wire, \`test/\` the tests.
`;
}

/**
 * `Dockerfile`: one image for every endpoint of the app, which `switchyard deploy --image <ref>`
 * starts once per endpoint. Node 20 slim; production dependencies installed from the lock file;
 * the compiled output and the manifest copied in. The entrypoint is `switchyard serve`; deploy
 * passes `--entry dist/app.js --endpoint <name> --mode runpod` (or `--mode load-balancer --host
 * 0.0.0.0`) as the container's arguments and sets SWITCHYARD_ENDPOINT; a plain `docker run`
 * without arguments prints serve's help.
 */
export function dockerfile(): string {
  return `# One image for every endpoint of this app. Build it after compiling and building the manifest:
#   npm run build && npx switchyard build --entry dist/app.js
#   docker build -t <registry>/<app>:<version> . && docker push <registry>/<app>:<version>
#   npx switchyard deploy --image <registry>/<app>:<version> --dry-run   # then without --dry-run
# switchyard deploy starts each RunPod endpoint with the arguments
#   --entry dist/app.js --endpoint <name> --mode runpod                       (queue endpoints)
#   --entry dist/app.js --endpoint <name> --mode load-balancer --host 0.0.0.0 (load balancers)
# and SWITCHYARD_ENDPOINT=<name>. Secrets (RUNPOD_API_KEY) come from RunPod's secrets, never from here.
FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json* ./
RUN if [ -f package-lock.json ]; then npm ci --omit=dev; else npm install --omit=dev; fi && npm cache clean --force
COPY dist ./dist
COPY switchyard.manifest.json ./
ENTRYPOINT ["npx", "--no-install", "switchyard", "serve"]
# Locally: docker run -p 8080:8080 -e RUNPOD_API_KEY=local-key <image> --entry dist/app.js --endpoint pricing --host 0.0.0.0 --port 8080
CMD ["--help"]
`;
}

/** `.dockerignore`: keeps the local dependencies, sources and dev cluster files out of the image. */
export function dockerignore(): string {
  return `node_modules
src
test
coverage
.switchyard
.git
*.tsbuildinfo
`;
}

function sorted(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
