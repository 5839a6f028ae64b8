import type { ProbeHints } from '../client/probe.js';
import { PRESETS } from '../scenario/providers.js';
import type { Target } from '../scenario/schema.js';
import { redactUrl } from '../scenario/secrets.js';
import { AZURE_API_VERSION, bedrockRegion, cloudRootOf, vertexProtocol } from './cloud-urls.js';
import { authOf, BEDROCK_KEY_ENV } from './endpoints.js';

/**
 * probeHints says, in a target's own terms, what `bakeoff probe` tells a person to check when its endpoint refuses the
 * credentials (the environment variable, or the identity a token is fetched for) or does not serve the path (the
 * deployment, model, project and location that make the URL, and the endpoint). `mocked`: the target ran on the
 * embedded mock, which stands in for its endpoint; `env` decides how a Bedrock target authenticates.
 */
export function probeHints(t: Target, mocked: boolean, env: Readonly<Record<string, string | undefined>> = {}): ProbeHints {
  return { credentials: credentialsHint(t, env), path: pathHint(t, mocked) };
}

function credentialsHint(t: Target, env: Readonly<Record<string, string | undefined>>): string {
  const names = [t.apiKeyEnv, ...Object.values(t.headersFromEnv), ...Object.values(t.queryFromEnv)].filter((n): n is string => Boolean(n));
  const auth = authOf(t, env);
  if (t.provider === 'bedrock') return bedrockCredentialsHint(t, env, auth === 'sigv4' ? undefined : names);
  if (auth === 'entra-id')
    return (
      'the Microsoft Entra ID identity DefaultAzureCredential finds (az login, AZURE_CLIENT_ID / AZURE_TENANT_ID…) ' +
      `and its role on the resource (${t.provider === 'azure-openai' ? 'Cognitive Services OpenAI User' : 'Cognitive Services User'})`
    );
  const bearer = Object.keys(t.headersFromEnv).some((h) => h.toLowerCase() === 'authorization');
  if (t.provider === 'vertex' && !t.apiKeyEnv && !bearer)
    return (
      'Application Default Credentials (gcloud auth application-default login, or GOOGLE_APPLICATION_CREDENTIALS) ' +
      `and their Vertex AI User role in project ${t.vertex?.project ?? '?'}`
    );
  if (t.provider === 'vertex') return `${names.join(', ')} (an access token lasts about an hour: print a fresh one)`;
  return names.length ? names.join(', ') : 'apiKeyEnv: this target sends no credential';
}

// Bedrock answers 403 both to credentials it does not take and to a model the account has no access to: both are named.
// `keyNames`: the variables of a Bedrock API key; undefined when the target signs with the AWS chain's credentials.
function bedrockCredentialsHint(t: Target, env: Readonly<Record<string, string | undefined>>, keyNames?: readonly string[]): string {
  const modelAccess = `, and model access to ${t.model} in region ${bedrockRegion(t)}`;
  if (keyNames) return `${keyNames.length ? keyNames.join(', ') : BEDROCK_KEY_ENV}${modelAccess}`;
  return (
    `the AWS credentials of profile ${t.bedrock?.profile ?? env.AWS_PROFILE ?? 'default'} (aws sso login, aws configure, ` +
    `AWS_ACCESS_KEY_ID…), their bedrock:InvokeModelWithResponseStream permission${modelAccess}`
  );
}

function pathHint(t: Target, mocked: boolean): string {
  const root = cloudRootOf(t) ?? t.baseUrl ?? PRESETS[t.provider].baseUrl;
  const on = mocked ? 'the embedded mock' : root === undefined ? 'its endpoint' : redactUrl(root).replace(/\/$/, '');
  switch (PRESETS[t.provider].cloud) {
    case 'azure-openai':
      return t.azure?.deployment === undefined
        ? `model "${t.model}" names a deployment on ${on} (the v1 API)`
        : `azure.deployment "${t.azure.deployment}" exists on ${on}, and serves azure.apiVersion ` +
            `${t.azure.apiVersion ?? AZURE_API_VERSION}`;
    case 'azure-ai-foundry':
      return `model "${t.model}" names a deployment on ${on}`;
    case 'vertex': {
      const where = `location ${t.vertex?.location ?? '?'} of project ${t.vertex?.project ?? '?'} (${on})`;
      return vertexProtocol(t) === 'anthropic-messages'
        ? `Claude model "${t.model}" is enabled in Model Garden and offered in ${where}`
        : `model "${t.model}" is offered in ${where}`;
    }
    case 'bedrock':
      return `model "${t.model}" has model access in Bedrock's region ${bedrockRegion(t)} (${on})`;
    default:
      return `model "${t.model}" is served at ${on}`;
  }
}
