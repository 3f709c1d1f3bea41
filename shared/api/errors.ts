/**
 * Typed API errors: what the UI and the CLI show instead of a stack trace.
 *
 * `field` names the input that is wrong (a dotted path such as `destination.bucket`), so a form
 * can put the message under that field; `fields` carries every field problem at once.
 */
export const ERROR_CODES = [
  'validation',
  'not_found',
  'conflict',
  'locked',
  'unauthorized',
  'forbidden',
  'unknown_method',
  /** An outside service (AWS, Amplitude) refused or failed; the message says what to do. */
  'upstream',
  /** The console could not reach the engine at all (`ferry serve` stopped): nothing was done. */
  'unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ApiErrorBody {
  code: ErrorCode;
  message: string;
  field?: string;
  fields?: Record<string, string>;
}

export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ApiErrorBody };

/** An error the engine raises on purpose; its body is safe to show to a person. */
export class FerryError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly fields: Record<string, string> | undefined;

  constructor(code: ErrorCode, message: string, field?: string, fields?: Record<string, string>) {
    super(message);
    this.name = 'FerryError';
    this.code = code;
    this.field = field;
    this.fields = fields ?? (field ? { [field]: message } : undefined);
  }

  toBody(): ApiErrorBody {
    const body: ApiErrorBody = { code: this.code, message: this.message };
    if (this.field) body.field = this.field;
    if (this.fields) body.fields = this.fields;
    return body;
  }

  static fromBody(body: ApiErrorBody): FerryError {
    return new FerryError(body.code, body.message, body.field, body.fields);
  }
}
