import { setTimeout as sleep } from 'node:timers/promises';
import { CallTree, parseRecord } from '../../src/cli/call-tree';

// Issue 14: the dev call tree names the worker that ran each job. Regression: it named the
// endpoint's current worker, which differs from the one that ran the job around a --watch reload.

describe('the dev call tree', () => {
  it('names the worker whose output carried the job line, not the endpoint current worker', async () => {
    const printed: string[] = [];
    const current = { pid: 300, port: 4300 };
    const tree = new CallTree((line) => printed.push(line), () => current);
    const ran = (callId: string, ms: number) => parseRecord(JSON.stringify({ level: 'info', message: 'ran pricing.quote', endpoint: 'pricing', method: 'quote', callId, outcome: 'ok', ms }))!;
    expect(tree.add(ran('c-old', 12), { pid: 100, port: 4100 })).toBe(true);
    expect(tree.add(ran('c-new', 7), { pid: 300, port: 4300 })).toBe(true);
    // A line from a worker the tree was not told about falls back to the endpoint's current one.
    expect(tree.add(ran('c-unknown', 3))).toBe(true);
    await sleep(400);
    expect(printed).toEqual(['call pricing.quote  pid 100 :4100  12 ms  ok', 'call pricing.quote  pid 300 :4300  7 ms  ok', 'call pricing.quote  pid 300 :4300  3 ms  ok']);
    tree.close();
  });

  it('leaves records that are not call or job lines to the log', () => {
    const tree = new CallTree(() => undefined, () => undefined);
    expect(tree.add(parseRecord('{"level":"info","message":"listening"}')!)).toBe(false);
    expect(parseRecord('plain text')).toBeUndefined();
  });
});
