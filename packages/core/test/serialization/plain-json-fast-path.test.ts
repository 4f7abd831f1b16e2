import SuperJSON from 'superjson';
import { Serializer } from '../../src/serialization/serializer';

// The serializer skips superjson's walk for values superjson would write unchanged. These cases
// pin that the skip never changes a byte of the wire: encode must equal superjson's own output.
const plain: Array<[string, unknown]> = [
  ['a string', 'hello'],
  ['a number', 42.5],
  ['zero', 0],
  ['a boolean', false],
  ['null', null],
  ['an empty object', {}],
  ['an empty array', []],
  ['nested plain data', { a: [1, 'two', { three: [true, null] }], b: { c: { d: 'deep' } } }],
  ['a null-prototype object', Object.assign(Object.create(null) as object, { a: 1 })],
];

const special: Array<[string, unknown]> = [
  ['undefined', undefined],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['minus zero', -0],
  ['a bigint', 10n],
  ['a Date inside an object', { at: new Date(0) }],
  ['undefined inside an array', [1, undefined, 3]],
  ['a Map', new Map([['k', 1]])],
  ['a Set deep down', { a: [{ b: new Set([1]) }] }],
  ['NaN deep down', { a: { b: [0, NaN] } }],
  ['an object nested deeper than the fast path looks', JSON.parse('['.repeat(70) + ']'.repeat(70)) as unknown],
];

describe('the plain-JSON fast path', () => {
  const serializer = new Serializer();
  const reference = new SuperJSON();

  it.each([...plain, ...special])('encodes %s exactly as superjson does', (_name, value) => {
    expect(JSON.stringify(serializer.encode(value))).toEqual(JSON.stringify(reference.serialize(value as never)));
  });

  it.each([...plain, ...special])('decodes %s back to an equal value', (_name, value) => {
    const wire = JSON.parse(JSON.stringify(serializer.encode(value))) as unknown;
    expect(serializer.decode(wire)).toEqual(value);
  });

  it('leaves values with meta to the full path: binary, and holes (written as null, as superjson does)', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    expect(serializer.encode(bytes).meta).toBeDefined();
    expect(serializer.decode(JSON.parse(JSON.stringify(serializer.encode(bytes))))).toEqual(bytes);
    const sparse = [1, , 3]; // eslint-disable-line no-sparse-arrays
    expect(JSON.stringify(serializer.encode(sparse))).toEqual(JSON.stringify(reference.serialize(sparse)));
  });

  it('still refuses prototype-pollution keys in plain JSON', () => {
    expect(() => serializer.decode(JSON.parse('{"json":{"__proto__":{"polluted":true}}}'))).toThrow(/__proto__/);
  });
});
