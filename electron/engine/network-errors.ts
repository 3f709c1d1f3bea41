/**
 * Error codes of a network that did not carry a call (refused, reset, timed out, no such host),
 * as Node, undici and the clients on them raise them: an AWS call's or PostgreSQL's alike.
 */
export const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
]);
