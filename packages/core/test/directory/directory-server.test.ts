import ky from 'ky';
import { InvalidAddressError } from '../../src/errors';
import { startDirectoryServer, type DirectoryServer } from '../../src/directory';

describe('startDirectoryServer', () => {
  let server: DirectoryServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const get = (url: string, headers: Record<string, string> = {}) => ky.get(url, { headers, throwHttpErrors: false, retry: 0 });

  it('answers GET / and GET /directory with {"resources_endpoints": {...}}', async () => {
    server = await startDirectoryServer({ endpoints: { reports: 'http://127.0.0.1:8001/v2/reports', images: ['http://127.0.0.1:8002/v2/images'] } });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const path of ['/', '/directory', '/directory/?x=1']) {
      const response = await get(`${server.url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('application/json');
      expect(await response.json()).toEqual({
        resources_endpoints: { reports: 'http://127.0.0.1:8001/v2/reports', images: ['http://127.0.0.1:8002/v2/images'] },
      });
    }
    expect(server.requestCount).toBe(3);
  });

  it('reflects set() and remove() in the next answer', async () => {
    server = await startDirectoryServer();
    server.set('reports', ['http://127.0.0.1:8001/v2/reports/']);
    expect(await get(server.url).json()).toEqual({ resources_endpoints: { reports: ['http://127.0.0.1:8001/v2/reports'] } });
    server.remove('reports');
    expect(await get(server.url).json()).toEqual({ resources_endpoints: {} });
  });

  it('refuses to serve a malformed address', async () => {
    server = await startDirectoryServer();
    expect(() => server!.set('reports', 'ftp://127.0.0.1/v2/reports')).toThrow(InvalidAddressError);
    expect(() => server!.set('reports', ['http://u:pw@127.0.0.1/v2/reports'])).toThrow(/credentials/);
  });

  it('answers 401 without the Bearer key, with a wrong key of any length, and 200 with the right one', async () => {
    server = await startDirectoryServer({ apiKey: 'dev-key-123', endpoints: { reports: 'http://127.0.0.1:8001/v2/reports' } });
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer dev-key-124' }, { authorization: 'Bearer short' }, { authorization: 'dev-key-123' }]) {
      const response = await get(server.url, headers);
      expect(response.status).toBe(401);
      const body = (await response.json()) as { error: string };
      expect(body.error).toContain('Authorization: Bearer');
      expect(JSON.stringify(body)).not.toContain('dev-key-123');
    }
    const ok = await get(server.url, { authorization: 'Bearer dev-key-123' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ resources_endpoints: { reports: 'http://127.0.0.1:8001/v2/reports' } });
  });

  it('answers 404 JSON for other paths and 405 JSON for other methods', async () => {
    server = await startDirectoryServer();
    const notFound = await get(`${server.url}/v2/reports`);
    expect(notFound.status).toBe(404);
    expect(((await notFound.json()) as { error: string }).error).toContain('GET /');
    const notAllowed = await ky.post(server.url, { json: {}, throwHttpErrors: false, retry: 0 });
    expect(notAllowed.status).toBe(405);
    expect(notAllowed.headers.get('allow')).toBe('GET');
    expect(((await notAllowed.json()) as { error: string }).error).toContain('GET');
  });

  it('stops accepting connections after close(), even with an idle keep-alive connection open', async () => {
    const started = await startDirectoryServer();
    await get(started.url).json(); // leaves a keep-alive connection in fetch's pool
    await started.close();
    await expect(get(started.url)).rejects.toThrow();
    await started.close(); // closing twice is harmless
  });
});
