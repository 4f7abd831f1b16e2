import { randomFillSync } from 'node:crypto';
import { Serializer } from '../src/serialization/serializer';
import type { Progress } from './progress';
import { fmt, makeRow, type ResultRow } from './report';
import { elapsedNs, spread } from './stats';

/** Sizes of the serialization benchmark. */
export interface SerializationOptions {
  rounds: number;
  /** Size of the binary payload, bytes. */
  binaryBytes: number;
  /** Elements of the object graph. */
  graphElements: number;
  /** Round trips of the object graph per round; the per-round figure is their mean. */
  repetitions: number;
  /**
   * Round trips of each binary variant per round. A 1 MB round trip takes milliseconds, so more
   * of them per figure keep one GC pause from swinging the per-round ratio.
   */
  binaryRepetitions: number;
}

export const SERIALIZATION_FULL: SerializationOptions = { rounds: 12, binaryBytes: 1024 * 1024, graphElements: 10_000, repetitions: 5, binaryRepetitions: 25 };
export const SERIALIZATION_QUICK: SerializationOptions = { rounds: 3, binaryBytes: 1024 * 1024, graphElements: 10_000, repetitions: 2, binaryRepetitions: 10 };

const BENCH = '4 serialization';
const MB = 1024 * 1024;

/** One element of the object graph: strings, numbers, a Date and nested arrays. */
interface GraphItem {
  id: number;
  name: string;
  price: number;
  createdAt: Date;
  tags: string[];
  matrix: number[][];
}

/** A graph of `count` objects, the same on every call. */
export function objectGraph(count: number): GraphItem[] {
  const base = Date.UTC(2025, 0, 1);
  return Array.from({ length: count }, (_, i) => ({
    id: i,
    name: `item-${i}`,
    price: i * 1.25,
    createdAt: new Date(base + i * 60_000),
    tags: ['alpha', `tag-${i % 17}`],
    matrix: [
      [i, i + 1],
      [i * 2, i * 3],
    ],
  }));
}

interface Codec {
  /** Encodes to the text that goes on the wire. */
  encode(value: unknown): string;
  decode(text: string): unknown;
}

/** Switchyard's real wire path: Serializer.encode → JSON.stringify, JSON.parse → Serializer.decode. */
function switchyardCodec(serializer: Serializer): Codec {
  return {
    encode: (value) => JSON.stringify(serializer.encode(value)),
    decode: (text) => serializer.decode(JSON.parse(text)),
  };
}

/** The same, as a call's arguments: `encodeArgs([value])`, which is what a routed call sends. */
function switchyardArgsCodec(serializer: Serializer): Codec {
  return {
    encode: (value) => JSON.stringify(serializer.encodeArgs([value], 'bench')),
    decode: (text) => (serializer.decode(JSON.parse(text)) as unknown[])[0],
  };
}

const base64Codec: Codec = {
  encode: (value) => {
    const v = value as Uint8Array;
    return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  },
  decode: (text) => new Uint8Array(Buffer.from(text, 'base64')),
};

/** The floor of any JSON wire: base64 inside a JSON document, stringified and parsed. */
const jsonBase64Codec: Codec = {
  encode: (value) => {
    const v = value as Uint8Array;
    return JSON.stringify({ data: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') });
  },
  decode: (text) => new Uint8Array(Buffer.from((JSON.parse(text) as { data: string }).data, 'base64')),
};

const jsonCodec: Codec = { encode: (value) => JSON.stringify(value), decode: (text) => JSON.parse(text) as unknown };

/** Mean time of `repetitions` encode+decode round trips, ns, and the wire size. */
function roundTrip(codec: Codec, value: unknown, repetitions: number): { ns: number; wireBytes: number } {
  let wireBytes = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < repetitions; i++) {
    const text = codec.encode(value);
    wireBytes = text.length; // ASCII for every payload here: characters = bytes.
    codec.decode(text);
  }
  return { ns: elapsedNs(started) / repetitions, wireBytes };
}

/** Checks that a codec gives back what it was given, so the benchmark measures working code. */
function assertRoundTrips(name: string, codec: Codec, value: unknown, equal: (a: unknown, b: unknown) => boolean): void {
  if (!equal(codec.decode(codec.encode(value)), value)) throw new Error(`${name} did not round-trip its payload`);
}

const sameBytes = (a: unknown, b: unknown) => a instanceof Uint8Array && b instanceof Uint8Array && Buffer.compare(a, b) === 0;
const sameGraph = (a: unknown, b: unknown) => {
  const x = (a as GraphItem[])[1]!;
  const y = (b as GraphItem[])[1]!;
  return (a as unknown[]).length === (b as unknown[]).length && x.createdAt instanceof Date && x.createdAt.getTime() === y.createdAt.getTime() && x.name === y.name;
};

/**
 * Benchmark 4: encode+decode throughput and wire size of a binary payload and an object graph,
 * through Switchyard's Serializer on the real wire path, beside plain Buffer base64 and base64
 * inside a JSON document (binary), and JSON.stringify/parse (graph). MB/s are raw megabytes
 * (2^20 bytes) per second of round trip; the graph's "raw" size is its plain JSON. Variants run
 * interleaved in every round, so the binary target is a ratio taken per round: the Serializer
 * against base64 inside JSON with no superjson, the floor of a JSON wire (RunPod's `input` is JSON).
 */
export async function benchSerialization(options: SerializationOptions, progress: Progress): Promise<ResultRow[]> {
  const serializer = new Serializer();
  const bytes = randomFillSync(new Uint8Array(options.binaryBytes));
  const graph = objectGraph(options.graphElements);
  const graphRawBytes = JSON.stringify(graph).length;
  const cases = {
    binSy: { codec: switchyardCodec(serializer), value: bytes as unknown, raw: bytes.byteLength },
    binArgs: { codec: switchyardArgsCodec(serializer), value: bytes as unknown, raw: bytes.byteLength },
    binB64: { codec: base64Codec, value: bytes as unknown, raw: bytes.byteLength },
    binJsonB64: { codec: jsonBase64Codec, value: bytes as unknown, raw: bytes.byteLength },
    graphSy: { codec: switchyardCodec(serializer), value: graph as unknown, raw: graphRawBytes },
    graphJson: { codec: jsonCodec, value: graph as unknown, raw: graphRawBytes },
  };
  assertRoundTrips('Serializer (binary)', cases.binSy.codec, bytes, sameBytes);
  assertRoundTrips('Serializer.encodeArgs (binary)', cases.binArgs.codec, bytes, sameBytes);
  assertRoundTrips('base64', base64Codec, bytes, sameBytes);
  assertRoundTrips('base64 in JSON', jsonBase64Codec, bytes, sameBytes);
  assertRoundTrips('Serializer (graph)', cases.graphSy.codec, graph, sameGraph);
  type Name = keyof typeof cases;
  const names = Object.keys(cases) as Name[];
  const mbps = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<Name, number[]>;
  const wire = Object.fromEntries(names.map((n) => [n, 0])) as Record<Name, number>;
  progress(`serialization: ${options.rounds} rounds × ${names.length} variants`);
  for (const name of names) roundTrip(cases[name].codec, cases[name].value, 1); // warm-up
  for (let round = 0; round < options.rounds; round++) {
    // The order rotates each round so no variant always follows the one that left the most garbage.
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length]!;
      const { codec, value, raw } = cases[name];
      const { ns, wireBytes } = roundTrip(codec, value, name.startsWith('bin') ? options.binaryRepetitions : options.repetitions);
      mbps[name].push(raw / MB / (ns / 1e9));
      wire[name] = wireBytes / raw;
    }
  }
  const size = (n: number) => (n >= MB ? `${fmt(n / MB, 1)} MB` : `${fmt(n / 1024, 1)} KB`);
  const binLabel = `${size(options.binaryBytes)} Uint8Array`;
  const graphLabel = `${fmt(options.graphElements, 0)}-element graph (${size(graphRawBytes)} JSON)`;
  const wireTarget = { op: '<=' as const, threshold: 1.37 };
  return [
    makeRow({ bench: BENCH, case: `${binLabel}: Serializer round trip`, unit: 'MB/s', value: spread(mbps.binSy), detail: `wire ${fmt(wire.binSy, 3)}× raw` }),
    makeRow({
      bench: BENCH,
      case: `${binLabel}: Serializer / base64 inside JSON`,
      unit: '×',
      value: spread(mbps.binSy.map((v, round) => v / mbps.binJsonB64[round]!)),
      digits: 2,
      detail: 'per-round ratio of round-trip throughput',
      target: { op: '>=', threshold: 0.9 },
    }),
    makeRow({ bench: BENCH, case: `${binLabel}: Serializer wire bytes / raw byte`, unit: '×', value: wire.binSy, digits: 3, target: wireTarget }),
    makeRow({ bench: BENCH, case: `${binLabel}: as call argument (encodeArgs)`, unit: 'MB/s', value: spread(mbps.binArgs), detail: `wire ${fmt(wire.binArgs, 3)}× raw` }),
    makeRow({ bench: BENCH, case: `${binLabel}: Buffer base64 baseline`, unit: 'MB/s', value: spread(mbps.binB64), detail: `wire ${fmt(wire.binB64, 3)}× raw` }),
    makeRow({
      bench: BENCH,
      case: `${binLabel}: base64 inside JSON baseline`,
      unit: 'MB/s',
      value: spread(mbps.binJsonB64),
      detail: `wire ${fmt(wire.binJsonB64, 3)}× raw; the floor of a JSON wire`,
    }),
    makeRow({ bench: BENCH, case: `${graphLabel}: Serializer round trip`, unit: 'MB/s', value: spread(mbps.graphSy), detail: `wire ${fmt(wire.graphSy, 2)}× JSON` }),
    makeRow({ bench: BENCH, case: `${graphLabel}: JSON.stringify/parse baseline`, unit: 'MB/s', value: spread(mbps.graphJson), detail: 'wire 1.00× JSON (Dates become strings)' }),
  ];
}
