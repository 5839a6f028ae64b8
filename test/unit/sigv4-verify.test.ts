import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySigV4, type SignedRequest } from '../support/sigv4-verify.js';
import { startStubServer, type StubServer } from '../support/stub-server.js';

// The verifier against the official AWS SDK's signer: a request BedrockRuntimeClient signed, as a loopback server
// received it, verifies; the same request with one byte of its body changed, checked with another secret, or for
// another region, does not.

process.env.AWS_EC2_METADATA_DISABLED = 'true';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const scope = { service: 'bedrock', region: 'us-east-1' };
const REPLY = {
  output: { message: { role: 'assistant', content: [{ text: 'hi' }] } },
  stopReason: 'end_turn',
  usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
  metrics: { latencyMs: 1 },
};

describe('verifySigV4', () => {
  let stub: StubServer;
  let sent: SignedRequest;
  beforeAll(async () => {
    stub = await startStubServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(REPLY));
    });
    const client = new BedrockRuntimeClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${stub.port}`,
      credentials,
      maxAttempts: 1,
      // HTTP/1.1: the SDK's default handler speaks HTTP/2, which a plain-text loopback server does not.
      requestHandler: new NodeHttpHandler(),
    });
    await client.send(
      new ConverseCommand({
        // A ':' in the id: percent-encoded in the path, and encoded again in the canonical request.
        modelId: 'us.anthropic.claude-3-5-sonnet-20241022-v2:0',
        messages: [{ role: 'user', content: [{ text: 'Sign this, please.' }] }],
        inferenceConfig: { maxTokens: 5 },
      }),
    );
    client.destroy();
    const r = stub.requests[0]!;
    sent = { method: r.method, path: r.url, headers: r.headers, body: r.body };
  });
  afterAll(() => stub?.close());

  it('accepts the request the SDK signed, as the server received it', async () => {
    expect(sent.path).toBe('/model/us.anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse');
    expect(sent.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request/);
    expect(await verifySigV4(sent, credentials, scope)).toEqual({ ok: true });
  });

  it('refuses the same request with one body byte changed', async () => {
    const body = sent.body.toString().replace('Sign this', 'Sign thiS');
    expect(await verifySigV4({ ...sent, body }, credentials, scope)).toMatchObject({ ok: false });
  });

  it('refuses it under another secret, another region or another path', async () => {
    const wrongSecret = await verifySigV4(sent, { ...credentials, secretAccessKey: `${credentials.secretAccessKey}x` }, scope);
    expect(wrongSecret).toEqual({ ok: false, why: 'signature does not match the request' });
    const wrongRegion = await verifySigV4(sent, credentials, { ...scope, region: 'us-west-2' });
    expect(wrongRegion).toMatchObject({ ok: false, why: expect.stringContaining('region') });
    const otherPath = await verifySigV4({ ...sent, path: sent.path.replace('converse', 'converse-stream') }, credentials, scope);
    expect(otherPath).toEqual({ ok: false, why: 'signature does not match the request' });
  });

  it('refuses a request whose signed header was dropped or changed on the way', async () => {
    const { 'x-amz-date': _, ...undated } = sent.headers;
    expect(await verifySigV4({ ...sent, headers: undated }, credentials, scope)).toMatchObject({ ok: false });
    const moved = { ...sent.headers, host: 'bedrock-runtime.us-east-1.amazonaws.com' };
    expect(await verifySigV4({ ...sent, headers: moved }, credentials, scope)).toMatchObject({ ok: false });
  });
});
