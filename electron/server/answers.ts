import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiErrorBody, Envelope } from '../../shared/api/errors';
import { CONTENT_SECURITY_POLICY } from '../../shared/csp';

/** The largest API request body read. */
const MAX_BODY = 1024 * 1024;

/** Sent with every answer, API or console. */
export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export function fail(code: ApiErrorBody['code'], message: string): Envelope<never> {
  return { ok: false, error: { code, message } };
}

export function statusFor(error: ApiErrorBody): number {
  switch (error.code) {
    case 'validation':
      return 400;
    case 'unauthorized':
      return 401;
    case 'forbidden':
      return 403;
    case 'not_found':
    case 'unknown_method':
      return 404;
    case 'conflict':
    case 'locked':
      return 409;
    case 'upstream':
      return 502;
    default:
      return 500;
  }
}

/**
 * The JSON bytes of frozen answers, made once however many calls they answer (the job store hands the
 * same frozen page to every caller of the same query until the next write). Only frozen ones:
 * another object may change after it was sent.
 */
const answerBytes = new WeakMap<object, Buffer>();

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const bytes = jsonOf(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': bytes.length,
    'Cache-Control': 'no-store',
  });
  res.end(bytes);
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        // Stop keeping the body but let it drain, so the 413 answer still reaches the client.
        req.removeAllListeners('data');
        req.resume();
        reject(new Error(`Request body over ${MAX_BODY} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolvePromise(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The request URL, or null when it can not be parsed. */
export function parseUrl(raw: string, host: string): URL | null {
  try {
    return new URL(raw, `http://${host}`);
  } catch {
    return null;
  }
}

/** A percent-encoded path segment decoded, or null when the encoding is broken (`%E0%A4%A`). */
export function decodePath(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

function jsonOf(body: unknown): Buffer {
  const envelope = body as { ok?: unknown; value?: unknown };
  if (
    envelope?.ok !== true ||
    typeof envelope.value !== 'object' ||
    envelope.value === null ||
    !Object.isFrozen(envelope.value)
  )
    return Buffer.from(JSON.stringify(body));
  let bytes = answerBytes.get(envelope.value);
  if (bytes === undefined)
    answerBytes.set(
      envelope.value,
      (bytes = Buffer.from(`{"ok":true,"value":${JSON.stringify(envelope.value)}}`)),
    );
  return bytes;
}
