import 'reflect-metadata';
import { Endpoint, Remote } from '@switchyard/decorators';
import {
  createRuntime,
  errorToFailure,
  MemoryLogger,
  rebuildError,
  PayloadTooLargeError,
  SerializationError,
  Serializer,
  serve,
  StaticDirectory,
  type Runtime,
} from '@switchyard/core';
import { startScriptedServer } from '../support/helpers';

class Money {
  constructor(
    public amount: bigint,
    public currency: string,
  ) {}
  format(): string {
    return `${this.amount} ${this.currency}`;
  }
}

class LedgerError extends Error {
  override name = 'LedgerError';
  constructor(message: string, readonly account: string) {
    super(message);
  }
}

/** Every value kind the wire format promises, in one object. */
function everything(): Record<string, unknown> {
  const bytes = new Uint8Array(1024 * 1024);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
  return {
    date: new Date('2026-11-26T12:00:00.000Z'),
    map: new Map<string, number>([['a', 1], ['b', 2]]),
    set: new Set(['x', 'y']),
    big: 12345678901234567890n,
    regexp: /ab+c/gi,
    url: new URL('https://example.com/a?b=c'),
    undef: undefined,
    nested: { list: [1, 'two', null, { deep: true }] },
    binary: bytes,
    buffer: Buffer.from('hello switchyard'),
    floats: new Float64Array([1.5, -2.25, Math.PI]),
    ints: new Int32Array([-1, 0, 2 ** 31 - 1]),
    money: new Money(42n, 'EUR'),
    error: Object.assign(new RangeError('out of range'), { code: 'E_RANGE' }),
  };
}

function expectSameValues(actual: Record<string, unknown>, expected: Record<string, unknown>): void {
  expect(actual.date).toEqual(expected.date);
  expect(actual.map).toEqual(expected.map);
  expect(actual.set).toEqual(expected.set);
  expect(actual.big).toBe(expected.big);
  expect(actual.regexp).toEqual(expected.regexp);
  expect(String(actual.url)).toBe(String(expected.url));
  expect('undef' in actual).toBe(true);
  expect(actual.undef).toBeUndefined();
  expect(actual.nested).toEqual(expected.nested);
  expect(actual.binary).toBeInstanceOf(Uint8Array);
  expect(Buffer.compare(actual.binary as Uint8Array, expected.binary as Uint8Array)).toBe(0);
  expect(Buffer.from(actual.buffer as Uint8Array).toString()).toBe('hello switchyard');
  expect(actual.floats).toEqual(expected.floats);
  expect(actual.ints).toEqual(expected.ints);
  expect(actual.money).toBeInstanceOf(Money);
  expect((actual.money as Money).format()).toBe('42 EUR');
  expect(actual.error).toBeInstanceOf(Error);
  expect((actual.error as Error).name).toBe('RangeError');
  expect((actual.error as Error).message).toBe('out of range');
  expect((actual.error as Error & { code: string }).code).toBe('E_RANGE');
  expect((actual.error as Error).stack).toContain('out of range');
}

describe('Serializer', () => {
  const serializer = new Serializer();
  serializer.registerClass(Money);
  serializer.registerError(LedgerError);

  it('round-trips every supported type through JSON text', () => {
    const value = everything();
    const wire = JSON.stringify(serializer.encode(value));
    expectSameValues(serializer.decode(JSON.parse(wire)), value);
  });

  it('sends 1 MB of binary as base64, not as an array of numbers', () => {
    const bytes = new Uint8Array(1024 * 1024).fill(7);
    const wire = JSON.stringify(serializer.encode(bytes));
    expect(wire.length).toBeLessThan(bytes.length * 1.37);
    expect(wire).not.toMatch(/\[7,7,7/);
  });

  it('rebuilds a registered error class so instanceof works, with its fields', () => {
    const decoded = rebuildError(errorToFailure(new LedgerError('overdrawn', 'acc-1')), serializer.lookupError);
    expect(decoded).toBeInstanceOf(LedgerError);
    expect((decoded as LedgerError).account).toBe('acc-1');
    expect(decoded.message).toBe('overdrawn');
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses a payload with a %s key and names where it is', (key) => {
    const payload = JSON.parse(`{"json":[{"ok":1,"inner":{"${key}":{"polluted":true}}}]}`);
    let caught: unknown;
    try {
      serializer.decode(payload, 'argument 1 of Ledger.post');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SerializationError);
    expect((caught as SerializationError).message).toContain(`"${key}"`);
    expect((caught as SerializationError).message).toContain('argument 1 of Ledger.post');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('names the argument position of a value it cannot encode', () => {
    expect(() => serializer.encodeArgs(['fine', 1n, { callback: () => 1 }], 'Ledger.post')).toThrow(/argument 3 of Ledger\.post/);
    expect(() => serializer.encodeArgs([Symbol('s')], 'Ledger.post')).toThrow(SerializationError);
    expect(() => serializer.decode({ notJson: true }, 'result of Ledger.post')).toThrow(/result of Ledger\.post/);
  });
});

@Endpoint({ name: 'ser-echo' })
class Echo {
  @Remote()
  async echo(value: Record<string, unknown>): Promise<Record<string, unknown>> {
    return value;
  }

  @Remote()
  async size(bytes: Uint8Array): Promise<number> {
    return bytes.byteLength;
  }
}

describe('serialization across a real worker', () => {
  const KEY = 'serialization-test-key';
  let worker: { url: string; close(): Promise<void> };
  let workerRuntime: Runtime;
  let client: Runtime;
  const serializer = new Serializer();
  serializer.registerClass(Money);

  beforeAll(async () => {
    workerRuntime = createRuntime({ endpoint: 'ser-echo', apiKey: KEY, env: {}, serializer, logger: new MemoryLogger() });
    worker = await serve({ endpoints: [Echo], runtime: workerRuntime, apiKey: KEY });
    client = createRuntime({ apiKey: KEY, env: {}, serializer, logger: new MemoryLogger(), directory: new StaticDirectory({ 'ser-echo': `${worker.url}/v2/ser-echo` }) });
  });
  afterAll(async () => {
    await client.close();
    await worker.close();
    await workerRuntime.close();
  });

  it('round-trips every supported type, 1 MB of binary and a registered class over HTTP', async () => {
    const value = everything();
    expectSameValues(await client.get(Echo).echo(value), value);
  });

  it('refuses a prototype-pollution payload sent straight to the worker, and keeps serving', async () => {
    const input = {
      sy: 1,
      endpoint: 'ser-echo',
      method: 'echo',
      args: JSON.parse('{"json":[{"__proto__":{"polluted":true}}]}'),
      callId: 'pollute-1',
      deadline: Date.now() + 10_000,
    };
    const response = await fetch(`${worker.url}/v2/ser-echo/runsync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input }),
    });
    const body = (await response.json()) as { status: string; error: string };
    expect(body.status).toBe('FAILED');
    expect(JSON.parse(body.error)).toMatchObject({ name: 'SerializationError' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await expect(client.get(Echo).size(new Uint8Array(3))).resolves.toBe(3);
  });

  it('refuses an oversized payload before any request is made', async () => {
    let requests = 0;
    const counter = await startScriptedServer((_req, res) => {
      requests++;
      res.writeHead(500).end();
    });
    const guarded = createRuntime({
      apiKey: KEY,
      env: {},
      serializer,
      logger: new MemoryLogger(),
      directory: new StaticDirectory({ 'ser-echo': `${counter.url}v2/ser-echo` }),
    });
    try {
      const error = await guarded.get(Echo).size(new Uint8Array(16 * 1024 * 1024)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PayloadTooLargeError);
      expect((error as PayloadTooLargeError).limit).toBe(20 * 1024 * 1024);
      expect(requests).toBe(0);
    } finally {
      await guarded.close();
      await counter.close();
    }
  });
});
