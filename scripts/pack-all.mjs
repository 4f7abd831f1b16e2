#!/usr/bin/env node
// Packs every publishable package (packages/*) with `pnpm pack` into one folder (default
// dist-pack/), then checks each tarball is what a user should install:
// - versions move together: every package has the same version, and internal dependencies
//   (workspace:* in the repo) are that exact version in the packed package.json;
// - no workspace: range is left anywhere in the packed manifest;
// - README.md and LICENSE ship; dist/.tsbuildinfo does not;
// - every target of main, types, bin and exports (every condition) is in the tarball;
// - every source map's sources are in the tarball (maps ship together with src/).
// `pnpm pack` runs each package's prepack (a clean `tsc -b`), so an unbuilt clone packs dist.
// Usage: node scripts/pack-all.mjs [--out <dir>]   (pnpm pack:all)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outArg = process.argv.indexOf('--out');
const OUT = resolve(outArg > 0 ? process.argv[outArg + 1] : join(ROOT, 'dist-pack'));

/** pnpm as the caller ran it (`npx -y pnpm@… pack:all` sets npm_execpath), else pnpm on PATH. */
function pnpm(args, cwd) {
  const execPath = process.env.npm_execpath;
  const [command, prefix] = execPath && /pnpm/.test(execPath) ? [process.execPath, [execPath]] : ['pnpm', []];
  try {
    return execFileSync(command, [...prefix, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  } catch (error) {
    if (error.code === 'ENOENT') fail('pnpm is not on PATH. Run this script through pnpm: npx -y pnpm@10.34.9 pack:all');
    fail(`pnpm ${args.join(' ')} failed in ${cwd} (exit ${error.status}); its output is above.`);
  }
}

function fail(message) {
  console.error(`pack:all: ${message}`);
  process.exit(1);
}

const packageDirs = readdirSync(join(ROOT, 'packages'))
  .map((name) => join(ROOT, 'packages', name))
  .filter((dir) => existsSync(join(dir, 'package.json')));
const manifests = packageDirs.map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }));
const publishable = manifests.filter(({ pkg }) => !pkg.private);
const versions = new Set(publishable.map(({ pkg }) => pkg.version));
if (versions.size !== 1) {
  fail(`the packages must share one version, found ${publishable.map(({ pkg }) => `${pkg.name}@${pkg.version}`).join(', ')}. Run node scripts/set-version.mjs <version>.`);
}
const [version] = versions;
const internal = new Set(publishable.map(({ pkg }) => pkg.name));

mkdirSync(OUT, { recursive: true });
// Dependencies first, so each prepack finds what it references already built.
const order = [...publishable].sort((a, b) => dependsOn(a.pkg, b.pkg.name) - dependsOn(b.pkg, a.pkg.name));
const tarballs = [];
for (const { dir, pkg } of order) {
  const file = join(OUT, `${pkg.name.replace(/^@/, '').replace('/', '-')}-${pkg.version}.tgz`);
  rmSync(file, { force: true });
  console.log(`== pnpm pack ${pkg.name}@${pkg.version}`);
  pnpm(['pack', '--pack-destination', OUT], dir);
  if (!existsSync(file)) fail(`pnpm pack did not write ${file}.`);
  tarballs.push({ file, pkg });
}

for (const { file, pkg } of tarballs) {
  const problems = checkTarball(file, pkg.name);
  if (problems.length > 0) fail(`${relative(ROOT, file)} is not publishable:\n  - ${problems.join('\n  - ')}`);
  console.log(`ok ${relative(process.cwd(), file)} (${(statSync(file).size / 1024).toFixed(0)} KiB)`);
}
console.log(`pack:all: ${tarballs.length} tarballs at version ${version} in ${OUT}`);

function dependsOn(pkg, name) {
  return pkg.dependencies?.[name] || pkg.peerDependencies?.[name] ? 1 : 0;
}

/** Unpacks `file` into a temporary folder and lists what is wrong with it. */
function checkTarball(file, name) {
  const scratch = mkdtempSync(join(tmpdir(), 'switchyard-pack-'));
  try {
    execFileSync('tar', ['-xzf', file, '-C', scratch]);
    const root = join(scratch, 'package');
    const files = listFiles(root);
    const has = (path) => files.has(path.replace(/^\.\//, ''));
    const problems = [];
    const packed = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    if (packed.name !== name) problems.push(`package.json names ${packed.name}, expected ${name}`);
    for (const required of ['README.md', 'LICENSE']) if (!has(required)) problems.push(`${required} is missing`);
    for (const path of files) if (path.endsWith('.tsbuildinfo')) problems.push(`${path} ships (build state, not for users)`);
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const [dep, range] of Object.entries(packed[field] ?? {})) {
        if (String(range).startsWith('workspace:')) problems.push(`${field}.${dep} is still ${range}`);
        if (field === 'dependencies' && internal.has(dep) && range !== version) problems.push(`${field}.${dep} is ${range}, expected exactly ${version}`);
      }
    }
    const targets = [packed.main, packed.types, ...Object.values(typeof packed.bin === 'string' ? { b: packed.bin } : (packed.bin ?? {})), ...leaves(packed.exports)];
    for (const target of targets.filter(Boolean)) if (!has(target)) problems.push(`${target} is referenced by package.json but not in the tarball`);
    for (const path of files) {
      if (!path.endsWith('.map')) continue;
      const map = JSON.parse(readFileSync(join(root, path), 'utf8'));
      for (const source of map.sources ?? []) {
        const target = relative(root, resolve(dirname(join(root, path)), map.sourceRoot ?? '', source));
        if (!has(target)) problems.push(`${path} points at ${target}, which does not ship`);
      }
    }
    return problems;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function listFiles(root, prefix = '') {
  const out = new Set();
  for (const entry of readdirSync(join(root, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) for (const f of listFiles(root, path)) out.add(f);
    else out.add(path);
  }
  return out;
}

/** Every string target in an exports map, whatever the nesting of conditions. */
function leaves(value) {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(leaves);
  return [];
}
