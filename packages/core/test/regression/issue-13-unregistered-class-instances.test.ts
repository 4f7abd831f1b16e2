import { Endpoint, Remote } from '@switchyard/decorators';
import { IsString, MinLength } from 'class-validator';
import { InvalidRequestError, SerializationError } from '../../src/errors';
import { silentLogger } from '../../src/observability/logger';
import { Serializer } from '../../src/serialization/serializer';
import { startLocalCluster, type LocalCluster } from '../../src/testing';
import { rejectionOf, thrownBy } from '../support/helpers';

// Issue 13: instances of unregistered classes were flattened to plain objects without a word
// (instanceof false, getters undefined), while functions were refused.

class Money {
  constructor(
    readonly amount: number,
    readonly currency: string,
  ) {}
  get label(): string {
    return `${this.amount} ${this.currency}`;
  }
}

class Receipt {
  constructor(readonly total: number) {}
}

class CreateOrderDto {
  @IsString()
  @MinLength(3)
  sku!: string;
}

@Endpoint({ name: 'issue13-billing' })
class Billing {
  @Remote()
  async charge(price: unknown): Promise<string> {
    return typeof price;
  }

  @Remote()
  async receipt(): Promise<unknown> {
    return new Receipt(12);
  }

  @Remote()
  async order(dto: CreateOrderDto): Promise<string> {
    return `${dto instanceof CreateOrderDto} ${dto.sku}`;
  }
}

describe('regression (issue 13): unregistered class instances are refused, not flattened', () => {
  it('names the class, the argument position and registerClass', () => {
    const serializer = new Serializer();
    const error = thrownBy(() => serializer.encodeArgs(['fine', new Money(3, 'EUR')], 'Billing.charge'));
    expect(error).toBeInstanceOf(SerializationError);
    expect(error.message).toContain('argument 2 of Billing.charge');
    expect(error.message).toContain('class Money is not plain data');
    expect(error.message).toContain('registerClass(Money)');
  });

  it('finds an instance deep inside plain data, and says what to do with a Promise or an ArrayBuffer', () => {
    const serializer = new Serializer();
    expect(thrownBy(() => serializer.encode({ lines: [{ price: new Money(1, 'USD') }] })).message).toContain('registerClass(Money)');
    expect(thrownBy(() => serializer.encode(Promise.resolve(1))).message).toContain('await it');
    expect(thrownBy(() => serializer.encode(new ArrayBuffer(4))).message).toContain('Uint8Array');
  });

  it('still carries registered classes, built-ins and binary as themselves', () => {
    const serializer = new Serializer();
    serializer.registerClass(Money);
    const value = { m: new Money(2, 'GBP'), at: new Date(0), tags: new Set(['a']), map: new Map([[1, 2]]), re: /x/g, url: new URL('https://example.com/'), bytes: new Uint8Array([1]) };
    const back = serializer.decode<typeof value>(JSON.parse(JSON.stringify(serializer.encode(value))));
    expect(back.m).toBeInstanceOf(Money);
    expect(back.m.label).toBe('2 GBP');
    expect(back.at).toEqual(new Date(0));
    expect(back.tags).toEqual(new Set(['a']));
    expect(back.url).toEqual(new URL('https://example.com/'));
    expect(back.bytes).toEqual(new Uint8Array([1]));
  });

  describe('over a real call', () => {
    let cluster: LocalCluster;
    beforeAll(async () => {
      cluster = await startLocalCluster({ endpoints: [Billing], logger: silentLogger });
    });
    afterAll(() => cluster.stop());

    it('refuses an unregistered instance as an argument before anything is sent', async () => {
      const error = await rejectionOf(cluster.client().get(Billing).charge(new Money(5, 'EUR')));
      expect(error).toBeInstanceOf(SerializationError);
      expect(error.message).toContain('argument 1 of Billing.charge');
      expect(error.message).toContain('registerClass(Money)');
    });

    it('fails a result that is an unregistered instance with SerializationError naming the class', async () => {
      const error = await rejectionOf(cluster.client().get(Billing).receipt());
      expect(error).toBeInstanceOf(SerializationError);
      expect(error.message).toContain('registerClass(Receipt)');
    });

    it('sends an instance of the declared DTO parameter type as data: the worker rebuilds and validates it', async () => {
      const dto = Object.assign(new CreateOrderDto(), { sku: 'sku-1' });
      expect(await cluster.client().get(Billing).order(dto)).toBe('true sku-1');
      const invalid = Object.assign(new CreateOrderDto(), { sku: 'x' });
      expect(await rejectionOf(cluster.client().get(Billing).order(invalid))).toBeInstanceOf(InvalidRequestError);
    });
  });
});
