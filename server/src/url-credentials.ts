/**
 * `scheme://user:password@` inside any text, wherever a library put a URL into a message. A password that was not
 * percent-encoded may hold `/`, `?` or `#` (a base64 one does), so after `user:` everything up to the token's last `@`
 * is taken for it: a URL with a port and an `@` further on loses more than its login, never less.
 */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)(?:[^\s/?#]*@|[^\s/?#@:]*:\S*@)/gi;

/**
 * The text with the user name and password of every URL in it removed: `postgres://app:s3cret@db:5432/ai` becomes
 * `postgres://db:5432/ai`. For messages and locations that reach a terminal, a log or a client.
 * @example
 * withoutUrlCredentials('could not connect to postgres://app:s3cret@db/ai'); // 'could not connect to postgres://db/ai'
 */
export function withoutUrlCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1');
}
