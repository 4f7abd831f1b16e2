import { InvalidAddressError } from '../../src/errors';
import { parseEndpointAddress, type AddressRules } from '../../src/directory';
import { checkAddressUrl } from '../../src/directory/endpoint-address';
import { thrownBy } from '../support/helpers';

const BASE = 'https://api.runpod.ai/v2';

function failure(fn: () => unknown): InvalidAddressError {
  const error = thrownBy(fn);
  expect(error).toBeInstanceOf(InvalidAddressError);
  return error as InvalidAddressError;
}

const queue = (endpoint: string, url: unknown, source?: string) => parseEndpointAddress(url, { endpoint, baseUrl: BASE, source });
const lb = (endpoint: string, url: unknown, extra: Partial<AddressRules> = {}) => parseEndpointAddress(url, { endpoint, type: 'load-balancer', baseUrl: BASE, ...extra });

describe('parseEndpointAddress: queue endpoints', () => {
  it.each([
    ['https://api.runpod.ai/v2/abc123', 'https://api.runpod.ai/v2/abc123'],
    ['https://api.runpod.ai/v2/abc123/', 'https://api.runpod.ai/v2/abc123'],
    ['http://127.0.0.1:41234/v2/reports', 'http://127.0.0.1:41234/v2/reports'],
    ['HTTPS://API.RUNPOD.AI:443/v2/abc123//', 'https://api.runpod.ai/v2/abc123'],
    ['http://[::1]:8080/v2/image-processor', 'http://[::1]:8080/v2/image-processor'],
    ['http://127.0.0.1:9000/v2/run', 'http://127.0.0.1:9000/v2/run'],
    ['http://proxy.local/runpod/v2/abc', 'http://proxy.local/runpod/v2/abc'],
  ])('accepts %s as %s', (input, expected) => {
    expect(queue('reports', input).url).toBe(expected);
  });

  it('splits the address into the pool origin and the path operations are appended to', () => {
    expect(queue('reports', 'http://127.0.0.1:41234/v2/reports/')).toEqual({
      kind: 'queue',
      url: 'http://127.0.0.1:41234/v2/reports',
      origin: 'http://127.0.0.1:41234',
      path: '/v2/reports',
      platform: false,
    });
    expect(queue('reports', 'https://api.runpod.ai/v2/abc123').platform).toBe(true);
  });

  it('reads a bare endpoint id against the base URL', () => {
    expect(queue('reports', 'abc123')).toMatchObject({ url: 'https://api.runpod.ai/v2/abc123', platform: true });
    expect(parseEndpointAddress('abc123', { endpoint: 'reports', baseUrl: 'http://127.0.0.1:9000/v2/' }).url).toBe('http://127.0.0.1:9000/v2/abc123');
  });

  it.each([
    ['ftp://files.example.com/v2/abc', 'scheme "ftp:"'],
    ['file:///etc/passwd', 'scheme "file:"'],
    ['https://api.runpod.ai', 'no endpoint id'],
    ['https://api.runpod.ai/', 'no endpoint id'],
    ['https://api.runpod.ai/v2', 'no endpoint id'],
    ['https://api.runpod.ai/v2/abc123/run', 'operation "/run"'],
    ['https://api.runpod.ai/v2/abc123/runsync', 'operation "/runsync"'],
    ['https://api.runpod.ai/v2/abc123/status/job-1', 'operation "/status/job-1"'],
    ['https://api.runpod.ai/v2/abc123?wait=1000', 'query string'],
    ['https://api.runpod.ai/v2/abc123#x', 'query string or fragment'],
    ['https://api.runpod.ai/v2//abc', 'empty path segment'],
    ['https://api.runpod.ai/v2/a%20b', 'not an endpoint id'],
    ['https://api.runpod.ai/v2/api.runpod.ai', 'not an endpoint id'],
    ['api.runpod.ai', 'not an absolute URL'],
    ['not a url', 'not an absolute URL'],
    ['', 'is empty'],
  ])('refuses %s (%s), naming the endpoint', (input, problem) => {
    const error = failure(() => queue('reports', input));
    expect(error.message).toContain('endpoint "reports"');
    expect(error.message).toContain(problem);
    expect(error.endpoint).toBe('reports');
  });

  it.each([[42], [null], [undefined], [{ url: 'x' }], [['https://api.runpod.ai/v2/a']]])('refuses the non-string %p', (input) => {
    expect(failure(() => queue('reports', input)).message).toContain('is not a URL string');
  });

  it('suggests the base URL when an operation is appended', () => {
    expect(failure(() => queue('reports', 'https://api.runpod.ai/v2/abc123/run')).message).toContain('"https://api.runpod.ai/v2/abc123"');
  });

  it('never quotes credentials or query values', () => {
    const withCredentials = failure(() => queue('reports', 'http://alice:s3cr3t-pw@host.example/v2/x'));
    expect(withCredentials.message).toContain('credentials');
    expect(withCredentials.message).not.toContain('s3cr3t-pw');
    expect(withCredentials.message).not.toContain('alice');
    const unparseable = failure(() => queue('reports', 'http://alice:s3cr3t pw@host/v2/x'));
    expect(unparseable.message).not.toContain('s3cr3t');
    const withQuery = failure(() => queue('reports', 'https://api.runpod.ai/v2/x?token=tok-123456'));
    expect(withQuery.message).not.toContain('tok-123456');
  });

  it('prefixes where the address came from', () => {
    expect(failure(() => queue('reports', 'ftp://h/v2/x', 'SWITCHYARD_DIRECTORY')).message).toMatch(/^SWITCHYARD_DIRECTORY: /);
  });
});

describe('parseEndpointAddress: load-balancer endpoints', () => {
  it.each([
    ['https://abc123.api.runpod.ai', 'https://abc123.api.runpod.ai'],
    ['https://abc123.api.runpod.ai/', 'https://abc123.api.runpod.ai'],
    ['http://127.0.0.1:5000', 'http://127.0.0.1:5000'],
    ['http://127.0.0.1:5000/prefix/', 'http://127.0.0.1:5000/prefix'],
  ])('accepts %s as %s', (input, expected) => {
    expect(lb('search', input).url).toBe(expected);
  });

  it.each([['ws://127.0.0.1:5000', 'scheme'], ['https://u:p4ssw0rd@abc.api.runpod.ai', 'credentials'], ['http://127.0.0.1:5000/?a=1', 'query']])(
    'refuses %s (%s)',
    (input, problem) => {
      const error = failure(() => lb('search', input));
      expect(error.message).toContain('endpoint "search"');
      expect(error.message).toContain(problem);
      expect(error.message).not.toContain('p4ssw0rd');
    },
  );
});

it('reads a bare id as RunPod\'s load-balancer host for that id', () => {
  expect(lb('search', 'xyz789')).toMatchObject({ kind: 'load-balancer', url: 'https://xyz789.api.runpod.ai', path: '' });
});

describe('checkAddressUrl (the checks every address gets)', () => {
  it('accepts both queue URLs and origins but still refuses credentials', () => {
    expect(checkAddressUrl('http://127.0.0.1:8081/v2/a/', { endpoint: 'a' }).href).toBe('http://127.0.0.1:8081/v2/a/');
    expect(checkAddressUrl('http://127.0.0.1:8081', { endpoint: 'a' }).origin).toBe('http://127.0.0.1:8081');
    expect(() => checkAddressUrl('http://u:p@127.0.0.1:8081', { endpoint: 'a' })).toThrow(InvalidAddressError);
  });
});
