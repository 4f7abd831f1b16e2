import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { getEndpointMetadata } from '@switchyard/decorators';
import { contractHash } from '../src/manifest/contract';
import { defaultSerializer } from '../src/serialization/serializer';
import { deadlineSignal } from '../src/resilience/deadline';
import { BenchEcho } from './bench-endpoints';
const md = getEndpointMetadata(BenchEcho)!;
function t(name: string, n: number, f: () => unknown) {
  for (let i = 0; i < n / 10; i++) f();
  const s = process.hrtime.bigint();
  for (let i = 0; i < n; i++) f();
  console.log(name.padEnd(30), (Number(process.hrtime.bigint() - s) / n / 1000).toFixed(2), 'µs');
}
t('contractHash', 50000, () => contractHash(md));
t('encodeArgs', 50000, () => defaultSerializer.encodeArgs(['hello'], 'x'));
t('encode', 50000, () => defaultSerializer.encode(['hello'], 'x'));
t('decode', 50000, () => defaultSerializer.decode({ json: 'hello' }, 'x'));
t('randomUUID', 50000, () => randomUUID());
t('randomBytes16+8 hex', 50000, () => randomBytes(16).toString('hex') + randomBytes(8).toString('hex'));
t('deadlineSignal+dispose', 50000, () => deadlineSignal(Date.now() + 600000).dispose());
t('AbortController', 50000, () => new AbortController());
t('AbortSignal.any', 50000, () => AbortSignal.any([new AbortController().signal, new AbortController().signal]));
t('JSON.stringify inv', 50000, () => JSON.stringify({ input: { sy: 1, endpoint: 'bench-echo', method: 'echo', args: { json: ['hello'] }, callId: randomUUID(), deadline: Date.now(), contract: 'abc' } }));
t('new Request', 20000, () => new Request('http://127.0.0.1:1/v2/x/runsync?wait=1000', { method: 'POST', body: 'x'.repeat(200), headers: { a: 'b' } }));
t('new Request+clone', 20000, () => new Request('http://127.0.0.1:1/v2/x/runsync?wait=1000', { method: 'POST', body: 'x'.repeat(200), headers: { a: 'b' }, duplex: 'half' } as RequestInit).clone());
