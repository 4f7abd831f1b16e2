import { urls } from '../support/helpers';
import { directoryFromEnv, HttpDirectory, StaticDirectory } from '../../src/directory';
import { DirectoryUnavailableError } from '../../src/errors';
import { MemoryLogger } from '../../src/observability/logger';

describe('directoryFromEnv', () => {
  it('builds an HttpDirectory from SWITCHYARD_DIRECTORY_URL, which wins over SWITCHYARD_DIRECTORY', () => {
    const directory = directoryFromEnv({
      env: { SWITCHYARD_DIRECTORY_URL: 'http://127.0.0.1:7070/', SWITCHYARD_DIRECTORY: '{}' },
      logger: new MemoryLogger(),
    });
    expect(directory).toBeInstanceOf(HttpDirectory);
    (directory as HttpDirectory).close();
  });

  it('builds a StaticDirectory from SWITCHYARD_DIRECTORY', async () => {
    const directory = directoryFromEnv({ env: { SWITCHYARD_DIRECTORY: '{"reports": "http://127.0.0.1:8001/v2/reports"}' } });
    expect(directory).toBeInstanceOf(StaticDirectory);
    expect(urls(await directory!.resolve('reports'))).toEqual(['http://127.0.0.1:8001/v2/reports']);
  });

  it('returns undefined when neither variable is set', () => {
    expect(directoryFromEnv({ env: {} })).toBeUndefined();
  });

  it('reports a malformed SWITCHYARD_DIRECTORY_TIMEOUT_MS or SWITCHYARD_DIRECTORY by name', () => {
    expect(() => directoryFromEnv({ env: { SWITCHYARD_DIRECTORY: 'nope' } })).toThrow(DirectoryUnavailableError);
    expect(() => directoryFromEnv({ env: { SWITCHYARD_DIRECTORY_URL: 'http://127.0.0.1:7070/', SWITCHYARD_DIRECTORY_TIMEOUT_MS: 'soon' } })).toThrow(
      /SWITCHYARD_DIRECTORY_TIMEOUT_MS/,
    );
  });
});
