import { redact } from '../observability/logger';

/**
 * The readable part of an error reply: `error`, `message` or `detail` of a JSON body, else the
 * text itself, shortened to 300 characters, with the API key and any Bearer token redacted.
 */
export function serverMessage(text: string, secrets: readonly (string | undefined)[]): string {
  let message = text.trim();
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object') {
      const p = parsed as Record<string, unknown>;
      const candidate = p.error ?? p.message ?? p.detail;
      if (typeof candidate === 'string') message = candidate;
      else if (candidate !== undefined) message = JSON.stringify(candidate);
    }
  } catch {
    // not JSON: use the text as it is
  }
  if (message === '') message = '(empty body)';
  if (message.length > 300) message = `${message.slice(0, 300)}…`;
  return redact(message, secrets);
}

/** A short preview of a value for error messages (JSON, at most 200 characters). */
export function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
