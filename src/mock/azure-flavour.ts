import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { breakStream, breaksAt, type ActiveFault } from './faults.js';
import { chatCompletion, parseChatRequest, type ChatRequest } from './openai-flavour.js';
import { errorBody, type Usage } from './openai-shapes.js';
import { applyEarlyFault, json, planTokens, scheduler, unixNow, withSlot, type Ctx } from './serving.js';

// Azure OpenAI's shapes, as its REST reference (2024-10-21, Chat completions - Create) documents them and as its
// streams arrive: the same chat.completion.chunk as OpenAI, with keys in alphabetical order, a first chunk that has
// no choices but the prompt's filter results, and each choice carrying the completion's content_filter_results.

/**
 * AzureRoute is what an Azure path names: an Azure OpenAI deployment (with its api-version), Azure OpenAI's v1 API, or
 * Azure AI Foundry's model inference endpoint.
 */
export type AzureRoute = { kind: 'deployment'; deployment: string; apiVersion: string | null } | { kind: 'v1' } | { kind: 'foundry' };

const DEPLOYMENT_PATH = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/;

/**
 * azureRoute recognises POST /openai/deployments/{deployment}/chat/completions?api-version=…,
 * /openai/v1/chat/completions and /models/chat/completions.
 */
export function azureRoute(url: string): AzureRoute | null {
  const u = new URL(url, 'http://mock');
  const path = u.pathname.replace(/\/+$/, '');
  if (path === '/openai/v1/chat/completions') return { kind: 'v1' };
  if (path === '/models/chat/completions') return { kind: 'foundry' };
  const m = DEPLOYMENT_PATH.exec(path);
  return m ? { kind: 'deployment', deployment: decodeURIComponent(m[1]!), apiVersion: u.searchParams.get('api-version') } : null;
}

// Azure's own error envelope for what its gateway refuses before a model sees the request (code is a string).
const azureError = (code: string, message: string) => ({ error: { code, message } });

/**
 * azureChatCompletion serves an Azure chat completion: like Azure, 401 without an api-key (or an Entra ID bearer
 * token), 404 for a deployment path without api-version, then the OpenAI request checks (the deployment form needs no
 * model in the body), faults, and Azure OpenAI's stream (Foundry's endpoint: OpenAI's).
 */
export function azureChatCompletion(ctx: Ctx, route: AzureRoute, req: IncomingMessage, raw: string, res: ServerResponse): void {
  if (!req.headers['api-key'] && !/^Bearer \S/.test(req.headers.authorization ?? ''))
    return json(
      res,
      401,
      azureError(
        '401',
        'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an ' +
          'active subscription and use a correct regional API endpoint for your resource.',
      ),
    );
  if (route.kind === 'deployment' && !route.apiVersion) return json(res, 404, azureError('404', 'Resource not found'));
  // Foundry's endpoint streams the models it serves in OpenAI's own shape, without Azure OpenAI's filter chunks.
  if (route.kind === 'foundry') return chatCompletion(ctx, raw, res);
  const parsed = parseChatRequest(ctx, raw, route.kind === 'deployment' ? route.deployment : undefined);
  if ('error' in parsed) return json(res, 400, errorBody(parsed.error, 'invalid_request_error', null, parsed.param));
  ctx.completions++;
  const fault = ctx.faults.at(performance.now());
  if (applyEarlyFault(ctx, res, fault, 'openai')) return;
  withSlot(ctx, res, () => respond(ctx, parsed, res, fault));
}

const SAFE = { filtered: false, severity: 'safe' };
/** FILTER_RESULTS is a content filter's verdict on text that passed every category. */
export const FILTER_RESULTS = { hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: SAFE };
const PROMPT_FILTER = [{ prompt_index: 0, content_filter_results: FILTER_RESULTS }];

function respond(ctx: Ctx, parsed: ChatRequest, res: ServerResponse, fault: ActiveFault | null): void {
  const plan = planTokens(ctx, parsed.maxTokens, fault?.kind === 'slow' ? fault.extraTtftMs : 0);
  const id = `chatcmpl-azure${plan.seq.toString(36)}`;
  const created = unixNow();
  // A reasoning deployment streams no thinking: its tokens only delay the first content, and are billed in completion_tokens.
  const output = plan.reasoning + plan.content;
  const usage: Usage = { completion_tokens: output, prompt_tokens: parsed.promptTokens, total_tokens: parsed.promptTokens + output };
  const finishReason = plan.natural ? 'stop' : 'length';
  const sched = scheduler(res);
  const headers = { 'apim-request-id': `mock-${id}`, 'x-ms-region': 'Mock Region' };
  const text = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => plan.text(plan.reasoning + from + i)).join('');
  if (!parsed.stream) {
    sched.at(plan.dueAt(plan.reasoning + plan.content - 1), () => {
      if (fault && breaksAt(fault, fault.afterTokens)) return breakStream(res, fault);
      const message = { content: text(0, plan.content), refusal: null, role: 'assistant' };
      const choice = { content_filter_results: FILTER_RESULTS, finish_reason: finishReason, index: 0, logprobs: null, message };
      const body = { choices: [choice], created, id, model: parsed.model, object: 'chat.completion', prompt_filter_results: PROMPT_FILTER };
      res.setHeader('apim-request-id', headers['apim-request-id']);
      json(res, 200, { ...body, system_fingerprint: 'fp_azure_mock', usage });
    });
    return;
  }
  const send = (obj: unknown) => res.write(`data: ${JSON.stringify(obj)}\n\n`);
  const chunk = (delta: object, filter: object, finish: string | null) => ({
    choices: [{ content_filter_results: filter, delta, finish_reason: finish, index: 0, logprobs: null }],
    created,
    id,
    model: parsed.model,
    object: 'chat.completion.chunk',
    system_fingerprint: 'fp_azure_mock',
  });
  sched.at(plan.headersAt, () => {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...headers });
    // Before any choice: the prompt's filter verdict, in a chunk with no id, model or object.
    send({ choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: PROMPT_FILTER });
    send(chunk({ content: '', role: 'assistant' }, {}, null));
    let k = 0;
    const next = () => {
      if (breaksAt(fault, k)) return breakStream(res, fault);
      send(chunk({ content: plan.text(plan.reasoning + k) }, FILTER_RESULTS, null));
      k++;
      if (k < plan.content) return sched.at(plan.dueAt(plan.reasoning + k), next);
      send(chunk({}, {}, finishReason));
      if (parsed.includeUsage) send({ choices: [], created, id, model: parsed.model, object: 'chat.completion.chunk', usage });
      res.end('data: [DONE]\n\n');
    };
    sched.at(plan.dueAt(plan.reasoning), next);
  });
}
