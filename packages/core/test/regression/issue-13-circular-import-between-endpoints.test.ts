import { delay, inject } from 'tsyringe';
import { Endpoint, Remote, forgetEndpoint } from '@switchyard/decorators';
import { StaticDirectory } from '../../src/directory/static-directory';
import { RouteNotFoundError } from '../../src/errors';
import { silentLogger } from '../../src/observability/logger';
import { createRuntime } from '../../src/router/runtime';
import { compileFixture } from '../support/compiled-fixture';

// Issue 13, item 2: two endpoint classes in two files that import each other. `switchyard build`
// succeeded and the documented call-cycle ManifestError (`ping -> pong -> ping`) never fired,
// since the class loaded second saw `undefined` for the other in design:paramtypes; the first
// call then failed with tsyringe's `Cannot inject the dependency "ping" at position #0 of "Pong"
// constructor … Try using delay function`. @Endpoint now refuses the undefined parameter type,
// and once the fix (@inject(delay(() => Ping))) is applied, the build reports the call cycle.

const PING = `
import { Endpoint, Remote } from '@switchyard/core';
import { Pong } from './pong';

@Endpoint({ name: 'ping' })
export class Ping {
  constructor(private readonly pong: Pong) {}
  @Remote()
  async hit(n: number): Promise<number> {
    return n === 0 ? 0 : this.pong.hit(n - 1);
  }
}
`;

/** pong.ts, with the constructor parameter written as given. */
function pong(parameter: string): string {
  return `
import { Endpoint, Remote, delay, inject } from '@switchyard/core';
import { Ping } from './ping';

@Endpoint({ name: 'pong' })
export class Pong {
  constructor(${parameter}) {}
  @Remote()
  async hit(n: number): Promise<number> {
    return n === 0 ? 0 : this.ping.hit(n - 1);
  }
}
`;
}

const APP = `export * from './ping';\nexport * from './pong';\n`;
const FLAGS = { experimentalDecorators: true, emitDecoratorMetadata: true };

describe('regression (issue 13): endpoints in two files that import each other', () => {
  it('@Endpoint refuses the class loaded second, naming it, the parameter position and the delay() fix', async () => {
    await using app = compileFixture({ 'ping.ts': PING, 'pong.ts': pong('private readonly ping: Ping'), 'app.ts': APP }, FLAGS);
    expect(app.diagnostics).toEqual([]);

    const error = await app.load('app');

    expect(error).toMatchObject({ name: 'DecoratorError', code: 'DECORATOR_MISUSE', isDecoratorError: true });
    expect(error?.message).toBe(
      '@Endpoint on class Pong: constructor parameter #0 (ping; counted from 0, as tsyringe counts) has the type undefined in design:paramtypes: its class was not defined yet when Pong was declared. ' +
        "That is a circular import (this file imports the parameter's file, which imports this one, directly or through others), or an import of a name the other file does not export. " +
        'For a circular import, inject it lazily: @inject(delay(() => Other)) ping: Other, with inject and delay from tsyringe or @switchyard/core; otherwise check the import.',
    );

    const build = await app.switchyard(['build', '--entry', 'dist/app.js', '--out', 'no.manifest.json']);
    expect(build.code).toBe(1);
    expect(build.stderr).toContain('entry module failed to load (@Endpoint on class Pong: constructor parameter #0 (ping; counted from 0');
  });

  it('with @inject(delay(() => Ping)) applied, the build reports the call cycle ping -> pong -> ping', async () => {
    await using app = compileFixture(
      { 'ping.ts': PING, 'pong.ts': pong('@inject(delay(() => Ping)) private readonly ping: Ping'), 'app.ts': APP },
      FLAGS,
    );
    expect(app.diagnostics).toEqual([]);

    expect(await app.load('app')).toBeUndefined();
    const error = await app.buildManifest('app');
    expect(error).toMatchObject({ name: 'ManifestError', code: 'MANIFEST_INVALID' });
    expect(error?.message).toBe(
      '<build>: endpoints["ping"].dependsOn forms a call cycle ping -> pong -> ping (constructors Ping -> Pong -> Ping): a synchronous call cycle across serverless endpoints can deadlock; remove one of these constructor dependencies.',
    );

    const build = await app.switchyard(['build', '--entry', 'dist/app.js', '--out', 'no.manifest.json']);
    expect(build.code).toBe(1);
    expect(build.stderr).toContain('endpoints["ping"].dependsOn forms a call cycle ping -> pong -> ping (constructors Ping -> Pong -> Ping)');
  });
});

describe('issue 13: createRuntime sees through delay()', () => {
  afterEach(() => forgetEndpoint());

  it('gives a router proxy for an endpoint that only an @inject(delay(() => Cls)) parameter names', async () => {
    @Endpoint({ name: 'early' })
    class Early {
      constructor(@inject(delay(() => Late)) readonly late: { where(): Promise<string> }) {}
      @Remote()
      async ask(): Promise<string> {
        return this.late.where();
      }
    }
    @Endpoint({ name: 'late' })
    class Late {
      @Remote()
      async where(): Promise<string> {
        return 'ran here, in the process of early';
      }
    }
    // Out of listEndpoints(), so only the walk through Early's dependencies can prepare it.
    forgetEndpoint(Late);
    const runtime = createRuntime({ endpoint: 'early', env: {}, logger: silentLogger, directory: new StaticDirectory({}) });

    // Late lives elsewhere: its router proxy is injected, and with no address the call fails
    // (it used to be built here with plain DI, and the call ran in the wrong process).
    await expect(runtime.get(Early).ask()).rejects.toBeInstanceOf(RouteNotFoundError);
    await runtime.close();
  });
});
