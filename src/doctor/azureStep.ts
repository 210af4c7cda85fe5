// Step 8, Azure: when signed in and the deployment exists there, its state, the explanation of its
// failure (ARM activity log -> azure/explain.ts), the diagnosis of its logs (getLogs -> the log engine)
// and what differs from the local run (image, environment, instance type, request timeout...).
import * as path from 'node:path';
import type { AzureClient } from '../azure/client';
import { toAzureError, type AzureError, type AzureErrorKind } from '../azure/errors';
import { explainDeploymentError } from '../azure/explain';
import type { LogContainer, OnlineDeploymentInfo, WorkspaceRef } from '../azure/types';
import * as l10n from '../common/l10n';
import { diagnoseText } from './diagnosis';
import { evidence, fieldLabel, type AzureDetails, type EvidenceItem } from './report';
import type { StepContext, StepOutcome } from './steps';

export interface AzureAccess {
  client: AzureClient;
  /** Look only in this workspace; otherwise the account's subscriptions and workspaces are searched (bounded). */
  workspace?: WorkspaceRef;
  /** The deployment itself, when the run started from it (the Deployments tree). */
  deployment?: OnlineDeploymentInfo;
  /** Log lines fetched per container (getLogs tail). */
  logTail?: number;
  /** The image of a registered environment; environment resolution plugs in here. Absent: shown as not resolved. */
  environmentImage?(ref: WorkspaceRef, environmentId: string, signal: AbortSignal): Promise<string | undefined>;
}

const LIMITS = { subscriptions: 20, workspaces: 50 };

/**
 * The Azure client lives in its own bundle (dist/azure.js), so its AzureError is another class than ours:
 * recognised by name and shape; anything else is mapped the usual way.
 */
function azureError(err: unknown, what: string): AzureError {
  const e = err as AzureError | undefined;
  return e?.name === 'AzureError' && typeof e.kind === 'string' ? e : toAzureError(err, what);
}

function isKind(err: unknown, ...kinds: AzureErrorKind[]): boolean {
  return kinds.includes(azureError(err, 'read Azure').kind);
}
const FAILED_STATES = new Set(['failed', 'canceled', 'cancelled']);

/** Finds endpoint/deployment in the workspace given, or across the account (first match). */
export async function findAzureDeployment(access: AzureAccess, endpoint: string, deployment: string, signal: AbortSignal): Promise<OnlineDeploymentInfo | undefined> {
  const c = access.client;
  let workspaces: WorkspaceRef[];
  if (access.workspace) workspaces = [access.workspace];
  else {
    workspaces = [];
    for (const sub of (await c.listSubscriptions(signal)).slice(0, LIMITS.subscriptions)) {
      try {
        workspaces.push(...(await c.listWorkspaces(sub.id, signal)));
      } catch (err) {
        if (isKind(err, 'forbidden', 'notFound')) continue; // a subscription we may not read
        throw err;
      }
      if (workspaces.length >= LIMITS.workspaces) break;
    }
  }
  for (const ws of workspaces.slice(0, LIMITS.workspaces)) {
    let eps;
    try {
      eps = await c.listOnlineEndpoints(ws, signal);
    } catch (err) {
      if (isKind(err, 'forbidden', 'notFound')) continue;
      throw err;
    }
    const ep = eps.find((e) => e.name === endpoint);
    if (!ep) continue;
    const dep = (await c.listOnlineDeployments(ws, ep, signal)).find((d) => d.name === deployment);
    if (dep) return dep;
  }
  return undefined;
}

/** "PT5S", "PT1M30S", "PT0.5S" -> milliseconds. */
export function isoDurationMs(text: string | undefined): number | undefined {
  const m = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(text?.trim() ?? '');
  if (!m || !text || /^PT?$/i.test(text.trim())) return undefined;
  const [d, h, min, s] = [m[1], m[2], m[3], m[4]].map((x) => Number(x ?? 0));
  return Math.round(((d! * 24 + h!) * 60 + min!) * 60_000 + s! * 1000);
}

/** ".../environments/<name>/versions/<v>" or "azureml:<name>:<v>" -> "<name>:<v>". */
export function assetName(id: string | undefined, kind: 'environments' | 'models'): string | undefined {
  if (!id) return undefined;
  const m = new RegExp(`/${kind}/([^/]+)/versions/([^/]+)`, 'i').exec(id);
  if (m) return `${m[1]}:${m[2]}`;
  const short = /^azureml:(.+)$/i.exec(id.trim());
  return short ? short[1]!.replace(/@latest$/, ':latest') : id;
}

const notSet = () => l10n.t({ message: 'not set', comment: ['a deployment setting with no value'] });

function row(field: string, local: string | undefined, azure: string | undefined, same?: (a: string, b: string) => boolean): AzureDetails['differences'][number] {
  const differs = local === undefined || azure === undefined ? null : !(same ? same(local, azure) : local.toLowerCase() === azure.toLowerCase());
  return { field, local: local ?? notSet(), azure: azure ?? notSet(), differs };
}

export async function azureStep(ctx: StepContext, access: AzureAccess): Promise<StepOutcome> {
  const p = ctx.project;
  const endpoint = access.deployment?.endpoint ?? p.config.endpoint;
  const name = access.deployment?.name ?? p.config.deployment;
  let dep: OnlineDeploymentInfo | undefined;
  try {
    ctx.progress(l10n.t('Looking for {0} in Azure', `${endpoint}/${name}`));
    dep = access.deployment ?? (await findAzureDeployment(access, endpoint, name, ctx.signal));
  } catch (err) {
    const e = azureError(err, l10n.t({ message: 'find {0}', args: [`${endpoint}/${name}`], comment: ['an operation, completing an Azure error message such as "No permission to ..."'] }));
    if (e.kind === 'cancelled' || ctx.signal.aborted) throw e;
    return { status: 'skipped', summary: l10n.t('Azure could not be read: {0}', e.message), skip: { kind: 'unavailable', message: e.message }, fix: e.kind === 'signedOut' || e.kind === 'unauthenticated' ? [l10n.t('Sign in to Azure again (AML Deploy Doctor: Sign in to Azure, or az login).')] : [] };
  }
  if (!dep) {
    const where = access.workspace ? l10n.t('workspace {0}', access.workspace.workspace) : l10n.t('the workspaces of this account');
    return {
      status: 'skipped',
      summary: l10n.t('There is no online deployment {0} in {1}.', `${endpoint}/${name}`, where),
      skip: { kind: 'unavailable', message: l10n.t('{0} is not deployed in {1}', `${endpoint}/${name}`, where) },
    };
  }
  const c = access.client;
  const details: AzureDetails = { kind: 'azure', workspace: `${dep.ref.workspace} (${dep.ref.resourceGroup})`, endpoint: dep.endpoint, deployment: dep.name, state: dep.provisioningState, explanations: [], logs: [], differences: [] };
  const ev: EvidenceItem[] = [];
  const fix: string[] = [];
  const notes: string[] = [];
  let link: StepOutcome['link'];
  let docs: string | undefined;
  const state = dep.provisioningState ?? 'unknown';
  const failedState = FAILED_STATES.has(state.toLowerCase());

  // Why it failed: the control plane's error, explained.
  if (state.toLowerCase() !== 'succeeded') {
    ctx.progress(l10n.t('Reading the activity log'));
    try {
      const failures = await c.listOperationFailures(dep.ref.subscriptionId, dep.id, 30, ctx.signal);
      const seen = new Set<string>();
      for (const f of failures.slice(0, 5)) {
        ev.push(evidence(`${f.operation}${f.code ? ` (${f.code})` : ''}: ${f.message}`, 'azure'));
        for (const e of explainDeploymentError(`${f.code ?? ''}: ${f.message}`)) {
          if (seen.has(e.id)) continue;
          seen.add(e.id);
          details.explanations.push({ id: e.id, title: e.title });
          fix.push(...e.fixes);
        }
      }
    } catch (err) {
      const e = azureError(err, l10n.t({ message: 'read the activity log', comment: ['an operation, completing an Azure error message such as "No permission to ..."'] }));
      if (e.kind === 'cancelled') throw e;
      notes.push(l10n.t('The activity log could not be read: {0}', e.message));
    }
  }

  // What its containers said.
  for (const container of ['InferenceServer', 'StorageInitializer'] as LogContainer[]) {
    ctx.progress(container === 'InferenceServer' ? l10n.t('Reading the inference server log') : l10n.t('Reading the storage initializer log'));
    let text: string;
    try {
      text = await c.getDeploymentLogs(dep.ref, dep.endpoint, dep.name, { container, tail: access.logTail ?? 300 }, ctx.signal);
    } catch (err) {
      const e = azureError(err, l10n.t({ message: 'read the {0} log', args: [container], comment: ['an operation, completing an Azure error message such as "No permission to ..."'] }));
      if (e.kind === 'cancelled') throw e;
      notes.push(l10n.t('The {0} log could not be read: {1}', container, e.message));
      continue;
    }
    const d = diagnoseText(text, p.config.sourceDir);
    if (!d.recognised) continue;
    details.logs.push({ container, id: d.id, category: d.category, title: d.title });
    ev.push(...d.evidence.map((e) => ({ ...e, text: `[${container}] ${e.text}` })));
    fix.push(...d.fix);
    link ??= d.link;
    docs ??= d.docs;
  }

  // What differs from the local run.
  const localImage = ctx.state.image?.image ?? (p.config.baseImage || undefined);
  const azureImage = dep.environment && access.environmentImage ? await access.environmentImage(dep.ref, dep.environment, ctx.signal).catch(() => undefined) : undefined;
  const azureEnv = assetName(dep.environment, 'environments');
  const localEnv = p.environmentRef ? assetName(p.environmentRef, 'environments') : p.config.condaFile ? l10n.t('conda file {0}', path.basename(p.config.condaFile)) : p.requirementsFile ? path.basename(p.requirementsFile) : undefined;
  const localModel = p.modelRef ? assetName(p.modelRef, 'models') : p.config.modelName ? `${p.config.modelName}:${p.config.modelVersion ?? '1'}` : undefined;
  details.differences = [
    azureImage ? row('image', localImage, azureImage) : { field: 'image', local: localImage ?? notSet(), azure: azureEnv ? l10n.t('from environment {0} (not resolved here)', azureEnv) : notSet(), differs: null },
    // A local conda file against a registered environment cannot be compared without that environment's files.
    p.environmentRef ? row('environment', localEnv, azureEnv) : { field: 'environment', local: localEnv ?? notSet(), azure: azureEnv ?? notSet(), differs: null },
    row('instance type', p.instanceType, dep.instanceType),
    row('instance count', p.instanceCount?.toString(), dep.instanceCount?.toString()),
    row('request timeout', `${p.requestTimeoutMs} ms`, isoDurationMs(dep.requestTimeout) !== undefined ? `${isoDurationMs(dep.requestTimeout)} ms` : dep.requestTimeout),
    row('max concurrent requests per instance', String(p.maxConcurrentRequests), dep.maxConcurrentRequestsPerInstance?.toString()),
    row('model', localModel, assetName(dep.model, 'models')),
  ];
  const differing = details.differences.filter((d) => d.differs);
  for (const d of differing) notes.push(l10n.t('{0}: locally {1}, in Azure {2}.', fieldLabel(d.field), d.local, d.azure));
  if (!p.environmentRef && azureEnv && localEnv) notes.push(l10n.t('The local run used {0}; Azure runs the environment {1}: compare its conda file ({2}).', localEnv, azureEnv, `az ml environment show --name ${azureEnv.split(':')[0]}`));

  const explained = details.explanations.map((e) => e.title);
  const logSaid = details.logs.map((l) => l.title);
  const where = `${dep.endpoint}/${dep.name}`;
  if (failedState) {
    const why = explained[0] ?? logSaid[0];
    return {
      status: 'failed',
      summary: why ? l10n.t('{0} in {1} is {2}: {3}.', where, dep.ref.workspace, state, why) : l10n.t('{0} in {1} is {2}.', where, dep.ref.workspace, state),
      evidence: ev,
      fix: [...new Set(fix.length ? fix : [l10n.t('Read the deployment logs (az ml online-deployment get-logs) and the activity log for the failed operation.')])],
      link,
      docs,
      notes,
      details,
    };
  }
  if (logSaid.length) notes.unshift(l10n.t('Its logs show: {0}.', logSaid.join('; ')));
  return {
    status: 'passed',
    summary: differing.length
      ? l10n.t('{0} in {1} is {2}; {3} setting(s) differ from the local run.', where, dep.ref.workspace, state, differing.length)
      : l10n.t('{0} in {1} is {2}.', where, dep.ref.workspace, state),
    evidence: ev,
    fix: [],
    notes,
    details,
  };
}
