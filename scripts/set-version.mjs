#!/usr/bin/env node
// Moves every package of the workspace (packages/*, examples) to one version, so that the
// published packages always move together. Internal dependencies stay workspace:*, which
// `pnpm pack` writes as that exact version. Usage: node scripts/set-version.mjs 0.2.0
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const version = process.argv[2];
if (!version || !/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.test(version)) {
  console.error(`set-version: pass a semver version, e.g. node scripts/set-version.mjs 0.2.0 (got ${JSON.stringify(version ?? '')}).`);
  process.exit(2);
}
const dirs = [...readdirSync(join(ROOT, 'packages')).map((name) => join(ROOT, 'packages', name)), join(ROOT, 'examples')];
for (const dir of dirs) {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) continue;
  const text = readFileSync(file, 'utf8');
  const pkg = JSON.parse(text);
  // Replace only the version field, so the file's hand-kept layout stays as it is.
  const updated = text.replace(/("version":\s*)"[^"]*"/, `$1"${version}"`);
  writeFileSync(file, updated);
  console.log(`${pkg.name}: ${pkg.version} -> ${version}`);
}
