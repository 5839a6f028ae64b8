import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { awsCredentialChain, sigv4Auth } from '../../src/runner/aws-sigv4.js';

// The AWS credential chain as a Bedrock target uses it: the real @aws-sdk/credential-providers, fed by the environment
// and by a shared-config profile in temporary files. The instance metadata service is disabled, so no lookup leaves the
// machine whatever the chain tries.

const saved = { ...process.env };
let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bakeoff-aws-'));
  for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
  process.env.AWS_CONFIG_FILE = join(dir, 'config');
  writeFileSync(join(dir, 'config'), '');
  writeFileSync(join(dir, 'credentials'), '[bakeoff]\naws_access_key_id = AKIDPROFILEKEY\naws_secret_access_key = profile-secret-key\n');
});
afterEach(() => {
  process.env = { ...saved };
  rmSync(dir, { recursive: true, force: true });
});

describe('awsCredentialChain', () => {
  it('reads the environment first', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDENVKEY';
    process.env.AWS_SECRET_ACCESS_KEY = 'env-secret-key';
    process.env.AWS_SESSION_TOKEN = 'env-session-token';
    const provider = await awsCredentialChain();
    expect(await provider()).toMatchObject({
      accessKeyId: 'AKIDENVKEY',
      secretAccessKey: 'env-secret-key',
      sessionToken: 'env-session-token',
    });
  });

  it("reads the block's profile from the shared credentials file", async () => {
    const provider = await awsCredentialChain('bakeoff');
    expect(await provider()).toMatchObject({ accessKeyId: 'AKIDPROFILEKEY', secretAccessKey: 'profile-secret-key' });
  });

  it('fails before any traffic, saying what to set, when the profile does not exist', async () => {
    await expect(awsCredentialChain('nobody')).rejects.toThrow(
      /^no AWS credentials for Bedrock \(profile nobody\): .*AWS_BEARER_TOKEN_BEDROCK/,
    );
  });
});

describe('sigv4Auth', () => {
  it('signs with the host undici sends (not passed on), x-amz-date, the session token; the token is a secret to scrub', async () => {
    const auth = sigv4Auth(
      async () => ({ accessKeyId: 'AKIDX', secretAccessKey: 'secret-x', sessionToken: 'session-token-x' }),
      'ap-southeast-1',
    );
    const headers = await auth.sign!({
      method: 'POST',
      url: new URL('http://127.0.0.1:8443/model/a%3A0/converse-stream'),
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(headers.host).toBeUndefined();
    expect(headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(headers['x-amz-security-token']).toBe('session-token-x');
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDX\/\d{8}\/ap-southeast-1\/bedrock\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
    expect(auth.secrets()).toEqual(['session-token-x']);
  });
});
