import { urls } from '../support/helpers';
import { DirectoryUnavailableError, InvalidAddressError } from '../../src/errors';
import { StaticDirectory } from '../../src/directory';

describe('StaticDirectory', () => {
  it('resolves a single URL and an array of replicas, normalised', async () => {
    const directory = new StaticDirectory({
      reports: 'http://127.0.0.1:8001/v2/reports/',
      images: ['http://127.0.0.1:8002/v2/images', 'http://127.0.0.1:8003/v2/images'],
    });
    expect(urls(await directory.resolve('reports'))).toEqual(['http://127.0.0.1:8001/v2/reports']);
    expect(urls(await directory.resolve('images'))).toEqual(['http://127.0.0.1:8002/v2/images', 'http://127.0.0.1:8003/v2/images']);
  });

  it('returns [] for an endpoint it does not know', async () => {
    expect(urls(await new StaticDirectory({}).resolve('missing'))).toEqual([]);
  });

  it('returns a copy that callers may change without affecting the directory', async () => {
    const directory = new StaticDirectory({ reports: 'http://127.0.0.1:8001/v2/reports' });
    (await directory.resolve('reports')).length = 0;
    expect(urls(await directory.resolve('reports'))).toEqual(['http://127.0.0.1:8001/v2/reports']);
  });

  it('updates with set() and remove(), and refresh() changes nothing', async () => {
    const directory = new StaticDirectory();
    directory.set('reports', 'http://127.0.0.1:8001/v2/reports');
    await directory.refresh();
    expect(urls(await directory.resolve('reports'))).toEqual(['http://127.0.0.1:8001/v2/reports']);
    directory.set('reports', ['http://127.0.0.1:8002/v2/reports']);
    expect(urls(await directory.resolve('reports'))).toEqual(['http://127.0.0.1:8002/v2/reports']);
    directory.remove('reports');
    expect(urls(await directory.resolve('reports'))).toEqual([]);
  });

  it('refuses a malformed address at construction, naming the endpoint', () => {
    expect(() => new StaticDirectory({ reports: 'ftp://h/v2/reports' })).toThrow(/endpoint "reports".*scheme "ftp:"/);
  });

  it('reads an entry as a queue endpoint unless asked for a load-balancer one', async () => {
    const directory = new StaticDirectory({ reports: 'http://127.0.0.1:8001' });
    await expect(directory.resolve('reports')).rejects.toThrow(/endpoint "reports".*no endpoint id/);
    expect(urls(await directory.resolve('reports', 'load-balancer'))).toEqual(['http://127.0.0.1:8001']);
  });

  it('accepts origins for endpoints marked load-balancer', async () => {
    const directory = new StaticDirectory({ search: 'https://abc.api.runpod.ai/' });
    expect(urls(await directory.resolve('search', 'load-balancer'))).toEqual(['https://abc.api.runpod.ai']);
  });

  describe('fromEnv', () => {
    it('reads a bare map from SWITCHYARD_DIRECTORY', async () => {
      const env = { SWITCHYARD_DIRECTORY: '{"reports": "http://127.0.0.1:8001/v2/reports", "images": ["http://127.0.0.1:8002/v2/images"]}' };
      const directory = StaticDirectory.fromEnv(undefined, env);
      expect(urls(await directory.resolve('reports'))).toEqual(['http://127.0.0.1:8001/v2/reports']);
      expect(urls(await directory.resolve('images'))).toEqual(['http://127.0.0.1:8002/v2/images']);
    });

    it('reads the directory envelope {"resources_endpoints": {...}} from a named variable', async () => {
      const env = { MY_DIR: JSON.stringify({ resources_endpoints: { reports: ['http://127.0.0.1:8001/v2/reports'] } }) };
      expect(urls(await StaticDirectory.fromEnv('MY_DIR', env).resolve('reports'))).toEqual(['http://127.0.0.1:8001/v2/reports']);
    });

    it('refuses JSON that does not parse, naming the variable', () => {
      let error: unknown;
      try {
        StaticDirectory.fromEnv('SWITCHYARD_DIRECTORY', { SWITCHYARD_DIRECTORY: '{reports: oops' });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DirectoryUnavailableError);
      expect((error as Error).message).toMatch(/^SWITCHYARD_DIRECTORY is not valid JSON/);
    });

    it('does not quote the malformed JSON, which may hold credentials', () => {
      const env = { SWITCHYARD_DIRECTORY: '{"reports": "http://bob:hunter22@127.0.0.1/v2/reports"' };
      expect(() => StaticDirectory.fromEnv('SWITCHYARD_DIRECTORY', env)).toThrow(/^SWITCHYARD_DIRECTORY is not valid JSON/);
      expect(() => StaticDirectory.fromEnv('SWITCHYARD_DIRECTORY', env)).not.toThrow(/hunter22/);
    });

    it('refuses an unset variable and a JSON array, naming the variable', () => {
      expect(() => StaticDirectory.fromEnv('SWITCHYARD_DIRECTORY', {})).toThrow(/SWITCHYARD_DIRECTORY is not set/);
      expect(() => StaticDirectory.fromEnv('SWITCHYARD_DIRECTORY', { SWITCHYARD_DIRECTORY: '[]' })).toThrow(/SWITCHYARD_DIRECTORY gave an array/);
    });

    it('refuses a malformed address, naming the variable and the endpoint but not the password', () => {
      const env = { SWITCHYARD_DIRECTORY: '{"reports": "http://bob:hunter22@127.0.0.1:8001/v2/reports"}' };
      let message = '';
      try {
        StaticDirectory.fromEnv('SWITCHYARD_DIRECTORY', env);
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidAddressError);
        message = (e as Error).message;
      }
      expect(message).toContain('SWITCHYARD_DIRECTORY');
      expect(message).toContain('endpoint "reports"');
      expect(message).not.toContain('hunter22');
    });
  });
});
