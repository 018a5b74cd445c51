import { UserInputError } from '../engine/types';

/** Longest webhook URL accepted. */
export const MAX_URL_LENGTH = 2048;

/**
 * Checks a webhook URL: http or https, no credentials in it (use the secret),
 * at most MAX_URL_LENGTH characters. Private and loopback addresses are
 * allowed on purpose: a lab dashboard posts to internal Slack/Matrix relays.
 */
export function checkWebhookUrl(raw: string): string {
  const text = raw.trim();
  if (text.length === 0) throw new UserInputError('give the URL the notifications are posted to', 'url');
  if (text.length > MAX_URL_LENGTH) throw new UserInputError(`the URL is longer than ${MAX_URL_LENGTH} characters`, 'url');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UserInputError(`"${text.slice(0, 80)}" is not a URL: write it like https://hooks.slack.com/services/…`, 'url');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UserInputError(`webhook URLs are http:// or https://, not ${url.protocol}//`, 'url');
  }
  if (url.username || url.password) {
    throw new UserInputError('the URL carries a user name or password: remove them (receivers check the X-Bisect-Signature made with the secret)', 'url');
  }
  if (!url.hostname) throw new UserInputError('the URL has no host', 'url');
  return url.toString();
}
