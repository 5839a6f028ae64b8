import type { ErrorKind } from '../scenario/error-kinds.js';

/** errorKindForStatus maps a non-2xx HTTP status to an error kind. */
export function errorKindForStatus(status: number): ErrorKind {
  if (status === 429) return 'http_429';
  if (status >= 500) return 'http_5xx';
  return 'http_4xx';
}

// undici's error codes are stable (UND_ERR_*); Node's socket errors carry errno codes.
const BY_CODE: Record<string, ErrorKind> = {
  UND_ERR_CONNECT_TIMEOUT: 'connect_timeout',
  ECONNREFUSED: 'connect_error',
  ENOTFOUND: 'connect_error',
  EAI_AGAIN: 'connect_error',
  EHOSTUNREACH: 'connect_error',
  ENETUNREACH: 'connect_error',
  // The generator's own resources: descriptors, buffers, memory, local ports. Not the target's.
  EMFILE: 'local_resource',
  ENFILE: 'local_resource',
  ENOBUFS: 'local_resource',
  ENOMEM: 'local_resource',
  EADDRNOTAVAIL: 'local_resource',
  ERR_TLS_CERT_ALTNAME_INVALID: 'connect_error',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'connect_error',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'connect_error',
  CERT_HAS_EXPIRED: 'connect_error',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  UND_ERR_SOCKET: 'reset',
  UND_ERR_CLOSED: 'reset',
  UND_ERR_HEADERS_TIMEOUT: 'total_timeout',
  UND_ERR_BODY_TIMEOUT: 'total_timeout',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'bad_stream',
  UND_ERR_RESPONSE_EXCEEDED_MAX_SIZE: 'bad_stream',
  HPE_INVALID_CONSTANT: 'bad_stream',
  HPE_INVALID_CHUNK_SIZE: 'bad_stream',
};

/** errorKindForError classifies a thrown transport error (looking through `cause` chains). */
export function errorKindForError(err: unknown): ErrorKind {
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code in BY_CODE) return BY_CODE[code]!;
    if (typeof code === 'string' && code.startsWith('HPE_')) return 'bad_stream';
    // undici's HTTPParserError carries no code when llhttp gives none (a reply that is not HTTP at
    // all, a bad chunk size): its name is what says the target sent bytes that do not parse.
    if ((e as { name?: unknown }).name === 'HTTPParserError') return 'bad_stream';
    e = (e as { cause?: unknown }).cause;
  }
  return 'other';
}

/** describeError gives a short one-line message for a thrown error, code first. */
export function describeError(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const code = typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : '';
  const msg = typeof e?.message === 'string' ? e.message : String(err);
  const causeMsg = typeof e?.cause?.message === 'string' && e.cause.message !== msg ? ` (${e.cause.message})` : '';
  return oneLine(`${code ? `${code}: ` : ''}${msg}${causeMsg}`);
}

/** oneLine flattens and shortens a message for a CSV cell or a console line. */
export function oneLine(s: string, max = 240): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
