import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

// A server's check of an AWS Signature Version 4, independent of whoever signed: the request is rebuilt from what
// arrived (only the headers the signature names), signed again with the secret by AWS's own signer, and the two
// signatures compared. A test uses it to show that a client's request, as a server received it, is validly signed.

/** SignedRequest is a request as a server received it: `path` with its query, exactly as on the request line. */
export interface SignedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string | Uint8Array;
}

/** AwsCredentials are the keys the verifier signs with (the server's copy of the secret). */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** SigV4Verdict says whether a signature holds, and if not, why. */
export type SigV4Verdict = { ok: true } | { ok: false; why: string };

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^,\s]+), ?SignedHeaders=([^,\s]+), ?Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/**
 * verifySigV4 checks a request's SigV4 signature: the Authorization header's credential scope (key id, the date of
 * x-amz-date, region, service), the body against a declared x-amz-content-sha256, and the signature itself, made again
 * from the signed headers, the path, the query and the body.
 */
export async function verifySigV4(
  req: SignedRequest,
  credentials: AwsCredentials,
  scope: { service: string; region: string },
): Promise<SigV4Verdict> {
  const fail = (why: string): SigV4Verdict => ({ ok: false, why });
  const header = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v.join(',') : v;
  };
  const m = AUTH.exec(header('authorization') ?? '');
  if (!m) return fail('no AWS4-HMAC-SHA256 Authorization header with Credential, SignedHeaders and Signature');
  const [keyId, day, region, service, terminator] = m[1]!.split('/');
  if (keyId !== credentials.accessKeyId) return fail(`credential names key ${keyId}, not ${credentials.accessKeyId}`);
  if (region !== scope.region) return fail(`credential scope's region is ${region}, not ${scope.region}`);
  if (service !== scope.service) return fail(`credential scope's service is ${service}, not ${scope.service}`);
  if (terminator !== 'aws4_request') return fail('credential scope does not end in aws4_request');
  const amzDate = header('x-amz-date') ?? '';
  const d = AMZ_DATE.exec(amzDate);
  if (!d) return fail('no x-amz-date header in the form YYYYMMDDTHHMMSSZ');
  if (amzDate.slice(0, 8) !== day) return fail(`credential scope's date ${day} is not x-amz-date's day`);
  const signedNames = m[2]!.split(';');
  if (!signedNames.includes('host')) return fail('host is not among the signed headers');
  const headers: Record<string, string> = {};
  for (const name of signedNames) {
    const v = header(name);
    if (v === undefined) return fail(`signed header ${name} is not in the request`);
    headers[name] = v;
  }
  const body = typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : req.body;
  // The signer takes a declared payload hash on trust, so the body is held to it here.
  const declared = headers['x-amz-content-sha256'];
  if (declared !== undefined && declared !== createHash('sha256').update(body).digest('hex'))
    return fail('x-amz-content-sha256 is not the hash of the body');
  const [path, search = ''] = req.path.split('?', 2) as [string, string?];
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(search)) {
    const had = query[k];
    query[k] = had === undefined ? v : [...(Array.isArray(had) ? had : [had]), v];
  }
  const signer = new SignatureV4({
    service: scope.service,
    region: scope.region,
    credentials,
    sha256: Hash.bind(null, 'sha256'),
    // Add no payload-hash header the client did not sign.
    applyChecksum: declared !== undefined,
  });
  const signingDate = new Date(Date.UTC(+d[1]!, +d[2]! - 1, +d[3]!, +d[4]!, +d[5]!, +d[6]!));
  const request = { method: req.method.toUpperCase(), protocol: 'http:', hostname: headers.host!, path, query, headers, body };
  const again = AUTH.exec(String((await signer.sign(request, { signingDate })).headers.authorization ?? ''));
  if (!again) return fail('the signer made no Authorization header');
  if (again[2] !== m[2]) return fail(`signed headers differ: sent ${m[2]}, made again ${again[2]}`);
  return again[3] === m[3] ? { ok: true } : fail('signature does not match the request');
}
