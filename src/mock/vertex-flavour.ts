import type { IncomingMessage, ServerResponse } from 'node:http';
import { anthropicMessages } from './anthropic-flavour.js';
import { chatCompletion } from './openai-flavour.js';
import { json, type Ctx } from './serving.js';

/**
 * VertexRoute is what a Vertex AI path names: its OpenAI-compatible endpoint, or a Claude model of the Anthropic
 * publisher (its :streamRawPredict or :rawPredict).
 */
export type VertexRoute = { kind: 'openapi' } | { kind: 'anthropic'; model: string };

const PREFIX = '/v1/projects/[^/]*/locations/[^/]*';
const OPENAPI_PATH = new RegExp(`^${PREFIX}/endpoints/openapi/chat/completions$`);
const ANTHROPIC_PATH = new RegExp(`^${PREFIX}/publishers/anthropic/models/([^/:]+):(?:stream)?[rR]awPredict$`);

/**
 * vertexRoute recognises POST /v1/projects/{project}/locations/{location}/endpoints/openapi/chat/completions and
 * …/publishers/anthropic/models/{model}:streamRawPredict (or :rawPredict).
 */
export function vertexRoute(url: string): VertexRoute | null {
  const path = new URL(url, 'http://mock').pathname.replace(/\/+$/, '');
  if (OPENAPI_PATH.test(path)) return { kind: 'openapi' };
  const m = ANTHROPIC_PATH.exec(path);
  return m ? { kind: 'anthropic', model: decodeURIComponent(m[1]!) } : null;
}

/**
 * vertexChatCompletion serves a Vertex AI request: like Google's front end, 401 without a bearer token; then OpenAI's
 * chat completion, or Anthropic's Messages with the model taken from the path and the version from the body.
 */
export function vertexChatCompletion(ctx: Ctx, route: VertexRoute, req: IncomingMessage, raw: string, res: ServerResponse): void {
  if (!/^Bearer \S/.test(req.headers.authorization ?? ''))
    return json(res, 401, {
      error: { code: 401, message: 'Request is missing required authentication credential.', status: 'UNAUTHENTICATED' },
    });
  if (route.kind === 'openapi') return chatCompletion(ctx, raw, res);
  anthropicMessages(ctx, raw, req, res, { model: route.model });
}
