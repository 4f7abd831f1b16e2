import { parseEndpointAddress } from '../../src/directory/endpoint-address';
import { StaticDirectory } from '../../src/directory/static-directory';
import { InvalidAddressError } from '../../src/errors';
import { thrownBy } from '../support/helpers';

// Issue 13: a directory entry on a port that fetch refuses outright (9: "bad port") was reported
// as "The connection broke after the request was sent".

describe('regression (issue 13): an address on a port fetch refuses', () => {
  it('is an InvalidAddressError that names the port and says to use another', () => {
    const error = thrownBy(() => parseEndpointAddress('http://127.0.0.1:9/v2/bad-port', { endpoint: 'bad-port', baseUrl: 'https://api.runpod.ai/v2' }));
    expect(error).toBeInstanceOf(InvalidAddressError);
    expect(error.message).toContain('uses port 9, which fetch refuses to connect to');
    expect(error.message).toContain('Serve the endpoint on another port');
  });

  it('is refused when the directory is made, before any call', () => {
    const error = thrownBy(() => new StaticDirectory({ 'bad-port': 'http://127.0.0.1:6000/v2/bad-port' }));
    expect(error).toBeInstanceOf(InvalidAddressError);
    expect(error.message).toContain('uses port 6000');
  });

  it('leaves ordinary ports alone', () => {
    expect(parseEndpointAddress('http://127.0.0.1:8080/v2/bad-port', { endpoint: 'bad-port', baseUrl: 'https://api.runpod.ai/v2' }).origin).toBe('http://127.0.0.1:8080');
  });
});
