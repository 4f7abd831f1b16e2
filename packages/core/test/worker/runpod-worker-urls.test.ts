import { appendQuery, RunpodUrls } from '../../src/worker/runpod-urls';

const base = 'https://api.runpod.ai/v2/abc123';

describe('RunpodUrls (protocol reference §2.2)', () => {
  const urls = new RunpodUrls(
    {
      getJob: `${base}/job-take/$ID?gpu=A40`,
      postOutput: `${base}/job-done/$RUNPOD_POD_ID/$ID?gpu=A40`,
      ping: `${base}/ping/$RUNPOD_POD_ID?gpu=A40`,
    },
    'pod-7',
  );

  it('builds the single and batch job-take URLs with batch_size before job_in_progress', () => {
    expect(urls.take(1, false)).toBe(`${base}/job-take/pod-7?gpu=A40&job_in_progress=0`);
    expect(urls.take(1, true)).toBe(`${base}/job-take/pod-7?gpu=A40&job_in_progress=1`);
    expect(urls.take(4, true)).toBe(`${base}/job-take-batch/pod-7?gpu=A40&batch_size=4&job_in_progress=1`);
  });

  it('derives the job-stop URL from the take template, query kept and nothing added', () => {
    expect(urls.stop()).toBe(`${base}/job-stop/pod-7?gpu=A40`);
  });

  it('substitutes the worker and job id in the job-done URL and appends isStream=false', () => {
    expect(urls.done('job-1')).toBe(`${base}/job-done/pod-7/job-1?gpu=A40&isStream=false`);
  });

  it('percent-encodes a job id that would otherwise change the URL', () => {
    expect(urls.done('a/b?c')).toBe(`${base}/job-done/pod-7/a%2Fb%3Fc?gpu=A40&isStream=false`);
  });

  it('puts comma-separated in-progress ids and the version on the ping URL', () => {
    expect(urls.ping(['job-3', 'job-4'], 'switchyard-0.1.0')).toBe(`${base}/ping/pod-7?gpu=A40&job_id=job-3%2Cjob-4&runpod_version=switchyard-0.1.0`);
    expect(urls.ping([], 'v')).toBe(`${base}/ping/pod-7?gpu=A40&job_id=&runpod_version=v`);
  });

  it('has no ping URL without a ping template, and no batch or stop URL without a /job-take/ segment', () => {
    const bare = new RunpodUrls({ getJob: `${base}/next/$ID`, postOutput: `${base}/done/$ID` }, 'w');
    expect(bare.ping(['x'], 'v')).toBeUndefined();
    expect(bare.stop()).toBeUndefined();
    expect(bare.take(3, false)).toBe(`${base}/next/w?job_in_progress=0`);
    expect(bare.done('j')).toBe(`${base}/done/j?isStream=false`);
  });

  it('also reads $RUNPOD_POD_ID in the take template as the worker id (RunPod sample templates use it)', () => {
    const sample = new RunpodUrls({ getJob: `${base}/job-take/$RUNPOD_POD_ID?gpu=X`, postOutput: `${base}/job-done/$RUNPOD_POD_ID/$ID` }, 'w9');
    expect(sample.take(1, false)).toBe(`${base}/job-take/w9?gpu=X&job_in_progress=0`);
  });
});

describe('appendQuery', () => {
  it('joins with ?, & or nothing as the URL needs', () => {
    expect(appendQuery('http://h/p', [['a', '1']])).toBe('http://h/p?a=1');
    expect(appendQuery('http://h/p?x=1', [['a', '1']])).toBe('http://h/p?x=1&a=1');
    expect(appendQuery('http://h/p?', [['a', '1']])).toBe('http://h/p?a=1');
    expect(appendQuery('http://h/p?x=1&', [['a', '1'], ['b', '2']])).toBe('http://h/p?x=1&a=1&b=2');
    expect(appendQuery('http://h/p', [])).toBe('http://h/p');
  });
});
