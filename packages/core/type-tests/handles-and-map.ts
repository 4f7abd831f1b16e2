// Type tests of runtime.spawn, runtime.handle and runtime.map: results keep the method's type.
import { Endpoint, Remote } from '@switchyard/decorators';
import { foreignEndpoint, type CallHandle, type Runtime } from '@switchyard/core';

@Endpoint({ name: 'typed-batch' })
export class TypedBatch {
  @Remote()
  async render(pages: number, title: string): Promise<{ pages: number; title: string }> {
    return { pages, title };
  }

  @Remote()
  async *pagesOf(title: string): AsyncGenerator<{ page: number; title: string }> {
    yield { page: 1, title };
  }
}

export async function spawnTypes(runtime: Runtime): Promise<void> {
  const handle: CallHandle<{ pages: number; title: string }> = await runtime.spawn(TypedBatch, 'render', [3, 'Q3']);
  const result: { pages: number; title: string } = await handle.result({ timeoutMs: 1_000 });
  void result;
  // @ts-expect-error -- the arguments are checked against the method's parameters
  await runtime.spawn(TypedBatch, 'render', ['3', 'Q3']);
  // @ts-expect-error -- only methods of the class can be spawned
  await runtime.spawn(TypedBatch, 'paint', []);
  const byId = await runtime.handle<number>(handle.id);
  const n: number = await byId.result();
  void n;
  // runtime.call: a promise for a plain method, the AsyncIterable of the chunks for a streaming one.
  const once: Promise<{ pages: number; title: string }> = runtime.call(TypedBatch, 'render', [1, 'a']);
  void once;
  for await (const chunk of runtime.call(TypedBatch, 'pagesOf', ['Q3'])) {
    const title: string = chunk.title;
    void title;
  }
  // @ts-expect-error -- a streaming call is not a promise
  await runtime.call(TypedBatch, 'pagesOf', ['Q3']).then(() => undefined);
  const streamed = await runtime.spawn(TypedBatch, 'pagesOf', ['Q3']);
  for await (const chunk of streamed.stream({ timeoutMs: 1_000 })) {
    const page: number = chunk.page;
    void page;
    // @ts-expect-error -- a chunk has the type the generator yields
    const wrong: string = chunk.page;
    void wrong;
  }
}

export async function mapTypes(runtime: Runtime): Promise<void> {
  for await (const page of runtime.map(TypedBatch, 'render', [[1, 'a'], [2, 'b']], { concurrency: 2 })) {
    const pages: number = page.pages;
    void pages;
  }
  const settled = await runtime.map(TypedBatch, 'render', [[1, 'a']], { returnErrors: true }).toArray();
  const first = settled[0];
  if (first?.status === 'fulfilled') {
    const title: string = first.value.title;
    void title;
  }
  // @ts-expect-error -- each item is the method's argument tuple
  runtime.map(TypedBatch, 'render', [['1', 'a']]);
}

interface Prompt {
  prompt: string;
}
export async function foreignTypes(runtime: Runtime): Promise<void> {
  const llm = foreignEndpoint<Prompt, { text: string }>({ name: 'llama' });
  const out: { text: string } = await runtime.foreign(llm).run({ prompt: 'hi' });
  void out;
  // @ts-expect-error -- the input type is checked
  await runtime.foreign(llm).run({ text: 'hi' });
  const later: CallHandle<{ text: string }> = await runtime.foreign(llm).spawn({ prompt: 'later' });
  void later;
  for await (const chunk of runtime.foreign(llm).stream<{ token: string }>({ prompt: 'stream' })) {
    const token: string = chunk.token;
    void token;
  }
  // @ts-expect-error -- a stream's input is checked too
  runtime.foreign(llm).stream({ text: 'hi' });
  const openai = foreignEndpoint<Prompt, { choices: Array<{ text: string }> }>({ name: 'vllm', type: 'load-balancer', path: '/v1/completions' });
  const completion: string | undefined = (await runtime.foreign(openai).run({ prompt: 'hi' })).choices[0]?.text;
  void completion;
  // @ts-expect-error -- only the two endpoint types exist
  foreignEndpoint({ name: 'x', type: 'pod' });
}
