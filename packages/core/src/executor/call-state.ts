import type { EndpointAddress } from '../directory/endpoint-address';
import type { RetryDecision, RetryPolicy } from '../resilience/retry-policy';
import type { ExecuteRequest } from './executor';

/** Everything one call carries between the attempt loop and the protocol steps. */
export class CallState {
  /** Submissions made so far, and those that may have created a job. */
  submissions = 0;
  mayHaveRun = 0;
  /** The job of the current attempt, once the endpoint has given it an id (queue endpoints). */
  jobId?: string;
  /** The address of the current attempt. */
  address?: EndpointAddress;
  /** The budget ended while a /run was in flight: its job is cancelled when the id arrives. */
  lateCancel = false;
  /** UTF-8 size of `body`. */
  readonly bodyBytes: number;

  constructor(
    readonly request: ExecuteRequest,
    /** The body, serialized once: the size check and every submission use these bytes. */
    readonly body: string,
    readonly headers: Readonly<Record<string, string>>,
  ) {
    this.bodyBytes = Buffer.byteLength(body);
  }

  /** `endpoint.method`, for messages. */
  get where(): string {
    return `${this.request.endpoint}.${this.request.method}`;
  }
}

/** Why the retry policy ended a call, as the last sentence of its EndpointUnavailableError. */
export const GIVE_UP_REASONS: Record<Exclude<RetryDecision, { retry: true }>['reason'], (call: CallState, policy: RetryPolicy) => string> = {
  'not-idempotent': (call) =>
    ` It was not sent again because ${call.where} is not idempotent and may have run; mark it @Remote({ idempotent: true, retries: 1 }) if running it twice is safe.`,
  'retries-used': (call) => ` ${call.where} allows ${call.request.retries} resubmission(s) (@Remote retries), and they were used.`,
  'attempts-used': (_call, policy) => ` All ${policy.options.submitAttempts} attempts (SWITCHYARD_SUBMIT_ATTEMPTS) were used.`,
  deadline: () => " The call's budget had no time left for another attempt.",
};
