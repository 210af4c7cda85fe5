// "AML Deploy Doctor: Run Doctor": on a deployment YAML, an SDK v1 deployment script or an entry script
// (explorer / editor context menus, the palette), or on a deployment in the tree (a local deployment's
// recorded configuration; an Azure deployment, with the local project whose YAML names it). Progress per
// step in a cancellable notification, the report in a webview. Restricted Mode runs steps 1-3 only.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { OnlineDeploymentInfo } from '../azure/types';
import { DockerodeClient } from '../docker/client';
import { CONFIG_JSON_LABEL, type LocalDeployConfig } from '../docker/localDeploy';
import { lazyRequire } from '../common/lazyRequire';
import type { AzureAccess } from '../doctor/azureStep';
import type { DoctorCapabilities, DoctorOptions } from '../doctor/engine';
import type { DoctorModule } from '../doctor/index';
import type { DoctorProject, ProjectDefaults } from '../doctor/project';
import { registerCommand } from '../host/commands';
import type { ExtensionServices } from '../host/services';
import { readSettings, setting } from '../host/settings';
import type { AzureNode } from './azureSection';
import type { DockerNode } from './dockerSection';
import { runtimeMessage } from '../logs/runtimeFindings';
import type { DoctorReport } from '../doctor/report';
import { DoctorPanel } from './doctorPanel';
import { environmentLookupFor, environmentOptions } from './environmentAccess';
import { deploymentYamls, yamlFor } from './workspaceDeployments';

interface DoctorSettings {
  defaults: ProjectDefaults;
  readinessTimeoutMs: number;
  burstRequests: number;
  burstConcurrency: number;
  keepContainer: boolean;
}

function doctorSettings(): DoctorSettings {
  // Through the trust-aware reader: an untrusted workspace's values of restricted settings are ignored.
  const clamp = (v: number, min: number, max: number) => Math.min(max, Math.max(min, Math.round(v)));
  return {
    defaults: {
      // As for Deploy Locally: what the deployment names wins, the setting is only the fallback.
      fallbackImage: setting('amlDoctor.localDeploy.baseImage', '') || undefined,
      memoryGb: setting('amlDoctor.localDeploy.memoryGb', 0) || undefined,
    },
    readinessTimeoutMs: Math.max(5, setting('amlDoctor.localDeploy.readinessTimeoutSeconds', 120)) * 1000,
    burstRequests: clamp(setting('amlDoctor.doctor.burstRequests', 50), 1, 500),
    burstConcurrency: clamp(setting('amlDoctor.doctor.burstConcurrency', 4), 1, 32),
    keepContainer: setting('amlDoctor.doctor.keepContainer', false),
  };
}

interface Target {
  project: DoctorProject;
  label: string;
  /** An Azure deployment the run started from. */
  azureDeployment?: OnlineDeploymentInfo;
  /** Steps 1-7 cannot run (an Azure deployment with no local project). */
  localUnavailable?: string;
}

/** The engine and the analysis it uses are their own bundle (dist/doctor.js), loaded on the first run. */
function doctor(): DoctorModule {
  return lazyRequire<DoctorModule>('doctor.js', '../doctor/index');
}

async function pickTarget(): Promise<vscode.Uri> {
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active?.scheme === 'file' && /\.(ya?ml|py)$/i.test(active.fsPath)) return active;
  const yamls = await deploymentYamls();
  const scripts = await vscode.workspace.findFiles('**/score*.py', '**/{node_modules,.git,.venv,venv}/**', 50);
  const items = [...yamls.map((u) => ({ label: `$(file) ${vscode.workspace.asRelativePath(u)}`, description: 'deployment YAML', uri: u })), ...scripts.map((u) => ({ label: `$(file-code) ${vscode.workspace.asRelativePath(u)}`, description: 'entry script', uri: u }))];
  if (!items.length) throw new Error('No deployment YAML or entry script (score*.py) in the workspace: open one and run the doctor on it.');
  const pick = await vscode.window.showQuickPick(items, { placeHolder: 'Run the doctor on which deployment?' });
  if (!pick) throw new vscode.CancellationError();
  return pick.uri;
}

async function resolveTarget(arg: unknown, defaults: ProjectDefaults): Promise<Target> {
  const docker = arg as DockerNode | undefined;
  if (docker?.section === 'docker' && docker.kind === 'container') {
    const raw = docker.node.container.labels[CONFIG_JSON_LABEL];
    if (!raw) throw new Error(`${docker.node.name} was not made by "Deploy Locally": run the doctor on its deployment YAML or entry script instead.`);
    let config: LocalDeployConfig;
    try {
      config = JSON.parse(raw) as LocalDeployConfig;
    } catch {
      throw new Error(`${docker.node.name} carries an unreadable configuration label: run the doctor on its deployment YAML instead.`);
    }
    if (typeof config?.sourceDir !== 'string' || typeof config.entryScript !== 'string') throw new Error(`${docker.node.name}'s recorded configuration names no source folder.`);
    return { project: doctor().projectFromLocalConfig(config, defaults), label: docker.node.name };
  }
  const azure = arg as AzureNode | undefined;
  if (azure?.section === 'azure' && 'dep' in azure && azure.dep) {
    const dep = azure.dep;
    const yaml = await yamlFor(dep.endpoint, dep.name);
    if (yaml) return { project: doctor().readDeploymentYaml(yaml.fsPath, defaults), label: `${dep.endpoint}/${dep.name}`, azureDeployment: dep };
    const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
    const project: DoctorProject = {
      target: { kind: 'azure-deployment', name: `${dep.endpoint}/${dep.name}` },
      config: { endpoint: dep.endpoint, deployment: dep.name, sourceDir: root, entryScript: '', baseImage: '', port: 0 },
      entryScript: '',
      requestTimeoutMs: 5000,
      maxConcurrentRequests: 1,
      notes: [`No deployment YAML in the workspace names endpoint_name ${dep.endpoint} and name ${dep.name}: only Azure was examined.`],
    };
    return { project, label: `${dep.endpoint}/${dep.name}`, azureDeployment: dep, localUnavailable: `no local project for ${dep.endpoint}/${dep.name} in this workspace` };
  }
  const uri = arg instanceof vscode.Uri ? arg : await pickTarget();
  return { project: await doctor().readTarget(uri.fsPath, defaults), label: path.basename(uri.fsPath) };
}

export function registerDoctorFeatures(services: ExtensionServices): void {
  const { context, log } = services;
  const runs = new Set<AbortController>();

  /** "Run Again" in a report: the same target and options, into the same panel; failures shown, not thrown. */
  function rerun(arg: unknown, capacity: DoctorOptions['capacity'] | undefined, panel: DoctorPanel): void {
    run(arg, capacity, panel).catch((err: Error) => {
      if (err instanceof vscode.CancellationError) return;
      log.error(err);
      void vscode.window.showErrorMessage(`AML Deploy Doctor: ${err.message}`);
    });
  }

  async function run(arg: unknown, capacity: DoctorOptions['capacity'] | undefined, reuse?: DoctorPanel): Promise<void> {
    const s = doctorSettings();
    let target: Target;
    try {
      target = await resolveTarget(arg, s.defaults);
    } catch (err) {
      if (err instanceof doctor().DoctorInputError) throw new Error(err.message);
      throw err;
    }
    const trusted = vscode.workspace.isTrusted;
    const caps: DoctorCapabilities = { log };
    if (trusted) {
      const docker = new DockerodeClient({ host: readSettings().dockerHost });
      // Step 4 builds the environment as Deploy Locally does: the same firewall settings, the same workspace
      // for an azureml: environment.
      const environmentLookup = await environmentLookupFor(services, target.project.config);
      Object.assign(caps, doctor().localCapabilities(docker, log, { harnessDir: context.asAbsolutePath(path.join('media', 'harness')), readinessTimeoutMs: s.readinessTimeoutMs, environment: environmentOptions(), environmentLookup }));
    }
    const az = services.azure;
    let azureReason = 'not signed in to Azure (AML Deploy Doctor: Sign in to Azure)';
    if (trusted && az?.isSignedIn()) {
      try {
        const { endpoint, deployment } = target.project.config;
        const known = target.azureDeployment ?? az.listedDeployments().find((d) => d.endpoint === endpoint && d.name === deployment);
        caps.azure = { client: az.client(), deployment: known, logTail: az.logTail() } satisfies AzureAccess;
      } catch (err) {
        azureReason = (err as Error).message;
      }
    }
    const mode = trusted ? 'full' : 'static';
    const version = String(context.extension.packageJSON.version ?? '0.0.0');
    const live = new (doctor().LiveReportBuilder)(target.project, mode, version);
    const panel: DoctorPanel = reuse && !reuse.isDisposed ? reuse : DoctorPanel.show(context.extensionUri, log, target.label, () => rerun(arg, capacity, panel));
    panel.reveal();
    panel.update(live.report(), true);
    const abort = new AbortController();
    runs.add(abort);
    try {
      const report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Run Doctor: ${target.label}`, cancellable: true }, async (progress, token) => {
        token.onCancellationRequested(() => abort.abort());
        return doctor().runDoctor(target.project, caps, {
          mode,
          staticReason: 'Restricted Mode: steps 4-7 start the deployment in a container, which needs a trusted workspace',
          localUnavailableReason: target.localUnavailable,
          azureUnavailableReason: azureReason,
          capacity,
          readinessTimeoutMs: s.readinessTimeoutMs,
          keepContainer: s.keepContainer,
          signal: abort.signal,
          version,
          onProgress: (e) => {
            live.apply(e);
            if (e.type === 'start') progress.report({ message: `${e.number}/${e.total} ${e.title}` });
            else if (e.type === 'message') progress.report({ message: e.message });
            else {
              progress.report({ increment: 100 / 8 });
              if (!panel.isDisposed) panel.update(live.report(), true);
            }
          },
        });
      });
      if (!panel.isDisposed) panel.update(report, false);
      void showRaised(panel, report);
      log.info(`doctor: ${target.label}: ${report.outcome}${report.firstFailure ? ` (first failure: ${report.firstFailure})` : ''} in ${report.durationMs} ms`);
      if (panel.isDisposed && report.outcome === 'failed') {
        const f = report.steps.find((x) => x.id === report.firstFailure)!;
        void vscode.window.showWarningMessage(`Run Doctor: step ${f.number} (${f.title}) failed: ${f.summary}`);
      }
    } catch (err) {
      // The run itself broke (each step's own failures are in the report): the panel stops "running".
      if (!panel.isDisposed) panel.update({ ...live.report(), outcome: 'cancelled' }, false);
      throw err;
    } finally {
      runs.delete(abort);
    }
  }

  /** Each report's runtime finding: the line of score.py a traceback in the container's log ran through. */
  const owners = new WeakMap<DoctorPanel, string>();
  let reports = 0;
  async function showRaised(panel: DoctorPanel, report: DoctorReport): Promise<void> {
    if (panel.isDisposed) return;
    let owner = owners.get(panel);
    if (!owner) {
      const o = (owner = `doctor:${++reports}`);
      owners.set(panel, o);
      context.subscriptions.push(panel.panel.onDidDispose(() => services.runtime.clear(o)));
    }
    const step = report.steps.find((s) => s.status === 'failed' && s.raised);
    const r = step?.raised;
    const finding = r
      ? { file: r.file, frame: { line: r.line, source: r.source }, message: runtimeMessage({ title: r.title, exception: r.exception ? { type: r.exception, message: '' } : undefined }), id: `doctor-${step!.id}`, docs: step!.docs, key: `${report.startedAt}\u0000${r.file}:${r.line}` }
      : undefined;
    await services.runtime.placeFinding(owner, finding, { label: `Run Doctor's report (step ${step?.number ?? ''} ${step?.title ?? ''})`.trim(), reveal: () => panel.reveal() });
  }

  context.subscriptions.push(
    { dispose: () => runs.forEach((a) => a.abort()) },
    registerCommand(log, 'amlDoctor.doctor.run', (arg?: unknown) => run(arg, undefined)),
    registerCommand(log, 'amlDoctor.doctor.runWithCapacity', async (arg?: unknown) => {
      const s = doctorSettings();
      const text = await vscode.window.showInputBox({
        title: 'Run Doctor with Capacity Check',
        prompt: `A burst of ${s.burstRequests} requests, ${s.burstConcurrency} at a time, against the local container. Target requests per second for the replica calculator (empty: latencies only):`,
        validateInput: (v) => (!v.trim() || (Number(v) > 0 && Number.isFinite(Number(v))) ? undefined : 'A number of requests per second greater than 0, or empty'),
      });
      if (text === undefined) return;
      await run(arg, { targetRps: text.trim() ? Number(text) : undefined, requests: s.burstRequests, concurrency: s.burstConcurrency });
    }),
  );
}
