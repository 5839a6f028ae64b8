import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigMap, PersistentVolumeClaim, Pod, Secret } from 'kubernetes-models/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseScenarioText } from '../../src/scenario/load.js';
import { validateScenario } from '../../src/scenario/validate.js';

// deploy/kubernetes/ holds the manifests that run one bakeoff agent per shard as Indexed Jobs,
// one Job per agent region, and a collector that merges their run directories. Nothing here
// talks to a cluster: every document is checked against its kind's OpenAPI schema (the
// validators bundled with kubernetes-models), then against this project's own rules — never a
// retry (a re-run re-spends the API budget), non-root and read-only, keys only from the Secret,
// the shard numbers of all regions covering 0 … n-1 exactly once, the collector merging exactly
// what the agents write, and every agent given the shared --start-at. The agents' shell wrapper
// is run for real, with a stand-in for node, to see the exact command line each shard gets.
// The schemas do not reject unknown fields (the Kubernetes OpenAPI has no additionalProperties:
// false) nor require a container image, so the rules below read every field they rely on.

const DIR = join(import.meta.dirname, '../../deploy/kubernetes');

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML; shapes are checked by the validators, not the type
type Obj = Record<string, any>;

interface Manifest {
  file: string;
  doc: Obj;
}

/** MODELS maps apiVersion/kind to the kubernetes-models class that validates it; anything else is refused. */
// biome-ignore lint/suspicious/noExplicitAny: each model class takes its own resource shape
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Pod': Pod,
  'batch/v1/Job': Job,
};

/** schemaErrors validates a document against its kind's schema: '' when valid, else the validator's message. */
function schemaErrors(doc: Obj): string {
  const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (!Model) return `unknown kind ${doc.apiVersion}/${doc.kind}: add its kubernetes-models class to MODELS`;
  try {
    new Model(doc).validate();
    return '';
  } catch (err) {
    return (err as Error).message;
  }
}

function loadManifests(): { manifests: Manifest[]; kustomization: Obj } {
  const manifests: Manifest[] = [];
  let kustomization: Obj | undefined;
  for (const file of readdirSync(DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    const docs = parseAllDocuments(readFileSync(join(DIR, file), 'utf8'));
    if (!Array.isArray(docs)) throw new Error(`${file}: no YAML documents`);
    for (const d of docs) {
      if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
      if (d.warnings.length > 0) throw new Error(`${file}: ${d.warnings.map((e) => e.message).join('; ')}`);
      const doc = d.toJS() as Obj | null;
      if (doc === null) continue; // an empty document (a trailing ---)
      if (file === 'kustomization.yaml') kustomization = doc;
      else manifests.push({ file, doc });
    }
  }
  if (!kustomization) throw new Error('deploy/kubernetes/kustomization.yaml is missing');
  return { manifests, kustomization };
}

const { manifests, kustomization } = loadManifests();
const byKind = (kind: string) => manifests.filter((m) => m.doc.kind === kind).map((m) => m.doc);
const jobs = byKind('Job');
const isRegionJob = (j: Obj) => j.metadata?.labels?.['app.kubernetes.io/component'] === 'agent';
const regionJobs = jobs.filter(isRegionJob);
const collector = jobs.find((j) => j.metadata?.labels?.['app.kubernetes.io/component'] === 'collector');

function podSpecOf(doc: Obj): Obj {
  return doc.kind === 'Pod' ? doc.spec : doc.spec?.template?.spec;
}

function envOf(container: Obj): Map<string, Obj> {
  return new Map(((container.env ?? []) as Obj[]).map((e) => [e.name as string, e]));
}

/** literalEnv is a container's env entries given as plain values. */
function literalEnv(container: Obj): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, e] of envOf(container)) if (typeof e.value === 'string') out[name] = e.value;
  return out;
}

// A value that looks like a credential: a provider key prefix, a bearer token, or a long opaque string.
const KEY_LIKE = /^(sk-|sk_|sk-ant-|AIza|xai-|gsk_|Bearer\s)|^[A-Za-z0-9_-]{32,}$/;
const KEY_NAME = /KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL/i;

/** jobProblems lists what breaks this project's rules for one Job (or Pod): empty when it follows them all. */
function jobProblems(doc: Obj): string[] {
  const p: string[] = [];
  const name = doc.metadata?.name ?? '?';
  if (doc.kind === 'Job') {
    const s = doc.spec ?? {};
    if (s.completionMode !== 'Indexed') p.push(`${name}: completionMode must be Indexed`);
    if (!Number.isInteger(s.completions) || s.completions < 1) p.push(`${name}: completions must be a positive integer`);
    if (s.parallelism !== s.completions)
      p.push(`${name}: parallelism (${s.parallelism}) must equal completions (${s.completions}): every shard runs at once`);
    if (s.backoffLimit !== 0) p.push(`${name}: backoffLimit must be 0 (never re-run a load test automatically)`);
    if (!Number.isInteger(s.ttlSecondsAfterFinished)) p.push(`${name}: ttlSecondsAfterFinished must be set`);
  }
  const pod = podSpecOf(doc) ?? {};
  if (doc.kind === 'Job' && pod.restartPolicy !== 'Never') p.push(`${name}: restartPolicy must be Never (no in-place re-run)`);
  if (pod.automountServiceAccountToken !== false) p.push(`${name}: automountServiceAccountToken must be false`);
  const podSc = pod.securityContext ?? {};
  const containers = [...((pod.initContainers ?? []) as Obj[]), ...((pod.containers ?? []) as Obj[])];
  if (containers.length === 0) p.push(`${name}: no containers`);
  for (const c of containers) {
    const where = `${name}/${c.name}`;
    if (typeof c.image !== 'string' || c.image.trim() === '') p.push(`${where}: no image`);
    const sc = c.securityContext ?? {};
    if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true) p.push(`${where}: runAsNonRoot must be true`);
    if ((sc.runAsUser ?? podSc.runAsUser) !== 1000) p.push(`${where}: runAsUser must be 1000 (the image's node user)`);
    if (sc.readOnlyRootFilesystem !== true) p.push(`${where}: readOnlyRootFilesystem must be true`);
    if (sc.allowPrivilegeEscalation !== false) p.push(`${where}: allowPrivilegeEscalation must be false`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) p.push(`${where}: capabilities must drop ALL`);
    for (const kind of ['requests', 'limits']) {
      for (const r of ['cpu', 'memory']) if (c.resources?.[kind]?.[r] === undefined) p.push(`${where}: resources.${kind}.${r} must be set`);
    }
    for (const [envName, e] of envOf(c)) {
      if (typeof e.value === 'string' && (KEY_LIKE.test(e.value) || KEY_NAME.test(envName)))
        p.push(`${where}: env ${envName} has a literal value that may be a key; keys come from the bakeoff-keys Secret`);
    }
    for (const a of [...(c.command ?? []), ...(c.args ?? [])] as string[]) {
      if (/\bsk-[A-Za-z0-9]|Bearer\s+\S/.test(a)) p.push(`${where}: a command argument looks like a key`);
    }
  }
  return p;
}

/** agentProblems: an agent (region Job) gets its keys from the Secret, the shared START_AT, 2 CPUs and 1 GiB, and the mounts. */
function agentProblems(job: Obj): string[] {
  const p: string[] = [];
  const name = job.metadata?.name ?? '?';
  const pod = podSpecOf(job);
  const containers = (pod?.containers ?? []) as Obj[];
  if (containers.length !== 1) return [`${name}: an agent Job has exactly one container`];
  const c = containers[0]!;
  if (!((c.envFrom ?? []) as Obj[]).some((e) => e.secretRef?.name === 'bakeoff-keys'))
    p.push(`${name}: envFrom must include secretRef bakeoff-keys`);
  const env = envOf(c);
  const start = env.get('START_AT')?.valueFrom?.configMapKeyRef;
  if (start?.name !== 'bakeoff-schedule' || start?.key !== 'START_AT')
    p.push(`${name}: START_AT must come from ConfigMap bakeoff-schedule, key START_AT`);
  if (
    env.get('JOB_COMPLETION_INDEX')?.valueFrom?.fieldRef?.fieldPath !== "metadata.annotations['batch.kubernetes.io/job-completion-index']"
  )
    p.push(`${name}: JOB_COMPLETION_INDEX must come from the job-completion-index annotation`);
  for (const k of ['AGENT_REGION', 'SHARD_OFFSET', 'SHARD_TOTAL'])
    if (typeof env.get(k)?.value !== 'string') p.push(`${name}: env ${k} must be a literal value`);
  for (const kind of ['requests', 'limits']) {
    if (String(c.resources?.[kind]?.cpu) !== '2') p.push(`${name}: resources.${kind}.cpu must be 2`);
    if (c.resources?.[kind]?.memory !== '1Gi') p.push(`${name}: resources.${kind}.memory must be 1Gi`);
  }
  const mounts = new Map(((c.volumeMounts ?? []) as Obj[]).map((m) => [m.mountPath as string, m.name as string]));
  const volumes = new Map(((pod.volumes ?? []) as Obj[]).map((v) => [v.name as string, v]));
  if (volumes.get(mounts.get('/results') ?? '')?.persistentVolumeClaim?.claimName !== 'bakeoff-results')
    p.push(`${name}: /results must be the bakeoff-results PVC`);
  if (volumes.get(mounts.get('/scenario') ?? '')?.configMap?.name !== 'bakeoff-scenario')
    p.push(`${name}: /scenario must be the bakeoff-scenario ConfigMap`);
  return p;
}

/** shardPlan is what each agent Job claims: its region, its shard numbers (offset + 0 … completions-1) and n. */
function shardPlan(job: Obj): { region: string; shards: number[]; total: number } {
  const env = literalEnv(podSpecOf(job).containers[0]);
  const offset = Number(env.SHARD_OFFSET);
  const shards = Array.from({ length: job.spec.completions as number }, (_, i) => offset + i);
  return { region: env.AGENT_REGION ?? '', shards, total: Number(env.SHARD_TOTAL) };
}

/** layoutProblems: all agents agree on n, their shard numbers are 0 … n-1 each exactly once, and the collector merges exactly their directories. */
function layoutProblems(agents: Obj[], coll: Obj | undefined): string[] {
  const p: string[] = [];
  const plans = agents.map(shardPlan);
  const totals = new Set(plans.map((x) => x.total));
  if (totals.size !== 1) return [`the agent Jobs disagree on SHARD_TOTAL: ${[...totals].join(', ')}`];
  const n = [...totals][0]!;
  const all = plans.flatMap((x) => x.shards).sort((a, b) => a - b);
  const expected = Array.from({ length: n }, (_, i) => i);
  if (JSON.stringify(all) !== JSON.stringify(expected))
    p.push(`shard numbers ${all.join(',')} do not cover 0..${n - 1} exactly once (SHARD_TOTAL ${n})`);
  const regions = plans.map((x) => x.region);
  if (new Set(regions).size !== regions.length) p.push(`two agent Jobs share a region: ${regions.join(', ')}`);
  if (!coll) return [...p, 'no collector Job'];
  const args = (podSpecOf(coll).containers[0].args ?? []) as string[];
  if (podSpecOf(coll).containers[0].command !== undefined) p.push('the collector must use the image entrypoint (no command)');
  if (args[0] !== 'merge') p.push(`the collector must run merge, not ${args[0]}`);
  const outAt = args.indexOf('--out');
  if (outAt < 0 || args[outAt + 1] !== '/results/merged') p.push('the collector must write --out /results/merged');
  const inputs = args.slice(1).filter((a, i, list) => !a.startsWith('--') && list[i - 1] !== '--out' && list[i - 1] !== '--max-clock-skew');
  const written = plans.flatMap((x) => x.shards.map((s) => `/results/${x.region}/shard-${s}`));
  if (JSON.stringify([...inputs].sort()) !== JSON.stringify([...written].sort()))
    p.push(`the collector merges ${inputs.join(' ')} but the agents write ${written.join(' ')}`);
  return p;
}

/**
 * kubeExpand applies Kubernetes' expansion of command and args: $(VAR) becomes the variable's
 * value when the container defines it (left as is otherwise), and $$ becomes $.
 */
function kubeExpand(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name?: string) =>
    m === '$$' ? '$' : name !== undefined && name in env ? env[name]! : m,
  );
}

describe('deploy/kubernetes: every document against its kind’s schema (kubernetes-models)', () => {
  it('finds the documents it expects', () => {
    expect(manifests.map((m) => `${m.doc.kind} ${m.doc.metadata?.name}`).sort()).toEqual([
      'ConfigMap bakeoff-scenario',
      'ConfigMap bakeoff-schedule',
      'Job bakeoff-collector',
      'Job bakeoff-eu-west-1',
      'Job bakeoff-us-east-1',
      'PersistentVolumeClaim bakeoff-results',
      'Pod bakeoff-results-reader',
      'Secret bakeoff-keys',
    ]);
  });

  it.each(manifests.map((m) => [`${m.file}: ${m.doc.kind} ${m.doc.metadata?.name}`, m.doc] as const))('%s is valid', (_, doc) => {
    expect(schemaErrors(doc)).toBe('');
  });

  it('the validator is not vacuous: it rejects broken Jobs and unknown kinds', () => {
    const job = structuredClone(regionJobs[0]!);
    expect(schemaErrors(job)).toBe('');
    expect(schemaErrors({ ...job, spec: { ...job.spec, completionMode: 'Bogus' } })).toMatch(
      /completionMode must be equal to one of the allowed values/,
    );
    expect(schemaErrors({ ...job, spec: { ...job.spec, completions: 'two' } })).toMatch(/completions must be integer/);
    const nameless = structuredClone(job);
    delete nameless.spec.template.spec.containers[0].name;
    expect(schemaErrors(nameless)).toMatch(/must have required property 'name'|must have required property name/);
    const noTemplate = structuredClone(job);
    delete noTemplate.spec.template;
    expect(schemaErrors(noTemplate)).toMatch(/must have required property .?template/);
    const badRestart = structuredClone(job);
    badRestart.spec.template.spec.restartPolicy = 'Sometimes';
    expect(schemaErrors(badRestart)).toMatch(/restartPolicy must be equal to one of the allowed values/);
    expect(schemaErrors({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' } })).toMatch(
      /unknown kind apps\/v1\/Deployment/,
    );
    // A missing image passes the API schema (image is optional there) — the project's rules catch it.
    const imageless = structuredClone(job);
    delete imageless.spec.template.spec.containers[0].image;
    expect(schemaErrors(imageless)).toBe('');
    expect(jobProblems(imageless)).toContain('bakeoff-eu-west-1/agent: no image');
  });

  it('kustomization.yaml lists files that exist, and never the Secret template, the collector or the helper pod', () => {
    expect(kustomization.kind).toBe('Kustomization');
    const resources = kustomization.resources as string[];
    const files = readdirSync(DIR);
    for (const r of resources) expect(files, r).toContain(r);
    expect(resources).not.toContain('secret-keys.template.yaml'); // would overwrite the real keys with placeholders
    expect(resources).not.toContain('job-collector.yaml'); // must start after the agents finish
    expect(resources).not.toContain('pod-results-reader.yaml');
    const listed = new Set(resources);
    const agentFiles = manifests.filter((m) => m.doc.kind === 'Job' && isRegionJob(m.doc)).map((m) => m.file);
    for (const f of [...agentFiles, 'configmap-scenario.yaml', 'configmap-schedule.yaml', 'pvc-results.yaml'])
      expect(listed, f).toContain(f);
  });
});

describe('deploy/kubernetes: the project’s rules', () => {
  it('there are region agent Jobs and one collector', () => {
    expect(regionJobs.length).toBeGreaterThanOrEqual(2);
    expect(collector).toBeDefined();
    expect(jobs.length).toBe(regionJobs.length + 1);
  });

  it.each([...jobs, ...byKind('Pod')].map((d) => [d.metadata.name, d] as const))(
    '%s: Indexed, never retried, non-root, read-only, no literal keys',
    (_, doc) => {
      expect(jobProblems(doc)).toEqual([]);
    },
  );

  it.each(regionJobs.map((j) => [j.metadata.name, j] as const))(
    '%s: keys from the Secret, START_AT from the schedule, 2 CPUs / 1Gi, the mounts',
    (_, job) => {
      expect(agentProblems(job)).toEqual([]);
    },
  );

  it('shards of all regions cover 0 … n-1 exactly once, with the same n, and the collector merges exactly their directories', () => {
    expect(layoutProblems(regionJobs, collector)).toEqual([]);
    const plans = regionJobs.map(shardPlan);
    expect(plans.reduce((sum, x) => sum + x.shards.length, 0)).toBe(plans[0]!.total);
  });

  it('the rules are not vacuous: each catches its broken manifest', () => {
    const job = () => structuredClone(regionJobs[0]!);
    const retried = job();
    retried.spec.backoffLimit = 3;
    expect(jobProblems(retried).join('\n')).toMatch(/backoffLimit must be 0/);
    const partial = job();
    partial.spec.parallelism = 1;
    expect(jobProblems(partial).join('\n')).toMatch(/parallelism \(1\) must equal completions \(2\)/);
    const nonIndexed = job();
    nonIndexed.spec.completionMode = 'NonIndexed';
    expect(schemaErrors(nonIndexed)).toBe('');
    expect(jobProblems(nonIndexed).join('\n')).toMatch(/completionMode must be Indexed/);
    const root = job();
    root.spec.template.spec.containers[0].securityContext.runAsUser = 0;
    root.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
    expect(jobProblems(root).join('\n')).toMatch(/runAsUser must be 1000[\s\S]*readOnlyRootFilesystem must be true/);
    const literalKey = job();
    literalKey.spec.template.spec.containers[0].env.push({ name: 'OPENAI_API_KEY', value: 'sk-placeholder' });
    expect(jobProblems(literalKey).join('\n')).toMatch(/env OPENAI_API_KEY has a literal value that may be a key/);
    const noSecret = job();
    delete noSecret.spec.template.spec.containers[0].envFrom;
    expect(agentProblems(noSecret).join('\n')).toMatch(/envFrom must include secretRef bakeoff-keys/);
    const noStart = job();
    noStart.spec.template.spec.containers[0].env = noStart.spec.template.spec.containers[0].env.filter((e: Obj) => e.name !== 'START_AT');
    expect(agentProblems(noStart).join('\n')).toMatch(/START_AT must come from ConfigMap bakeoff-schedule/);

    const [a, b] = [structuredClone(regionJobs[0]!), structuredClone(regionJobs[1]!)];
    const setEnv = (j: Obj, name: string, value: string) =>
      (j.spec.template.spec.containers[0].env.find((e: Obj) => e.name === name).value = value);
    const others = regionJobs.slice(2);
    setEnv(b, 'SHARD_OFFSET', literalEnv(a.spec.template.spec.containers[0]).SHARD_OFFSET!); // overlapping shard numbers
    expect(layoutProblems([a, b, ...others], collector).join('\n')).toMatch(/do not cover 0\.\.\d+ exactly once/);
    const c = structuredClone(regionJobs[1]!);
    setEnv(c, 'SHARD_TOTAL', '99');
    expect(layoutProblems([regionJobs[0]!, c, ...others], collector).join('\n')).toMatch(/disagree on SHARD_TOTAL/);
    const shortCollector = structuredClone(collector!);
    shortCollector.spec.template.spec.containers[0].args = shortCollector.spec.template.spec.containers[0].args.filter(
      (x: string) => !x.endsWith('shard-0'),
    );
    expect(layoutProblems(regionJobs, shortCollector).join('\n')).toMatch(/the collector merges .* but the agents write/);
  });

  it('the Secret template holds only placeholders, and names every variable the scenario needs', () => {
    const secrets = byKind('Secret');
    expect(secrets).toHaveLength(1);
    const data = secrets[0]!.stringData as Record<string, string>;
    expect(secrets[0]!.data).toBeUndefined();
    for (const [k, v] of Object.entries(data)) expect(v, k).toBe('replace-me');
    const scenarioText = byKind('ConfigMap').find((c) => c.metadata.name === 'bakeoff-scenario')!.data['scenario.yaml'] as string;
    const parsed = parseScenarioText(scenarioText, 'yaml');
    expect(parsed.ok).toBe(true);
    const needed = ((parsed as { doc: Obj }).doc.targets as Obj[])
      .flatMap((t) => [t.apiKeyEnv, ...Object.values(t.headersFromEnv ?? {}), ...Object.values(t.queryFromEnv ?? {})])
      .filter(Boolean);
    expect(needed.length).toBeGreaterThan(0);
    for (const v of needed) expect(Object.keys(data), `${v} (named by the scenario) is not in the Secret template`).toContain(v);
  });

  it('the ConfigMap scenario is a valid bakeoff scenario with no key in it', () => {
    const cm = byKind('ConfigMap').find((c) => c.metadata.name === 'bakeoff-scenario')!;
    expect(Object.keys(cm.data)).toEqual(['scenario.yaml']);
    const parsed = parseScenarioText(cm.data['scenario.yaml'], 'yaml');
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const v = validateScenario(parsed.doc);
    if (!v.ok) throw new Error(v.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
    expect(cm.data['scenario.yaml']).not.toMatch(/\bsk-[A-Za-z0-9]|Bearer\s+\S/);
  });

  it('the schedule ConfigMap defines START_AT, as a placeholder that is not a time', () => {
    const schedule = byKind('ConfigMap').find((c) => c.metadata.name === 'bakeoff-schedule')!;
    expect(schedule.data.START_AT).toBe('replace-me');
    expect(Number.isNaN(Date.parse(schedule.data.START_AT))).toBe(true);
  });

  it('the PVC the Jobs mount is defined and shared by every agent (ReadWriteMany)', () => {
    const pvc = byKind('PersistentVolumeClaim');
    expect(pvc.map((x) => x.metadata.name)).toEqual(['bakeoff-results']);
    expect(pvc[0]!.spec.accessModes).toEqual(['ReadWriteMany']);
  });
});

describe('deploy/kubernetes: the agents’ command line, run through their shell wrapper', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bakeoff-deploy-'));
    // Stands in for node: records its arguments one per line, exits with STUB_CODE; with
    // STUB_SLOW it runs until a TERM, then exits 130 as bakeoff does.
    writeFileSync(
      join(dir, 'node'),
      [
        '#!/bin/sh',
        'printf \'%s\\n\' "$@" > "$ARGS_FILE"',
        'if [ -n "${STUB_SLOW:-}" ]; then',
        '  trap \'kill "$p" 2>/dev/null; echo TERM > "$ARGS_FILE.term"; exit 130\' TERM',
        '  sleep 30 & p=$!',
        '  touch "$ARGS_FILE.started"',
        '  wait "$p"',
        'fi',
        'exit "${STUB_CODE:-0}"',
        '',
      ].join('\n'),
    );
    chmodSync(join(dir, 'node'), 0o755);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const START_AT = '2030-01-02T03:04:05.000Z';

  /** runShard runs an agent's container as Kubernetes would start it (args expanded, then command + args), with the stand-in node. */
  function container(job: Obj, index: number, extraEnv: Record<string, string> = {}) {
    const c = podSpecOf(job).containers[0];
    const argv = [...(c.command as string[]), ...(c.args as string[])].map((a) => kubeExpand(a, literalEnv(c)));
    expect(argv.slice(0, 2)).toEqual(['sh', '-c']);
    const argsFile = join(dir, `args-${job.metadata.name}-${index}`);
    const env = {
      PATH: `${dir}:${process.env.PATH}`,
      ARGS_FILE: argsFile,
      ...literalEnv(c),
      JOB_COMPLETION_INDEX: String(index),
      START_AT,
      ...extraEnv,
    };
    return { argv, argsFile, env };
  }

  function runShard(job: Obj, index: number, stubCode = 0): { code: number | null; argv: string[]; stdout: string; stderr: string } {
    const { argv, argsFile, env } = container(job, index, { STUB_CODE: String(stubCode) });
    const res = spawnSync(argv[0]!, argv.slice(1), { env, encoding: 'utf8', timeout: 10_000 });
    const recorded = readFileSync(argsFile, 'utf8').split('\n').slice(0, -1);
    return { code: res.status, argv: recorded, stdout: res.stdout, stderr: res.stderr };
  }

  it('every index of every region runs its global shard with the shared --start-at, and writes where the collector reads', () => {
    const outs: string[] = [];
    for (const job of regionJobs) {
      const { region, shards, total } = shardPlan(job);
      for (let index = 0; index < job.spec.completions; index++) {
        const r = runShard(job, index);
        expect(r.code, r.stderr).toBe(0);
        const shard = shards[index]!;
        expect(r.argv).toEqual([
          '/app/dist/cli/main.js',
          'run',
          '/scenario/scenario.yaml',
          '--shard',
          `${shard}/${total}`,
          '--agent-region',
          region,
          '--start-at',
          START_AT,
          '--out',
          `/results/${region}/shard-${shard}`,
          '--yes',
          '--quiet',
        ]);
        expect(r.stdout).toContain(`shard ${shard}/${total} (${region}) exited 0`);
        outs.push(`/results/${region}/shard-${shard}`);
      }
    }
    const collectorArgs = podSpecOf(collector!).containers[0].args as string[];
    expect(collectorArgs.filter((a) => a.startsWith('/results/') && a !== '/results/merged').sort()).toEqual(outs.sort());
  });

  it.each([
    [0, 0],
    [3, 0], // thresholds breached: results written, mergeable
    [5, 0], // run invalid: results written, marked invalid, mergeable
    [7, 0], // no successful request in this shard: results written, mergeable (the merge judges the whole)
    [1, 1],
    [2, 2],
    [130, 130],
  ])('bakeoff exiting %i: the pod exits %i', (stub, pod) => {
    const r = runShard(regionJobs[0]!, 0, stub);
    expect(r.code).toBe(pod);
    expect(r.stdout).toContain(`exited ${stub}`);
  });

  it('a TERM to the container (the pod being stopped) reaches bakeoff, and the pod exits with its code, 130', async () => {
    const { argv, argsFile, env } = container(regionJobs[0]!, 1, { STUB_SLOW: '1' });
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = once(child, 'exit');
    for (let waited = 0; !existsSync(`${argsFile}.started`); waited += 50) {
      if (waited > 10_000) throw new Error('the stand-in bakeoff did not start');
      await sleep(50);
    }
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(130);
    expect(readFileSync(`${argsFile}.term`, 'utf8')).toBe('TERM\n');
    expect(stdout).toMatch(/exited 130/);
  });
});
