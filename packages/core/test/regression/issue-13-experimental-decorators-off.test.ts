import { DecoratorError, Endpoint, Remote } from '@switchyard/decorators';
import { compileFixture, type CompiledFixture } from '../support/compiled-fixture';

// Issue 13: with "experimentalDecorators" off, TypeScript emits standard (TC39) decorators,
// which call @Remote with (method, context). The error read `@Remote on quote.[object Object]:
// static methods cannot be remote`. Both decorators now recognise the context object and say
// which flags to set.

const QUOTE = `
import { Endpoint, Remote } from '@switchyard/core';

@Endpoint({ name: 'quote' })
export class Quote {
  @Remote()
  async price(sku: string): Promise<number> {
    return sku.length;
  }
}
`;

const CLOCK = `
import { Endpoint } from '@switchyard/core';

@Endpoint({ name: 'clock' })
export class Clock {
  now(): number {
    return Date.now();
  }
}
`;

const FIX = 'compile with "experimentalDecorators": true and "emitDecoratorMetadata": true in tsconfig.json';

describe('regression (issue 13): an app compiled with experimentalDecorators off is refused at declaration', () => {
  let app: CompiledFixture;
  beforeAll(() => {
    app = compileFixture({ 'quote.ts': QUOTE, 'clock.ts': CLOCK }, { experimentalDecorators: false, emitDecoratorMetadata: false });
  });
  afterAll(() => app[Symbol.asyncDispose]());

  it('tsc reports TS1241 for @Remote, yet emits the code (a build without type checks says nothing)', () => {
    expect(app.diagnostics).toEqual([expect.stringMatching(/^src\/quote\.ts: TS1241 Unable to resolve signature of method decorator/)]);
  });

  it('@Remote throws DecoratorError naming the method and the flags', async () => {
    const error = await app.load('quote');

    expect(error).toMatchObject({ name: 'DecoratorError', code: 'DECORATOR_MISUSE', isDecoratorError: true });
    expect(error?.message).toMatch(/^@Remote on method price: the decorator was called as a standard \(TC39\) decorator, which is what TypeScript emits when "experimentalDecorators" is off\./);
    expect(error?.message).toContain(FIX);
    expect(error?.message).not.toContain('[object Object]');
  });

  it('@Endpoint throws DecoratorError naming the class and the flags', async () => {
    const error = await app.load('clock');

    expect(error).toMatchObject({ name: 'DecoratorError', code: 'DECORATOR_MISUSE', isDecoratorError: true });
    expect(error?.message).toMatch(/^@Endpoint on class Clock: the decorator was called as a standard \(TC39\) decorator/);
    expect(error?.message).toContain(FIX);
  });

  it('switchyard build exits 1 with that message', async () => {
    const run = await app.switchyard(['build', '--entry', 'dist/quote.js', '--out', 'no.manifest.json']);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`entry module failed to load (@Remote on method price: the decorator was called as a standard (TC39) decorator`);
    expect(run.stderr).toContain(FIX);
  });
});

describe('issue 13: standard decorator contexts of other kinds', () => {
  it.each([
    ['a field', { kind: 'field', name: 'total' }, '@Remote on field total:'],
    ['an accessor', { kind: 'getter', name: 'size' }, '@Remote on getter size:'],
    ['a private method', { kind: 'method', name: '#secret' }, '@Remote on method #secret:'],
  ])('@Remote names %s from its context', (_case, context, start) => {
    const decorate = Remote() as unknown as (value: unknown, context: unknown) => void;
    expect(() => decorate(() => undefined, context)).toThrow(DecoratorError);
    expect(() => decorate(() => undefined, context)).toThrow(start);
  });

  it('@Endpoint names an anonymous class as such', () => {
    const decorate = Endpoint() as unknown as (value: unknown, context: unknown) => void;
    expect(() => decorate(class {}, { kind: 'class', name: undefined })).toThrow('@Endpoint on class (anonymous): the decorator was called as a standard (TC39) decorator');
  });
});
