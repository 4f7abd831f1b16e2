// Type tests of the error hierarchy: every constructor takes the message and an options object
// with the class's own fields and `cause`; required fields are required.
import {
  ConfigurationError,
  DeadlineExceededError,
  DeployError,
  EndpointUnavailableError,
  PayloadTooLargeError,
  RemoteExecutionError,
  SwitchyardError,
  type WireFailure,
} from '@switchyard/core';

export function typedErrors(): SwitchyardError[] {
  const remote: WireFailure = { name: 'RangeError', message: 'no', cause: { name: 'TypeError', message: 'inner' } };
  const errors: SwitchyardError[] = [
    new SwitchyardError('plain'),
    new ConfigurationError('bad option', { option: 'submitAttempts' }),
    new DeadlineExceededError('late', { endpoint: 'e', method: 'm', jobId: 'j-1', cause: new Error('x') }),
    new EndpointUnavailableError('down', { endpoint: 'e', address: 'http://h/v2/e', mayHaveRun: true }),
    new PayloadTooLargeError('big', { size: 10, limit: 5 }),
    new RemoteExecutionError('failed', { endpoint: 'e', method: 'm', remote }),
    new DeployError('rate-limited', { status: 429, details: ['one line'] }),
  ];
  const late = errors[2] as DeadlineExceededError;
  const jobId: string | undefined = late.jobId;
  void jobId;

  // @ts-expect-error -- PayloadTooLargeError needs size and limit
  new PayloadTooLargeError('big');
  // @ts-expect-error -- RemoteExecutionError needs the remote failure
  new RemoteExecutionError('failed', { endpoint: 'e', method: 'm' });
  // @ts-expect-error -- positional arguments are gone: options only
  new DeadlineExceededError('late', 'job-1');
  // @ts-expect-error -- DeployError's status is the HTTP status, a number
  new DeployError('refused', { status: '429' });
  // @ts-expect-error -- an option the class does not have
  new ConfigurationError('bad', { jobId: 'j' });
  return errors;
}
