import type { ProbeHints } from '../client/probe.js';
import { PRESETS } from '../scenario/providers.js';
import type { Target } from '../scenario/schema.js';
import { redactUrl } from '../scenario/secrets.js';
import { AZURE_API_VERSION, cloudRootOf, vertexProtocol } from './cloud-urls.js';

/**
 * probeHints says, in a target's own terms, what `bakeoff probe` tells a person to check when its endpoint refuses the
 * credentials (the environment variable, or the identity a token is fetched for) or does not serve the path (the
 * deployment, model, project and location that make the URL, and the endpoint). `mocked`: the target ran on the
 * embedded mock, which stands in for its endpoint.
 */
export function probeHints(t: Target, mocked: boolean): ProbeHints {
  return { credentials: credentialsHint(t), path: pathHint(t, mocked) };
}

function credentialsHint(t: Target): string {
  const names = [t.apiKeyEnv, ...Object.values(t.headersFromEnv), ...Object.values(t.queryFromEnv)].filter((n): n is string => Boolean(n));
  const auth = t.auth ?? PRESETS[t.provider].auth;
  if (auth === 'entra-id')
    return (
      'the Microsoft Entra ID identity DefaultAzureCredential finds (az login, AZURE_CLIENT_ID / AZURE_TENANT_ID…) ' +
      'and its role on the resource (Cognitive Services OpenAI User)'
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

function pathHint(t: Target, mocked: boolean): string {
  const root = cloudRootOf(t) ?? t.baseUrl ?? PRESETS[t.provider].baseUrl;
  const on = mocked ? 'the embedded mock' : root === undefined ? 'its endpoint' : redactUrl(root);
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
    default:
      return `model "${t.model}" is served at ${on}`;
  }
}
