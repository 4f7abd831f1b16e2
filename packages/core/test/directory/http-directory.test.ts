import { loadDefaults } from '../../src/config';
import { MemoryLogger } from '../../src/observability/logger';
import { DirectoryUnavailableError, InvalidAddressError, UnauthorizedError } from '../../src/errors';
import { HttpDirectory, startDirectoryServer, type DirectoryServer, type HttpDirectoryOptions } from '../../src/directory';
import { manualClock, rejectionOf, send, startScriptedServer, urls, type ScriptedServer } from '../support/helpers';

const REPORTS = 'http://127.0.0.1:8001/v2/reports';
const IMAGES = ['http://127.0.0.1:8002/v2/images', 'http://127.0.0.1:8003/v2/images'];
/** Small retry delays so failure paths stay fast. */
const QUICK: HttpDirectoryOptions = { retryDelayMs: 1, retryBackoffLimitMs: 5, errorBackoffMs: 1_000 };

async function invalidAddress(promise: Promise<unknown>): Promise<InvalidAddressError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidAddressError);
    return error as InvalidAddressError;
  }
  throw new Error('expected an InvalidAddressError');
}

async function rejection(promise: Promise<unknown>): Promise<DirectoryUnavailableError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DirectoryUnavailableError);
    return error as DirectoryUnavailableError;
  }
  throw new Error('expected a DirectoryUnavailableError');
}

describe('HttpDirectory', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  function track<T extends DirectoryServer | ScriptedServer>(server: T): T {
    cleanups.push(() => server.close());
    return server;
  }
  function directoryFor(url: string, options: HttpDirectoryOptions = {}): HttpDirectory {
    const directory = new HttpDirectory(url, { ...QUICK, logger: new MemoryLogger(), ...options });
    cleanups.push(() => directory.close());
    return directory;
  }

  describe('answers', () => {
    it('resolves string and array entries and returns [] for an endpoint the directory does not list', async () => {
      const server = track(await startDirectoryServer({ endpoints: { reports: REPORTS, images: IMAGES } }));
      const directory = directoryFor(server.url);
      expect(urls(await directory.resolve('reports'))).toEqual([REPORTS]);
      expect(urls(await directory.resolve('images'))).toEqual(IMAGES);
      expect(urls(await directory.resolve('unknown'))).toEqual([]);
      expect(server.requestCount).toBe(1);
    });

    it('returns a copy of the cached list', async () => {
      const server = track(await startDirectoryServer({ endpoints: { images: IMAGES } }));
      const directory = directoryFor(server.url);
      (await directory.resolve('images')).length = 0;
      expect(urls(await directory.resolve('images'))).toEqual(IMAGES);
    });

    it('sends the API key as a Bearer header and reads a protected directory', async () => {
      const server = track(await startDirectoryServer({ apiKey: 'dir-key-42', endpoints: { reports: REPORTS } }));
      expect(urls(await directoryFor(server.url, { apiKey: 'dir-key-42' }).resolve('reports'))).toEqual([REPORTS]);
    });

    it('reports a refused key as UnauthorizedError naming the directory and the key variable, without retrying or quoting the key', async () => {
      const server = track(await startDirectoryServer({ apiKey: 'dir-key-42', endpoints: { reports: REPORTS } }));
      const error = await rejectionOf(directoryFor(server.url, { apiKey: 'wrong-key-99' }).resolve('reports'));
      expect(error).toBeInstanceOf(UnauthorizedError);
      expect(error.message).toContain(`the directory at "${server.url}/"`);
      expect(error.message).toContain('HTTP 401');
      expect(error.message).toContain('RUNPOD_API_KEY');
      expect(error.message).not.toContain('wrong-key-99');
      expect(server.requestCount).toBe(1);
    });

    it('reads an entry as the type the caller asks for: an origin for a load-balancer endpoint', async () => {
      const server = track(await startDirectoryServer({ endpoints: { search: 'http://127.0.0.1:5000' } }));
      const directory = directoryFor(server.url);
      expect(urls(await directory.resolve('search', 'load-balancer'))).toEqual(['http://127.0.0.1:5000']);
      await expect(directory.resolve('search', 'queue')).rejects.toThrow(/no endpoint id/);
    });
  });

  describe('single-flight cache', () => {
    it('makes exactly one request for 1000 concurrent resolve() calls on a cold cache', async () => {
      const server = track(await startDirectoryServer({ endpoints: { reports: REPORTS } }));
      const directory = directoryFor(server.url);
      const results = await Promise.all(Array.from({ length: 1000 }, async () => urls(await directory.resolve('reports'))));
      expect(results.every((r) => r.length === 1 && r[0] === REPORTS)).toBe(true);
      expect(server.requestCount).toBe(1);
      expect(directory.requestCount).toBe(1);
    });

    it('serves a fresh cache without requests and makes exactly one new request after the TTL', async () => {
      const server = track(await startDirectoryServer({ endpoints: { reports: REPORTS } }));
      const clock = manualClock();
      const directory = directoryFor(server.url, { ttlMs: 60_000, now: clock.now });
      await directory.resolve('reports');
      clock.advance(59_999);
      await directory.resolve('reports');
      expect(server.requestCount).toBe(1);

      server.set('reports', 'http://127.0.0.1:9001/v2/reports');
      clock.advance(1);
      const results = await Promise.all(Array.from({ length: 100 }, async () => urls(await directory.resolve('reports'))));
      expect(results.every((r) => r[0] === 'http://127.0.0.1:9001/v2/reports')).toBe(true);
      expect(server.requestCount).toBe(2);
    });

    it('refresh() forces one shared request even when the cache is fresh', async () => {
      const server = track(await startDirectoryServer({ endpoints: { reports: REPORTS } }));
      const directory = directoryFor(server.url);
      await directory.resolve('reports');
      server.set('reports', 'http://127.0.0.1:9001/v2/reports');
      await Promise.all(Array.from({ length: 20 }, () => directory.refresh()));
      expect(server.requestCount).toBe(2);
      expect(urls(await directory.resolve('reports'))).toEqual(['http://127.0.0.1:9001/v2/reports']);
      expect(server.requestCount).toBe(2);
    });
  });

  describe('failures', () => {
    it('retries a 503 (honouring Retry-After) and then uses the 200 answer', async () => {
      const server = track(
        await startScriptedServer((_req, res, n) =>
          n === 1 ? send(res, 503, { error: 'busy' }, { 'retry-after': '0' }) : send(res, 200, { resources_endpoints: { reports: REPORTS } }),
        ),
      );
      expect(urls(await directoryFor(server.url).resolve('reports'))).toEqual([REPORTS]);
      expect(server.count).toBe(2);
    });

    it('throws DirectoryUnavailableError on a cold cache after `attempts` requests, then fails fast during the backoff', async () => {
      const server = track(await startScriptedServer((_req, res) => send(res, 500, { error: 'down' })));
      const directory = directoryFor(server.url, { attempts: 3 });
      const error = await rejection(directory.resolve('reports'));
      expect(server.count).toBe(3);
      expect(error.endpoint).toBe('reports');
      expect(error.message).toContain('Cannot resolve endpoint "reports"');
      expect(error.message).toContain(server.url);
      expect(error.message).toContain('HTTP 500');
      expect(error.message).toContain('after 3 attempts');
      expect(error.message).toContain('SWITCHYARD_DIRECTORY_URL');
      expect(error.cause).toBeInstanceOf(DirectoryUnavailableError);

      await rejection(directory.resolve('reports'));
      expect(server.count).toBe(3);
    });

    it('fails with DirectoryUnavailableError when the directory is not listening', async () => {
      const server = track(await startScriptedServer((_req, res) => send(res, 200, {})));
      const url = server.url;
      await server.close();
      const error = await rejection(directoryFor(url, { attempts: 2 }).resolve('reports'));
      expect(error.message).toContain('after 2 attempts');
      expect(error.message).toContain('ECONNREFUSED');
    });

    it('honours timeoutMs against a directory that never answers', async () => {
      const server = track(await startScriptedServer(() => undefined));
      const error = await rejection(directoryFor(server.url, { timeoutMs: 50, attempts: 2 }).resolve('reports'));
      expect(error.message).toContain('no answer within 50 ms');
      expect((error.cause as Error).cause).toMatchObject({ name: 'TimeoutError' });
      expect(server.count).toBe(2);
    });

    it('keeps serving the cached answer when the directory starts failing, warning once per outage', async () => {
      const answer = { resources_endpoints: { reports: REPORTS } };
      const server = track(await startScriptedServer((_req, res) => send(res, 200, answer)));
      const clock = manualClock();
      const logger = new MemoryLogger();
      const directory = directoryFor(server.url, { ttlMs: 10_000, errorBackoffMs: 1_000, attempts: 2, now: clock.now, logger });
      expect(urls(await directory.resolve('reports'))).toEqual([REPORTS]);

      server.respond((_req, res) => send(res, 500, { error: 'down' }));
      clock.advance(10_000);
      expect(urls(await directory.resolve('reports'))).toEqual([REPORTS]); // waited for the failed refresh, got stale
      expect(server.count).toBe(3);
      expect(urls(await directory.resolve('reports'))).toEqual([REPORTS]); // inside the backoff: no request
      expect(server.count).toBe(3);

      for (let i = 0; i < 3; i += 1) {
        clock.advance(1_000);
        expect(urls(await directory.resolve('reports'))).toEqual([REPORTS]); // stale at once, refresh in background
        await directory.refresh().catch(() => undefined); // joins that background refresh
      }
      expect(server.count).toBe(9);
      const warnings = logger.records.filter((r) => r.level === 'warn');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.message).toContain('unreachable');
      expect(warnings[0]!.message).toContain('serving the addresses cached');

      server.respond((_req, res) => send(res, 200, { resources_endpoints: { reports: 'http://127.0.0.1:9001/v2/reports' } }));
      clock.advance(1_000);
      await directory.resolve('reports');
      await directory.refresh();
      expect(urls(await directory.resolve('reports'))).toEqual(['http://127.0.0.1:9001/v2/reports']);
      expect(logger.records.filter((r) => r.level === 'info' && r.message.includes('answers again'))).toHaveLength(1);

      // A second outage warns again, once.
      server.respond((_req, res) => send(res, 503, { error: 'down again' }));
      await directory.refresh().catch(() => undefined);
      await directory.refresh().catch(() => undefined);
      expect(logger.records.filter((r) => r.level === 'warn')).toHaveLength(2);
    });

    it('keeps serving the cached answer when the directory goes away entirely', async () => {
      const server = track(await startDirectoryServer({ endpoints: { reports: REPORTS } }));
      const clock = manualClock();
      const directory = directoryFor(server.url, { ttlMs: 1_000, attempts: 1, now: clock.now });
      await directory.resolve('reports');
      await server.close();
      clock.advance(1_000);
      expect(urls(await directory.resolve('reports'))).toEqual([REPORTS]);
      await expect(directory.refresh()).rejects.toThrow(DirectoryUnavailableError);
      expect(urls(await directory.resolve('reports'))).toEqual([REPORTS]);
    });
  });

  describe('malformed answers', () => {
    async function directoryAnswering(body: unknown): Promise<{ directory: HttpDirectory; server: ScriptedServer }> {
      const server = track(await startScriptedServer((_req, res) => send(res, 200, body)));
      return { directory: directoryFor(server.url), server };
    }

    it.each([
      ['text that is not JSON', '<html>oops</html>', 'not JSON'],
      ['an object without resources_endpoints', { endpoints: {} }, 'without "resources_endpoints"'],
      ['resources_endpoints as an array', { resources_endpoints: [REPORTS] }, '"resources_endpoints" is an array'],
      ['a JSON array', [1, 2], 'gave an array'],
      ['null', 'null', 'gave null'],
    ])('refuses %s with an error naming the endpoint and the directory', async (_name, body, problem) => {
      const { directory, server } = await directoryAnswering(body);
      const error = await rejection(directory.resolve('reports'));
      expect(error.endpoint).toBe('reports');
      expect(error.message).toContain('"reports"');
      expect(error.message).toContain(server.url);
      expect(error.message).toContain(problem);
      expect(server.count).toBe(1); // a malformed answer is not retried
    });

    it.each([
      ['a number instead of a URL', 42, 'is not a URL string'],
      ['an array holding a number', [REPORTS, 7], 'is not a URL string'],
      ['an ftp:// URL', 'ftp://127.0.0.1/v2/reports', 'scheme "ftp:"'],
      ['a bare origin', 'http://127.0.0.1:8001', 'no endpoint id'],
      ['a trailing /runsync', 'http://127.0.0.1:8001/v2/reports/runsync', 'operation "/runsync"'],
    ])('refuses an entry holding %s for that endpoint only', async (_name, entry, problem) => {
      const { directory, server } = await directoryAnswering({ resources_endpoints: { reports: entry, images: IMAGES } });
      const error = await invalidAddress(directory.resolve('reports'));
      expect(error.endpoint).toBe('reports');
      expect(error.message).toContain('endpoint "reports"');
      expect(error.message).toContain(problem);
      expect(error.message).toContain(server.url);
      expect(urls(await directory.resolve('images'))).toEqual(IMAGES);
    });

    it('never quotes the password of an entry with credentials', async () => {
      const { directory } = await directoryAnswering({ resources_endpoints: { reports: 'http://user:pa55word-xyz@127.0.0.1:8001/v2/reports' } });
      const error = await invalidAddress(directory.resolve('reports'));
      expect(error.message).toContain('credentials');
      expect(error.message).not.toContain('pa55word-xyz');
    });

    it('keeps the previous good answer when a refresh returns a malformed one', async () => {
      const server = track(await startScriptedServer((_req, res) => send(res, 200, { resources_endpoints: { reports: REPORTS } })));
      const directory = directoryFor(server.url);
      await directory.resolve('reports');
      server.respond((_req, res) => send(res, 200, 'not json'));
      await expect(directory.refresh()).rejects.toThrow(/not JSON/);
      expect(urls(await directory.resolve('reports'))).toEqual([REPORTS]);
    });
  });

  describe('configuration', () => {
    it('refuses a directory URL with another scheme or with credentials, without quoting the password', () => {
      expect(() => new HttpDirectory('ftp://127.0.0.1/dir')).toThrow(/scheme "ftp:"/);
      let message = '';
      try {
        new HttpDirectory('http://admin:t0ps3cret@127.0.0.1:7070/');
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidAddressError);
        message = (error as Error).message;
      }
      expect(message).toContain('credentials');
      expect(message).not.toContain('t0ps3cret');
    });

    it('refuses out-of-range options', () => {
      expect(() => new HttpDirectory('http://127.0.0.1:1/', { attempts: 0 })).toThrow(/attempts/);
      expect(() => new HttpDirectory('http://127.0.0.1:1/', { timeoutMs: 1.5 })).toThrow(/timeoutMs/);
    });

    it('takes attempts from SWITCHYARD_DIRECTORY_ATTEMPTS when the option is not given', async () => {
      const server = track(await startScriptedServer((_req, res) => send(res, 502, {})));
      const directory = directoryFor(server.url, { defaults: loadDefaults({ SWITCHYARD_DIRECTORY_ATTEMPTS: '2' }) });
      await rejection(directory.resolve('reports'));
      expect(server.count).toBe(2);
    });

    it('fails after close() instead of fetching', async () => {
      const server = track(await startDirectoryServer({ endpoints: { reports: REPORTS } }));
      const directory = directoryFor(server.url);
      directory.close();
      const error = await rejection(directory.resolve('reports'));
      expect(error.message).toContain('closed');
      expect(server.requestCount).toBe(0);
    });
  });
});
