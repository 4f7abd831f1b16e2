import { tmpdir } from 'node:os';
import { main } from '../../src/cli';
import { starterFiles } from '../../src/cli/init-templates';
import { DEFAULT_IMAGE_ENTRY } from '../../src/deploy/endpoint-spec';
import { capturingIo } from './deploy-app';

// The image switchyard deploy starts: the Dockerfile `switchyard init` writes, and deploy's --help.

describe('the Dockerfile template of switchyard init', () => {
  const files = starterFiles({ name: 'shop', versions: { dependencies: {}, devDependencies: {} } });
  const dockerfile = files.find((f) => f.path === 'Dockerfile')!.content;

  it('is Node 20 slim with production dependencies, the compiled output and the manifest, and switchyard serve as entrypoint', () => {
    expect(dockerfile).toMatch(/^FROM node:20-slim$/m);
    expect(dockerfile).toContain('npm ci --omit=dev');
    expect(dockerfile).toMatch(/^COPY dist \.\/dist$/m);
    expect(dockerfile).toMatch(/^COPY switchyard\.manifest\.json \.\/$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["npx", "--no-install", "switchyard", "serve"\]$/m);
    // deploy's start arguments name the entry where the image has it.
    expect(DEFAULT_IMAGE_ENTRY).toBe('dist/app.js');
    expect(dockerfile).toContain(`--entry ${DEFAULT_IMAGE_ENTRY} --endpoint <name> --mode runpod`);
    expect(files.find((f) => f.path === '.dockerignore')!.content).toMatch(/^node_modules$/m);
    expect(files.find((f) => f.path === 'README.md')!.content).toContain('npx switchyard deploy --image <ref> --dry-run');
  });

  it('is what switchyard deploy --help points at, with every flag and the environment it reads', async () => {
    const io = capturingIo(tmpdir(), {});
    expect(await main(['node', 'switchyard', 'deploy', '--help'], io)).toBe(0);
    for (const flag of ['--image <ref>', '--dry-run', '--prefix <prefix>', '--suffix <suffix>', '--only <names>', '--entry <module>', '--manifest <file>']) expect(io.out).toContain(flag);
    expect(io.out).toContain('Dockerfile switchyard init writes');
    expect(io.out).toContain('Required options: --image <ref>');
    expect(io.out).toMatch(/\n {2}RUNPOD_API_KEY +RunPod API key/);
    expect(io.out).toContain('$ npx switchyard deploy --image ghcr.io/acme/shop:1.4.0 --prefix shop- --dry-run');
  });
});
