import { DecoratorError, Remote } from '@switchyard/decorators';
import { compileFixture, type CompiledFixture } from '../support/compiled-fixture';

// Issue 13, item 1: with "emitDecoratorMetadata" off, tsc, `switchyard build` and `dev` all
// succeeded, the manifest listed no dependencies, the first call failed with tsyringe's raw
// `TypeInfo not known for "Checkout"`, and DTO validation was skipped silently. The decorators
// now refuse the class when it is declared, naming it and the tsconfig flags.

const PRICING = `
import { Endpoint, Remote } from '@switchyard/core';

@Endpoint({ name: 'pricing' })
export class Pricing {
  @Remote()
  async quote(sku: string): Promise<number> {
    return sku.length;
  }
}
`;

const CHECKOUT = `
import { Endpoint } from '@switchyard/core';
import { Pricing } from './pricing';

// No @Remote method, so only @Endpoint can notice the missing constructor metadata.
@Endpoint({ name: 'checkout' })
export class Checkout {
  constructor(private readonly pricing: Pricing) {}
  total(sku: string): Promise<number> {
    return this.pricing.quote(sku);
  }
}
`;

const STAMPED = `
import { Endpoint, inject } from '@switchyard/core';

class Clock {}

@Endpoint({ name: 'stamped' })
export class Stamped {
  constructor(@inject(Clock) readonly clock: Clock) {}
}
`;

const FIX = 'Set "emitDecoratorMetadata": true (and "experimentalDecorators": true) in the compilerOptions of tsconfig.json.';

describe('regression (issue 13): an app compiled without emitDecoratorMetadata is refused at declaration', () => {
  let app: CompiledFixture;
  beforeAll(() => {
    app = compileFixture({ 'pricing.ts': PRICING, 'checkout.ts': CHECKOUT, 'stamped.ts': STAMPED }, { experimentalDecorators: true, emitDecoratorMetadata: false });
  });
  afterAll(() => app[Symbol.asyncDispose]());

  it('compiles cleanly with tsc, so nothing but the decorators can tell', () => {
    expect(app.diagnostics).toEqual([]);
  });

  it('@Remote throws DecoratorError naming Class.method and the tsconfig flags', async () => {
    const error = await app.load('pricing');

    expect(error).toMatchObject({ name: 'DecoratorError', code: 'DECORATOR_MISUSE', isDecoratorError: true });
    expect(error?.message).toMatch(/^@Remote on Pricing\.quote: the compiler emitted no decorator metadata \(design:paramtypes\) for this method/);
    expect(error?.message).toContain('DTO validation would be skipped');
    expect(error?.message).toContain(FIX);
    expect(error?.message).toContain('With swc the equivalents are jsc.transform.decoratorMetadata and jsc.transform.legacyDecorator');
    expect(error?.message).toContain('tsx and esbuild do not emit decorator metadata at all');
  });

  it('@Endpoint throws DecoratorError naming the class when its constructor takes parameters', async () => {
    // Without metadata, tsc elides the import of Pricing (a type only now), so checkout.js
    // loads alone and only @Endpoint can notice.
    const error = await app.load('checkout');

    expect(error).toMatchObject({ name: 'DecoratorError', code: 'DECORATOR_MISUSE', isDecoratorError: true });
    expect(error?.message).toMatch(
      /^@Endpoint on class Checkout: its constructor takes 1 parameter, but the compiler emitted no decorator metadata \(design:paramtypes\) for it, so tsyringe cannot tell what to inject \(the first call would fail with "TypeInfo not known for "Checkout""\) and the manifest would list no dependencies\./,
    );
    expect(error?.message).toContain(FIX);
  });

  it('switchyard build exits 1 with the DecoratorError instead of writing a manifest without dependencies', async () => {
    const fromPricing = await app.switchyard(['build', '--entry', 'dist/pricing.js', '--out', 'no.manifest.json']);
    const fromCheckout = await app.switchyard(['build', '--entry', 'dist/checkout.js', '--out', 'no.manifest.json']);

    expect(fromPricing.code).toBe(1);
    expect(fromPricing.stdout).toBe('');
    expect(fromPricing.stderr).toContain('entry module failed to load (@Remote on Pricing.quote: the compiler emitted no decorator metadata (design:paramtypes) for this method');
    expect(fromCheckout.code).toBe(1);
    expect(fromCheckout.stderr).toContain('entry module failed to load (@Endpoint on class Checkout: its constructor takes 1 parameter, but the compiler emitted no decorator metadata');
    expect(fromCheckout.stderr).toContain('"emitDecoratorMetadata": true');
  });

  it('accepts a constructor whose every parameter has an @inject() token, which tsyringe needs no metadata for', async () => {
    expect(await app.load('stamped')).toBeUndefined();
  });
});

describe('issue 13: a missing reflect-metadata polyfill', () => {
  it('says to import reflect-metadata when Reflect.getMetadata is missing', () => {
    const getMetadata = Reflect.getMetadata;
    // Only a bundler that drops the package's own `import 'reflect-metadata'` gets here.
    (Reflect as { getMetadata?: unknown }).getMetadata = undefined;
    try {
      expect(() => {
        class Bare {
          @Remote()
          async run(): Promise<void> {}
        }
        void Bare;
      }).toThrow(new DecoratorError("@Remote on Bare.run: Reflect.getMetadata is not defined, so decorator metadata cannot be read. Add import 'reflect-metadata'; as the first line of your entry module, before any decorated class is loaded."));
    } finally {
      Reflect.getMetadata = getMetadata;
    }
  });
});
