// Source files of the starter app that `switchyard init` writes. They are string constants (not
// files copied at build time) so that they ship inside dist with the rest of the CLI. The same
// text serves CommonJS and ES module apps; only relative import specifiers differ, because
// nodenext resolution in an ES module needs the `.js` extension.

/** Writes a relative import specifier for the app's module kind: `./x` (CommonJS) or `./x.js` (ESM). */
export type Specifier = (path: string) => string;

/** `src/catalog.ts`: a plain injectable class, resolved by constructor type like the endpoints. */
export function catalogSource(): string {
  return `import { injectable } from '@switchyard/core';

/** Unit prices in cents by SKU. A plain injectable class: it runs wherever it is injected. */
@injectable()
export class Catalog {
  private readonly prices = new Map<string, number>([
    ['apple', 40],
    ['pear', 55],
    ['plum', 25],
  ]);

  priceOf(sku: string): number | undefined {
    return this.prices.get(sku);
  }
}
`;
}

/** `src/errors.ts`: an error class registered so that it crosses the wire as itself. */
export function errorsSource(): string {
  return `import { registerError } from '@switchyard/core';

/**
 * Thrown by pricing for a SKU it does not sell. Registered with registerError, so every caller
 * (checkout, and checkout's callers) catches it as UnknownSkuError, with its sku field.
 */
export class UnknownSkuError extends Error {
  override name = 'UnknownSkuError';

  constructor(readonly sku: string) {
    super('unknown SKU "' + sku + '"; known SKUs are apple, pear and plum');
  }
}

// Registered where the class is defined, so every process that can see the class can rebuild it.
registerError(UnknownSkuError);
`;
}

/** `src/endpoints/pricing.ts`: the endpoint that checkout calls. */
export function pricingSource(spec: Specifier): string {
  return `import { Endpoint, Remote } from '@switchyard/core';
import { Catalog } from '${spec('../catalog')}';
import { UnknownSkuError } from '${spec('../errors')}';

/** One priced line. \`pid\` is the process that priced it, to show where the call ran. */
export interface Quote {
  sku: string;
  qty: number;
  unitCents: number;
  totalCents: number;
  pid: number;
}

@Endpoint({ name: 'pricing' })
export class Pricing {
  constructor(private readonly catalog: Catalog) {}

  /** Same input, same quote: safe to resubmit after a transport failure, so it is idempotent. */
  @Remote({ idempotent: true, retries: 2, timeoutMs: 5_000 })
  async quote(sku: string, qty: number): Promise<Quote> {
    const unitCents = this.catalog.priceOf(sku);
    if (unitCents === undefined) throw new UnknownSkuError(sku);
    return { sku, qty, unitCents, totalCents: unitCents * qty, pid: process.pid };
  }
}
`;
}

/** `src/endpoints/checkout.ts`: the endpoint that calls pricing through constructor injection. */
export function checkoutSource(spec: Specifier): string {
  return `import { Endpoint, Remote } from '@switchyard/core';
import { Pricing, type Quote } from '${spec('./pricing')}';

export interface LineItem {
  sku: string;
  qty: number;
}

export interface Receipt {
  lines: Quote[];
  totalCents: number;
  /** The process that ran checkout; each line's \`pid\` is the one that priced it. */
  pid: number;
}

@Endpoint({ name: 'checkout' })
export class Checkout {
  // Wherever checkout runs without pricing, this is a router proxy: each call goes to the
  // pricing endpoint and comes back typed, or throws the typed error pricing threw.
  constructor(private readonly pricing: Pricing) {}

  @Remote({ timeoutMs: 10_000 })
  async total(items: LineItem[]): Promise<Receipt> {
    const lines = await Promise.all(items.map((item) => this.pricing.quote(item.sku, item.qty)));
    return { lines, totalCents: lines.reduce((sum, line) => sum + line.totalCents, 0), pid: process.pid };
  }
}
`;
}

/** `src/app.ts`: the entry module that `switchyard build|dev|serve --entry dist/app.js` load. */
export function appSource(spec: Specifier): string {
  return `// Entry module: importing it declares every endpoint and registers what crosses the wire.
// switchyard build, dev and serve load the compiled file: --entry dist/app.js.
import 'reflect-metadata';

export { Checkout, type LineItem, type Receipt } from '${spec('./endpoints/checkout')}';
export { Pricing, type Quote } from '${spec('./endpoints/pricing')}';
export { UnknownSkuError } from '${spec('./errors')}';
`;
}

/** `src/client.ts`: a pure client that calls checkout through the directory. */
export function clientSource(spec: Specifier, esm: boolean): string {
  const header = `// A pure client: it hosts no endpoint, so runtime.get(Checkout) is a router proxy. With
// \`npm run dev\` running, call the cluster from another shell:
//   set -a; . .switchyard/dev.env; set +a; node dist/client.js
// createRuntime() reads SWITCHYARD_DIRECTORY_URL, SWITCHYARD_MANIFEST and RUNPOD_API_KEY.
import 'reflect-metadata';
import { createRuntime } from '@switchyard/core';
import { Checkout } from '${spec('./app')}';
`;
  const call = `const receipt = await runtime.get(Checkout).total([
  { sku: 'apple', qty: 3 },
  { sku: 'pear', qty: 1 },
]);
console.log(JSON.stringify({ client: process.pid, ...receipt }));
`;
  if (esm) {
    // An ES module may await at top level; \`await using\` closes the runtime at the end.
    return `${header}
await using runtime = createRuntime();
${call}`;
  }
  return `${header}
async function main(): Promise<void> {
  await using runtime = createRuntime();
${indent(call)}}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
`;
}

/** `test/checkout.test.ts`: one test with a fake endpoint, two on real local HTTP workers. */
export function testSource(spec: Specifier): string {
  return `import { createTestRuntime, startLocalCluster } from '@switchyard/core/testing';
import { Checkout, Pricing, UnknownSkuError, type Quote } from '${spec('../src/app')}';

describe('Checkout', () => {
  it('totals a cart against a fake pricing endpoint (no network)', async () => {
    const fakePricing: Partial<Pricing> = {
      quote: async (sku: string, qty: number): Promise<Quote> => ({ sku, qty, unitCents: 10, totalCents: 10 * qty, pid: 0 }),
    };
    // This runtime hosts checkout; pricing is replaced through dependency injection.
    await using runtime = createTestRuntime({ endpoint: 'checkout', overrides: [[Pricing, fakePricing]] });

    const receipt = await runtime.get(Checkout).total([
      { sku: 'apple', qty: 2 },
      { sku: 'pear', qty: 3 },
    ]);

    expect(receipt.totalCents).toBe(50);
    expect(receipt.lines.map((line) => line.pid)).toEqual([0, 0]);
  });

  it('prices each line on the pricing endpoint, over real HTTP workers on 127.0.0.1', async () => {
    await using cluster = await startLocalCluster({ endpoints: [Pricing, Checkout] });

    const receipt = await cluster.client().get(Checkout).total([
      { sku: 'apple', qty: 3 },
      { sku: 'plum', qty: 2 },
    ]);

    expect(receipt.lines.map((line) => line.totalCents)).toEqual([120, 50]);
    expect(receipt.totalCents).toBe(170);
  });

  it('rethrows UnknownSkuError from pricing, through checkout, as its own class', async () => {
    await using cluster = await startLocalCluster({ endpoints: [Pricing, Checkout] });

    const failure = await cluster.client().get(Checkout).total([{ sku: 'kiwi', qty: 1 }]).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(UnknownSkuError);
    expect((failure as UnknownSkuError).sku).toBe('kiwi');
  });
});
`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line ? `  ${line}` : line))
    .join('\n');
}
