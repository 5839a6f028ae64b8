import type { ErrorKind } from '../scenario/error-kinds.js';

/** errorKindForStatus maps a non-2xx HTTP status to an error kind. */
export function errorKindForStatus(status: number): ErrorKind {
  if (status === 429) return 'http_429';
  if (status >= 500) return 'http_5xx';
  if (status >= 300 && status < 400) return 'redirect';
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
  EPROXYREFUSED: 'connect_error',
  // The TLS handshake: a certificate the run does not trust (a private CA, a TLS-inspecting proxy:
  // give its root with the target's tls.ca or NODE_EXTRA_CA_CERTS), one out of date, one for
  // another host, or https:// to a port that speaks plain HTTP.
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'tls_error',
  UNABLE_TO_GET_ISSUER_CERT: 'tls_error',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'tls_error',
  SELF_SIGNED_CERT_IN_CHAIN: 'tls_error',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'tls_error',
  CERT_UNTRUSTED: 'tls_error',
  CERT_SIGNATURE_FAILURE: 'tls_error',
  CERT_NOT_YET_VALID: 'tls_error',
  CERT_HAS_EXPIRED: 'tls_error',
  CERT_REVOKED: 'tls_error',
  CERT_REJECTED: 'tls_error',
  INVALID_CA: 'tls_error',
  HOSTNAME_MISMATCH: 'tls_error',
  ERR_TLS_CERT_ALTNAME_INVALID: 'tls_error',
  ERR_SSL_WRONG_VERSION_NUMBER: 'tls_error',
  ERR_SSL_PACKET_LENGTH_TOO_LONG: 'tls_error',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: 'tls_error',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'tls_error',
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'tls_error',
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: 'tls_error',
  ERR_TLS_HANDSHAKE_TIMEOUT: 'tls_error',
  EPROTO: 'tls_error',
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
    // Any other OpenSSL failure during the handshake (ERR_SSL_…): TLS, not the generator's.
    if (typeof code === 'string' && code.startsWith('ERR_SSL_')) return 'tls_error';
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

// What each TLS failure means to the person reading it, by code.
const TLS_CAUSES: ReadonlyArray<[RegExp, string]> = [
  [/ALTNAME|HOSTNAME_MISMATCH/, 'certificate for another host'],
  [/EXPIRED|NOT_YET_VALID/, 'certificate out of date'],
  [/WRONG_VERSION_NUMBER|PACKET_LENGTH|^EPROTO$/, 'the port does not speak TLS (https:// to a plain-HTTP port?)'],
  [/NO_APPLICATION_PROTOCOL/, 'no HTTP version in common (ALPN): a server that speaks only HTTP/2 needs http2: true'],
  [
    /CERTIFICATE_REQUIRED|BAD_CERTIFICATE|HANDSHAKE_FAILURE/,
    'the server refused the handshake (does it want a client certificate? tls.cert / tls.key)',
  ],
  [
    /ISSUER|SELF_SIGNED|LEAF_SIGNATURE|UNTRUSTED|UNKNOWN_CA|INVALID_CA/,
    'certificate not trusted (a private CA? a TLS-inspecting proxy?): give its root as tls.ca or NODE_EXTRA_CA_CERTS, ' +
      'or NODE_OPTIONS=--use-system-ca',
  ],
];

/**
 * describeTlsError gives one line for a failed TLS handshake: what it means and what fixes it, then
 * the code (OpenSSL's own text, long and shortened away anyway, only when the code is not known).
 */
export function describeTlsError(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    const cause = typeof code === 'string' ? TLS_CAUSES.find(([re]) => re.test(code)) : undefined;
    if (cause) return oneLine(`TLS handshake failed: ${cause[1]} (${code as string})`);
    e = (e as { cause?: unknown }).cause;
  }
  return oneLine(`TLS handshake failed — ${describeError(err)}`);
}
