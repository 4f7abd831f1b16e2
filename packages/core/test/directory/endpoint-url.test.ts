import { InvalidAddressError } from '../../src/errors';
import { validateAnyEndpointUrl, validateEndpointUrl, validateLoadBalancerUrl } from '../../src/directory';

function failure(fn: () => unknown): InvalidAddressError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidAddressError);
    return error as InvalidAddressError;
  }
  throw new Error('expected a InvalidAddressError');
}

describe('validateEndpointUrl', () => {
  it.each([
    ['https://api.runpod.ai/v2/abc123', 'https://api.runpod.ai/v2/abc123'],
    ['https://api.runpod.ai/v2/abc123/', 'https://api.runpod.ai/v2/abc123'],
    ['http://127.0.0.1:41234/v2/reports', 'http://127.0.0.1:41234/v2/reports'],
    ['HTTPS://API.RUNPOD.AI:443/v2/abc123//', 'https://api.runpod.ai/v2/abc123'],
    ['http://[::1]:8080/v2/image-processor', 'http://[::1]:8080/v2/image-processor'],
    ['http://127.0.0.1:9000/v2/run', 'http://127.0.0.1:9000/v2/run'],
    ['http://proxy.local/runpod/v2/abc', 'http://proxy.local/runpod/v2/abc'],
  ])('accepts %s as %s', (input, expected) => {
    expect(validateEndpointUrl('reports', input)).toBe(expected);
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
    ['not a url', 'not an absolute URL'],
    ['', 'is empty'],
  ])('refuses %s (%s), naming the endpoint', (input, problem) => {
    const error = failure(() => validateEndpointUrl('reports', input));
    expect(error.message).toContain('endpoint "reports"');
    expect(error.message).toContain(problem);
    expect(error.endpoint).toBe('reports');
  });

  it.each([[42], [null], [undefined], [{ url: 'x' }], [['https://api.runpod.ai/v2/a']]])('refuses the non-string %p', (input) => {
    expect(failure(() => validateEndpointUrl('reports', input)).message).toContain('is not a URL string');
  });

  it('suggests the base URL when an operation is appended', () => {
    expect(failure(() => validateEndpointUrl('reports', 'https://api.runpod.ai/v2/abc123/run')).message).toContain('"https://api.runpod.ai/v2/abc123"');
  });

  it('never quotes credentials or query values', () => {
    const withCredentials = failure(() => validateEndpointUrl('reports', 'http://alice:s3cr3t-pw@host.example/v2/x'));
    expect(withCredentials.message).toContain('credentials');
    expect(withCredentials.message).not.toContain('s3cr3t-pw');
    expect(withCredentials.message).not.toContain('alice');
    const unparseable = failure(() => validateEndpointUrl('reports', 'http://alice:s3cr3t pw@host/v2/x'));
    expect(unparseable.message).not.toContain('s3cr3t');
    const withQuery = failure(() => validateEndpointUrl('reports', 'https://api.runpod.ai/v2/x?token=tok-123456'));
    expect(withQuery.message).not.toContain('tok-123456');
  });

  it('prefixes where the address came from', () => {
    expect(failure(() => validateEndpointUrl('reports', 'ftp://h/v2/x', 'SWITCHYARD_DIRECTORY')).message).toMatch(/^SWITCHYARD_DIRECTORY: /);
  });
});

describe('validateLoadBalancerUrl', () => {
  it.each([
    ['https://abc123.api.runpod.ai', 'https://abc123.api.runpod.ai'],
    ['https://abc123.api.runpod.ai/', 'https://abc123.api.runpod.ai'],
    ['http://127.0.0.1:5000', 'http://127.0.0.1:5000'],
    ['http://127.0.0.1:5000/prefix/', 'http://127.0.0.1:5000/prefix'],
  ])('accepts %s as %s', (input, expected) => {
    expect(validateLoadBalancerUrl('search', input)).toBe(expected);
  });

  it.each([['ws://127.0.0.1:5000', 'scheme'], ['https://u:p4ssw0rd@abc.api.runpod.ai', 'credentials'], ['http://127.0.0.1:5000/?a=1', 'query']])(
    'refuses %s (%s)',
    (input, problem) => {
      const error = failure(() => validateLoadBalancerUrl('search', input));
      expect(error.message).toContain('endpoint "search"');
      expect(error.message).toContain(problem);
      expect(error.message).not.toContain('p4ssw0rd');
    },
  );
});

describe('validateAnyEndpointUrl', () => {
  it('accepts both queue URLs and origins but still refuses credentials', () => {
    expect(validateAnyEndpointUrl('a', 'http://127.0.0.1:1/v2/a/')).toBe('http://127.0.0.1:1/v2/a');
    expect(validateAnyEndpointUrl('a', 'http://127.0.0.1:1')).toBe('http://127.0.0.1:1');
    expect(() => validateAnyEndpointUrl('a', 'http://u:p@127.0.0.1:1')).toThrow(InvalidAddressError);
  });
});
