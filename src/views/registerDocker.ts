// Local Docker features: the tree section, its welcome state, container actions (logs, restart, stop,
// start, remove, inspect, copy scoring URI, send test request) and local deployments
// (deploy / reload / update / delete).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DockerodeClient } from '../docker/client';
import { AsyncTextQueue } from '../common/asyncQueue';
import { lazyRequire } from '../common/lazyRequire';
import type { CodeManifest } from '../docker/codeSync';
import { configForUpdate, DeploymentRecords, sourceForReload, type SourceQuestions } from '../docker/deploymentRecords';
import { APP_ROOT, LocalDeployError, LocalDeployer, SKIP_DIRS, describeReload, type DeployHooks, type DeployedInfo, type LocalDeployConfig, type Progress } from '../docker/localDeploy';
import { isCodeFile, ReloadScheduler, type ReloadCandidate } from '../docker/reloadScheduler';
import type { BuildDiagnosis, EnvironmentFiles } from '../environment/buildFailure';
import type { EnvironmentOptions } from '../environment/builder';
import { configFromDeploymentYaml, readSmall } from '../environment/deploymentYaml';
import type { EnvironmentLookup } from '../environment/types';
import type { ContainerNodeModel } from '../docker/tree';
import { InvalidSampleError, sendTestRequest, validateSample } from '../docker/testRequest';
import { registerCommand } from '../host/commands';
import { explainStream, LogClassifier } from '../logs/classifier';
import type { ExtensionServices } from '../host/services';
import { readSettings, setting } from '../host/settings';
import { DockerSection, type DockerNode } from './dockerSection';
import { environmentLookupFor, environmentOptions } from './environmentAccess';
import { showLogPanel } from './registerLogs';
import type { RuntimeLink } from './runtimeDiagnostics';
import { TestRequestPanel } from './testRequestPanel';

const INSPECT_SCHEME = 'amldoctor-inspect';

const BUILD_DIAGNOSTICS = 'aml-doctor-build';
/** How long the log of a container's new run is read for runtime findings (init() and the first requests). */
const RUN_WATCH_MS = 10 * 60 * 1000;

interface LocalDeploySettings {
  baseImage: string;
  port: number;
  memoryGb: number;
  readinessTimeoutSeconds: number;
  debug: boolean;
  reloadOnSave: boolean;
  environment: EnvironmentOptions;
}

function localDeploySettings(): LocalDeploySettings {
  // Through the trust-aware reader: untrusted, a workspace's values of these settings are ignored.
  return {
    baseImage: setting('amlDoctor.localDeploy.baseImage', ''),
    port: setting('amlDoctor.localDeploy.port', 0),
    memoryGb: setting('amlDoctor.localDeploy.memoryGb', 0),
    readinessTimeoutSeconds: setting('amlDoctor.localDeploy.readinessTimeoutSeconds', 120),
    debug: setting('amlDoctor.localDeploy.debug', false),
    reloadOnSave: setting('amlDoctor.localDeploy.reloadOnSave', false),
    environment: environmentOptions(),
  };
}

class InspectDocuments implements vscode.TextDocumentContentProvider {
  private readonly docs = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  set(uri: vscode.Uri, text: string): void {
    this.docs.set(uri.toString(), text);
    this.changed.fire(uri);
  }
  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.docs.get(uri.toString()) ?? '';
  }
  dispose(): void {
    this.changed.dispose();
  }
}

const workspaceFolders = () => (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);

/** The dialogs behind Reload/Update's choice of the host folder to copy (deploymentRecords.ts decides when). */
const sourceQuestions: SourceQuestions = {
  async chooseFolder(reason) {
    const chooseFolder = vscode.l10n.t('Choose Folder...');
    const choice = await vscode.window.showWarningMessage(vscode.l10n.t('{0} Choose the folder to copy into it, or deploy it again with "Deploy Locally (Docker)".', reason), { modal: true }, chooseFolder);
    if (choice !== chooseFolder) return undefined;
    const picked = await vscode.window.showOpenDialog({ title: vscode.l10n.t('Source folder to copy to /var/azureml-app'), canSelectFiles: false, canSelectFolders: true, canSelectMany: false, defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri });
    return picked?.[0]?.fsPath;
  },
  async confirmOutside(folder) {
    const copy = vscode.l10n.t('Copy');
    const choice = await vscode.window.showWarningMessage(vscode.l10n.t('Copy {0} into the container? It is outside the open workspace folders.', folder), { modal: true }, copy);
    return choice === copy;
  },
};

export function registerDockerFeatures(services: ExtensionServices): void {
  const { context, log, tree } = services;
  const newClient = () => {
    const client = new DockerodeClient({ host: readSettings().dockerHost });
    for (const note of client.notes) log.info(`Docker ${client.endpoint}: ${note}`);
    return client;
  };
  const section = new DockerSection(newClient(), log);
  const records = new DeploymentRecords(context.workspaceState);
  tree.addSection(section);
  const inspectDocs = new InspectDocuments();
  const harnessDir = context.asAbsolutePath(path.join('media', 'harness'));
  // What this window copied into each container: a reload compares against it without reading it back.
  const copied = new Map<string, CodeManifest>();
  const deployer = (environmentLookup?: EnvironmentLookup) => {
    const s = localDeploySettings();
    return new LocalDeployer(section.client, log, { harnessDir, readinessTimeoutMs: s.readinessTimeoutSeconds * 1000, copied, environment: s.environment, environmentLookup });
  };
  // Build failures mark the pinning line of the conda file / requirements.txt until the next good build.
  const buildDiagnostics = vscode.languages.createDiagnosticCollection(BUILD_DIAGNOSTICS);
  let lastBody: string | undefined;

  /** The container a command acts on: the tree node it was invoked on, or one picked from the tree. */
  async function target(arg: unknown, filter: (n: ContainerNodeModel) => boolean = () => true, placeHolder = vscode.l10n.t('Pick a scoring container')): Promise<ContainerNodeModel> {
    const node = arg as DockerNode | undefined;
    if (node && node.section === 'docker' && node.kind === 'container') return node.node;
    const candidates = section.containers().filter(filter);
    if (candidates.length === 0) throw new Error(vscode.l10n.t('No matching scoring container on the local Docker engine.'));
    const pick = await vscode.window.showQuickPick(
      candidates.map((n) => ({ label: n.label, description: n.description, detail: n.name, n })),
      { placeHolder },
    );
    if (!pick) throw new vscode.CancellationError();
    return pick.n;
  }

  async function withProgress<T>(title: string, fn: (report: (m: string) => void, signal: AbortSignal) => Promise<T>): Promise<T> {
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      return fn((message) => progress.report({ message }), abort.signal);
    });
  }

  /**
   * Where a container's tracebacks through the entry script go in the editor: onto the entry script this
   * extension recorded for it (a label could name any folder), else onto the workspace's entry scripts. The
   * findings stay after the log panel closes, until the container is removed or runs again.
   */
  function containerRuntime(id: string, name: string): RuntimeLink {
    const entry = records.entryOf(id);
    return {
      owner: `docker:${id}`,
      mapping: entry ? { kind: 'recorded', ...entry } : { kind: 'workspace' },
      label: vscode.l10n.t('the log of {0}', name),
      remoteRoot: APP_ROOT,
      persist: true,
      reopen: () => reopenLogs(id),
    };
  }

  function showLogs(n: ContainerNodeModel): void {
    const abort = new AbortController();
    const runtime = containerRuntime(n.id, n.name);
    track(n.id, n.name, n.startedAt);
    showLogPanel(services, {
      title: `${n.name} (docker)`,
      chunks: section.client.logs(n.id, { follow: true, tail: 2000, signal: abort.signal }),
      format: 'raw',
      // Traceback paths map onto the folder this extension deployed from; a label could name any folder.
      sourceRoot: records.sourceDirOf(n.id),
      remoteRoot: APP_ROOT,
      entryScript: records.entryOf(n.id)?.entryScript,
      live: true,
      runtime,
      dispose: () => abort.abort(),
    });
  }

  async function reopenLogs(id: string): Promise<void> {
    const snap = await section.explorer.reload();
    const n = snap.groups.flatMap((g) => g.containers).find((c) => c.id === id);
    if (!n) throw new Error(vscode.l10n.t('The container of that runtime finding is gone.'));
    showLogs(n);
  }

  // Containers whose log gave runtime findings: a new run (restart) or their removal clears them.
  const tracked = new Map<string, { name: string; startedAt?: string; watch?: AbortController }>();

  function track(id: string, name: string, startedAt: string | undefined): void {
    const t = tracked.get(id);
    if (t) t.startedAt ??= startedAt;
    else tracked.set(id, { name, startedAt });
    section.explorer.start();
  }

  function untrack(id: string): void {
    tracked.get(id)?.watch?.abort();
    tracked.delete(id);
    services.runtime.clear(`docker:${id}`);
  }

  /** A failed deploy or reload: the container's log since `since` (a reload: this run only) into runtime findings. */
  async function containerFindings(id: string, since?: number): Promise<void> {
    const details = await section.client.inspectContainer(id).catch(() => undefined);
    const name = details?.name.replace(/^\//, '') ?? id.slice(0, 12);
    const link = containerRuntime(id, name);
    const e = await explainStream(section.client.logs(id, { tail: 2000, since }), { format: 'raw', entryScript: records.entryOf(id)?.entryScript, appRoot: APP_ROOT });
    track(id, name, details?.state.startedAt);
    // A new run's log: what the user dismissed of an older one does not hold for it.
    services.runtime.clear(link.owner);
    await services.runtime.explain(link.owner, e, link.mapping, { label: link.label, reveal: () => reopenLogs(id) }, APP_ROOT);
  }

  /** A tracked container started again: its old findings go, and its new run's log is read for a while. */
  function watchRun(id: string, startedAt: string): void {
    const t = tracked.get(id);
    if (!t) return;
    t.watch?.abort();
    const watch = (t.watch = new AbortController());
    const link = containerRuntime(id, t.name);
    const origin = { label: link.label, reveal: () => reopenLogs(id) };
    const owner = link.owner;
    const classifier = new LogClassifier({ format: 'raw', entryScript: records.entryOf(id)?.entryScript, appRoot: APP_ROOT });
    services.runtime.clear(owner);
    const timer = setTimeout(() => watch.abort(), RUN_WATCH_MS);
    void (async () => {
      let last = 0;
      for await (const chunk of section.client.logs(id, { follow: true, since: Date.parse(startedAt) / 1000, signal: watch.signal })) {
        await classifier.pushAsync(chunk, watch.signal);
        if (watch.signal.aborted) return;
        if (Date.now() - last > 500) {
          last = Date.now();
          void services.runtime.explain(owner, classifier.explain(), link.mapping, origin, APP_ROOT);
        }
      }
      if (!watch.signal.aborted) await services.runtime.explain(owner, classifier.end(), link.mapping, origin, APP_ROOT);
    })()
      .catch((err: unknown) => log.warn(`runtime findings: reading the new log of ${t.name} failed: ${(err as Error).message}`))
      .finally(() => {
        clearTimeout(timer);
        if (t.watch === watch) t.watch = undefined;
      });
  }

  context.subscriptions.push(
    section.explorer.onDidChange((snap) => {
      if (snap.state.state !== 'reachable' || !snap.complete || tracked.size === 0) return;
      const byId = new Map(snap.groups.flatMap((g) => g.containers).map((c) => [c.id, c] as const));
      for (const [id, t] of tracked) {
        const n = byId.get(id);
        if (!n) untrack(id); // removed
        else if (n.startedAt && t.startedAt && n.startedAt !== t.startedAt) {
          t.startedAt = n.startedAt;
          watchRun(id, n.startedAt);
        } else t.startedAt ??= n.startedAt;
      }
    }),
    { dispose: () => tracked.forEach((t) => t.watch?.abort()) },
  );

  async function deployFailed(err: unknown, what: string, config?: LocalDeployConfig, since?: number): Promise<void> {
    if (!(err instanceof LocalDeployError)) throw err;
    // The container stays for its logs; fixing score.py and reloading it is the next step.
    if (err.containerId && config) await records.record(err.containerId, config);
    // The traceback through score.py, on its line in the editor (read before the message waits for the user).
    if (err.containerId) await containerFindings(err.containerId, since).catch((e: unknown) => log.warn(`runtime findings of ${err.containerId}: ${(e as Error).message}`));
    log.error(`${what}: ${err.message}${err.logTail ? `\n--- last container log lines ---\n${err.logTail}` : ''}`);
    const showLogsAction = vscode.l10n.t('Show Logs');
    const actions = err.containerId ? [showLogsAction] : [];
    const choice = await vscode.window.showErrorMessage(vscode.l10n.t('{0}: {1}', what, err.message), ...actions);
    if (choice === showLogsAction && err.containerId) {
      const snap = await section.explorer.reload();
      const n = snap.groups.flatMap((g) => g.containers).find((c) => c.id === err.containerId);
      if (n) showLogs(n);
    }
  }

  function markBuildFailure(d: BuildDiagnosis): void {
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const m of d.marks) {
      const range = new vscode.Range(m.line - 1, 0, m.line - 1, Number.MAX_SAFE_INTEGER);
      const diag = new vscode.Diagnostic(range, `${m.message} ${d.finding.fix[0] ?? ''}`.trim(), vscode.DiagnosticSeverity.Error);
      diag.source = vscode.l10n.t('AML Deploy Doctor (environment build)');
      diag.code = d.finding.id;
      byFile.set(m.file, [...(byFile.get(m.file) ?? []), diag]);
    }
    for (const [file, diags] of byFile) buildDiagnostics.set(vscode.Uri.file(file), diags);
  }

  function clearBuildDiagnostics(files: EnvironmentFiles): void {
    for (const f of [files.conda?.file, files.requirements?.file]) if (f) buildDiagnostics.delete(vscode.Uri.file(f));
  }

  const environmentLookup = (config: LocalDeployConfig) => environmentLookupFor(services, config);

  /** Deploy or update with the build log live in the log panel (opened on the first build or pull output). */
  /** Deploy or update with the build log live in the log panel; `replaces` is the container an update recreates. */
  async function runDeploy(title: string, failure: string, config: LocalDeployConfig, op: (d: LocalDeployer, report: Progress, signal: AbortSignal, hooks: DeployHooks) => Promise<DeployedInfo>, replaces?: string): Promise<void> {
    const d = deployer(await environmentLookup(config));
    let queue: AsyncTextQueue | undefined;
    const output = (text: string) => {
      if (!queue) {
        const q = (queue = new AsyncTextQueue());
        showLogPanel(services, { title: vscode.l10n.t('Environment build: {0}/{1}', config.endpoint, config.deployment), chunks: q, format: 'raw', live: true, sourceRoot: config.sourceDir, dispose: () => q.end() });
      }
      queue.push(text);
    };
    try {
      const info = await withProgress(title, (report, signal) => op(d, report, signal, { output, image: (p) => clearBuildDiagnostics(p.files) }));
      if (replaces) {
        await records.forget(replaces);
        untrack(replaces);
      }
      await records.record(info.id, config);
      void announce(info);
    } catch (err) {
      const diagnosis = err instanceof LocalDeployError ? err.environment?.details.diagnosis : undefined;
      if (diagnosis) markBuildFailure(diagnosis);
      await deployFailed(err, failure, config);
    } finally {
      queue?.end();
    }
  }

  async function announce(info: { name: string; scoringUri: string; debugPort?: number }): Promise<void> {
    const send = vscode.l10n.t('Send Test Request');
    const copy = vscode.l10n.t('Copy Scoring URI');
    const choice = await vscode.window.showInformationMessage(
      info.debugPort
        ? vscode.l10n.t('Local deployment {0} answers at {1} (debugpy on 127.0.0.1:{2}).', info.name, info.scoringUri, info.debugPort)
        : vscode.l10n.t('Local deployment {0} answers at {1}.', info.name, info.scoringUri),
      send,
      copy,
    );
    if (choice === copy) await vscode.env.clipboard.writeText(info.scoringUri);
    if (choice === send) {
      const snap = await section.explorer.reload();
      const n = snap.groups.flatMap((g) => g.containers).find((c) => c.name === info.name);
      if (n) await vscode.commands.executeCommand('amlDoctor.docker.sendTestRequest', { section: 'docker', kind: 'container', node: n });
    }
  }

  /** Builds a deployment configuration: from a deployment YAML or an SDK v1 deployment script, or by asking. */
  async function askConfig(uri: vscode.Uri | undefined): Promise<LocalDeployConfig> {
    const s = localDeploySettings();
    const defaults = { baseImage: s.baseImage, port: s.port, memoryGb: s.memoryGb || undefined };
    const fromYaml = (u: vscode.Uri, text = readSmall(u.fsPath, vscode.l10n.t('deployment YAML'))) => configFromDeploymentYaml(text, u.fsPath, defaults);
    if (uri && /\.ya?ml$/i.test(uri.fsPath)) {
      // Read once, capped like every environment description (a workspace file: any size).
      const text = readSmall(uri.fsPath, vscode.l10n.t('deployment YAML'));
      if (!/code_configuration\s*:/.test(text)) throw new Error(vscode.l10n.t('{0} is not an online-deployment YAML (no code_configuration).', vscode.workspace.asRelativePath(uri)));
      return fromYaml(uri, text);
    }
    const script = uri ?? vscode.window.activeTextEditor?.document.uri;
    // The script itself may be an SDK v1 deployment script (InferenceConfig + Environment).
    // Its own bundle (dist/sdkv1.js), loaded on use: the Python parser stays out of activation.
    const sdkv1 = () => lazyRequire<typeof import('../environment/sdkv1')>('sdkv1.js', '../environment/sdkv1');
    const v1 = script && script.fsPath.endsWith('.py') ? await sdkv1().readSdkV1Deployment(fs.readFileSync(script.fsPath, 'utf8'), script.fsPath) : undefined;
    const yamls = (await vscode.workspace.findFiles('**/*.{yml,yaml}', '**/{node_modules,.git}/**', 200)).filter((u) => {
      try {
        return /code_configuration:/.test(fs.readFileSync(u.fsPath, 'utf8'));
      } catch {
        return false;
      }
    });
    const matching = yamls.filter((u) => !script || fs.readFileSync(u.fsPath, 'utf8').includes(path.basename(script.fsPath)));
    if (matching.length || v1) {
      type Pick = vscode.QuickPickItem & { uri?: vscode.Uri; v1?: boolean };
      const picks: Pick[] = [
        ...(v1 ? [{ label: `$(python) ${vscode.workspace.asRelativePath(script!)}`, description: vscode.l10n.t('SDK v1 InferenceConfig (line {0}): {1}', v1.line, v1.entryScript), v1: true }] : []),
        ...matching.map((u) => ({ label: `$(file) ${vscode.workspace.asRelativePath(u)}`, description: vscode.l10n.t('deployment YAML'), uri: u })),
        { label: `$(edit) ${vscode.l10n.t('Enter the settings step by step')}`, description: '' },
      ];
      const pick = await vscode.window.showQuickPick(picks, { placeHolder: vscode.l10n.t('Deploy from a deployment YAML, an SDK v1 script, or enter the settings') });
      if (!pick) throw new vscode.CancellationError();
      if (pick.uri) return fromYaml(pick.uri);
      if (pick.v1 && v1) {
        return {
          endpoint: v1.service ?? 'local-webservice',
          deployment: 'local',
          sourceDir: v1.sourceDir,
          entryScript: v1.entryScript,
          modelPath: v1.modelPath,
          modelName: v1.modelName,
          condaFile: v1.environment.condaFile,
          baseImage: v1.environment.image || s.baseImage,
          environment: v1.environment,
          port: v1.port ?? s.port,
          memoryGb: s.memoryGb || undefined,
        };
      }
    }
    let entry = script && script.fsPath.endsWith('.py') && !v1 ? script : undefined;
    if (!entry) {
      const picked = await vscode.window.showOpenDialog({ title: vscode.l10n.t('Entry script (score.py)'), canSelectMany: false, filters: { Python: ['py'] } });
      if (!picked?.[0]) throw new vscode.CancellationError();
      entry = picked[0];
    }
    const defaultSource = path.dirname(entry.fsPath);
    const source = await vscode.window.showInputBox({ title: vscode.l10n.t('Source folder (copied to /var/azureml-app)'), value: defaultSource, validateInput: (v) => (fs.existsSync(v) && fs.statSync(v).isDirectory() ? undefined : vscode.l10n.t('No such folder')) });
    if (source === undefined) throw new vscode.CancellationError();
    const rel = path.relative(source, entry.fsPath);
    if (rel.startsWith('..')) throw new Error(vscode.l10n.t('The entry script {0} is not inside the source folder {1}.', entry.fsPath, source));
    const model = await vscode.window.showOpenDialog({ title: vscode.l10n.t('Model file or folder (Cancel: no model)'), canSelectFiles: true, canSelectFolders: true, defaultUri: vscode.Uri.file(source) });
    // The environment: base image + a conda file or a requirements.txt, built as Azure builds it.
    const kind = await vscode.window.showQuickPick(
      [
        { label: vscode.l10n.t('Conda environment file'), description: vscode.l10n.t('conda.yml: installed into the image (conda env, or a venv for its pip section)'), id: 'conda' },
        { label: vscode.l10n.t('pip requirements file'), description: vscode.l10n.t('requirements.txt: installed into the image'), id: 'pip' },
        { label: vscode.l10n.t('The base image as it is'), description: vscode.l10n.t('no packages added'), id: 'none' },
      ],
      { placeHolder: vscode.l10n.t('Environment of the deployment') },
    );
    if (!kind) throw new vscode.CancellationError();
    let envFile: string | undefined;
    if (kind.id !== 'none') {
      const picked = await vscode.window.showOpenDialog({ title: kind.id === 'conda' ? vscode.l10n.t('Conda environment file') : vscode.l10n.t('pip requirements file'), canSelectMany: false, filters: kind.id === 'conda' ? { YAML: ['yml', 'yaml'] } : { Requirements: ['txt'] }, defaultUri: vscode.Uri.file(source) });
      if (!picked?.[0]) throw new vscode.CancellationError();
      envFile = picked[0].fsPath;
    }
    const baseImage = await vscode.window.showInputBox({ title: vscode.l10n.t('Base image'), value: s.baseImage, validateInput: (v) => (v.trim() ? undefined : vscode.l10n.t('An image reference, e.g. {0}', 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest')) });
    if (!baseImage) throw new vscode.CancellationError();
    const endpoint = await vscode.window.showInputBox({ title: vscode.l10n.t('Endpoint name'), value: 'local-endpoint', validateInput: (v) => (/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(v) ? undefined : vscode.l10n.t('Letters, digits, "-", "_" and "." only')) });
    if (!endpoint) throw new vscode.CancellationError();
    const deployment = await vscode.window.showInputBox({ title: vscode.l10n.t('Deployment name'), value: 'blue', validateInput: (v) => (/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(v) ? undefined : vscode.l10n.t('Letters, digits, "-", "_" and "." only')) });
    if (!deployment) throw new vscode.CancellationError();
    return {
      endpoint,
      deployment,
      sourceDir: source,
      entryScript: rel.split(path.sep).join('/'),
      modelPath: model?.[0]?.fsPath,
      condaFile: kind.id === 'conda' ? envFile : undefined,
      baseImage: baseImage.trim(),
      environment: { origin: `${endpoint}/${deployment}`, image: baseImage.trim(), ...(kind.id === 'conda' ? { condaFile: envFile } : kind.id === 'pip' ? { requirementsFile: envFile } : {}) },
      port: s.port,
      memoryGb: s.memoryGb || undefined,
    };
  }

  async function pickBody(): Promise<string | undefined> {
    const files = (await vscode.workspace.findFiles('**/*.json', '**/{node_modules,.git,.vscode}/**', 200)).sort((a, b) => {
      const score = (u: vscode.Uri) => (/sample|request|input|payload/i.test(path.basename(u.fsPath)) ? 0 : 1);
      return score(a) - score(b) || a.fsPath.localeCompare(b.fsPath);
    });
    const editor = vscode.window.activeTextEditor;
    type Item = vscode.QuickPickItem & { body?: () => string | undefined; edit?: boolean };
    const items: Item[] = [
      ...(lastBody ? [{ label: `$(history) ${vscode.l10n.t('Last request body')}`, description: lastBody.slice(0, 60), body: () => lastBody }] : []),
      ...(editor && editor.document.languageId === 'json' ? [{ label: `$(edit) ${vscode.l10n.t('The active editor')}`, description: vscode.workspace.asRelativePath(editor.document.uri), body: () => editor.document.getText() }] : []),
      ...files.map((u) => ({ label: `$(json) ${vscode.workspace.asRelativePath(u)}`, body: () => fs.readFileSync(u.fsPath, 'utf8') })),
      { label: `$(pencil) ${vscode.l10n.t('Type or edit a request body...')}`, edit: true },
    ];
    const pick = await vscode.window.showQuickPick(items, { placeHolder: vscode.l10n.t('Request body for POST /score (a JSON sample)') });
    if (!pick) return undefined;
    let body = pick.body?.();
    if (pick.edit || body === undefined) {
      body = await vscode.window.showInputBox({
        title: vscode.l10n.t('Request body (JSON)'),
        value: lastBody ?? '{"data": [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]}',
        validateInput: (v) => {
          try {
            validateSample(v);
            return undefined;
          } catch (err) {
            return (err as Error).message;
          }
        },
      });
    }
    return body;
  }

  /** Deployments whose last reload on save failed: a later save retries them even though they stopped. */
  const failedOnSave = new Set<string>();
  /** When each deployment's last reload on save started: a failure's log is read from then on. */
  const reloadStarted = new Map<string, number>();
  const reloadOnSave = new ReloadScheduler(
    async (c: ReloadCandidate) => {
      const started = Date.now();
      reloadStarted.set(c.key, started / 1000);
      const info = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Reloading {0}', c.key) }, (p) =>
        deployer().reload(c.endpoint, c.deployment, c.sourceDir, (message) => p.report({ message })),
      );
      services.runtime.clear(`docker:${info.id}`);
      failedOnSave.delete(c.key);
      void vscode.window.setStatusBarMessage(`$(check) ${vscode.l10n.t('Reloaded {0} ({1}) in {2} s', c.key, describeReload(info), ((Date.now() - started) / 1000).toFixed(1))}`, 5000);
    },
    {
      onError: (c, err) => {
        failedOnSave.add(c.key);
        deployFailed(err, vscode.l10n.t('Reloading {0} after save failed', c.key), undefined, reloadStarted.get(c.key)).catch((e: unknown) => {
          log.error(e as Error);
          void vscode.window.showErrorMessage(vscode.l10n.t('Reloading {0} after save failed: {1}', c.key, (e as Error).message));
        });
      },
    },
  );

  /** A saved file in the code folder of a local deployment reloads it (opt-in, trusted workspaces only). */
  async function onSaved(doc: vscode.TextDocument): Promise<void> {
    if (doc.uri.scheme !== 'file' || !vscode.workspace.isTrusted || !localDeploySettings().reloadOnSave) return;
    section.explorer.start();
    const snapshot = section.explorer.snapshot.state.state === 'unknown' ? await section.explorer.reload() : section.explorer.snapshot;
    const folders = workspaceFolders();
    for (const n of snapshot.groups.flatMap((g) => g.containers)) {
      const { 'aml-doctor.endpoint': endpoint, 'aml-doctor.deployment': deployment } = n.container.labels;
      if (!endpoint || !deployment || !n.contextValue.includes('localDeploy')) continue;
      const key = `${endpoint}/${deployment}`;
      if (n.status.dockerState !== 'running' && !failedOnSave.has(key)) continue;
      // Only what this extension recorded for the container, and only inside the open workspace: a
      // container's labels never choose a host folder, and a save never copies anything after a question.
      const check = records.check({ id: n.id, name: n.name, labels: n.container.labels }, folders);
      if (!check.ok || !check.insideWorkspace) continue;
      const sourceDir = check.config.sourceDir;
      if (isCodeFile(doc.uri.fsPath, sourceDir, SKIP_DIRS)) reloadOnSave.request({ key, endpoint, deployment, sourceDir });
    }
  }

  context.subscriptions.push(
    section,
    inspectDocs,
    { dispose: () => reloadOnSave.dispose() },
    vscode.workspace.onDidSaveTextDocument((doc) => void onSaved(doc).catch((err: unknown) => log.error(err as Error))),
    buildDiagnostics,
    vscode.workspace.registerTextDocumentContentProvider(INSPECT_SCHEME, inspectDocs),
    section.onDidChangeDockerState((s) => {
      // The welcome view (package.json viewsWelcome) picks its text from these keys. A TreeView message
      // would hide the welcome view, so the full sentence goes to the log instead.
      void vscode.commands.executeCommand('setContext', 'amlDoctor.dockerReason', s.state === 'unreachable' ? s.reason : undefined);
      void vscode.commands.executeCommand('setContext', 'amlDoctor.dockerState', s.state);
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('amlDoctor.docker.host') && vscode.workspace.isTrusted) section.setDockerClient(newClient());
    }),
    // Restricted Mode ends without a reload: connect to the engine (settings' workspace values apply now).
    vscode.workspace.onDidGrantWorkspaceTrust(() => section.setDockerClient(newClient())),
    registerCommand(log, 'amlDoctor.deployments.refresh', () => tree.refresh()),

    registerCommand(log, 'amlDoctor.docker.showLogs', async (arg?: unknown) => showLogs(await target(arg))),
    registerCommand(log, 'amlDoctor.docker.restart', async (arg?: unknown) => {
      const n = await target(arg);
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Restarting {0}', n.name) }, () => section.client.restart(n.id));
    }),
    registerCommand(log, 'amlDoctor.docker.stop', async (arg?: unknown) => {
      const n = await target(arg, (c) => c.status.dockerState === 'running' || c.status.dockerState === 'restarting');
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Stopping {0}', n.name) }, () => section.client.stop(n.id));
    }),
    registerCommand(log, 'amlDoctor.docker.start', async (arg?: unknown) => {
      const n = await target(arg, (c) => c.status.dockerState !== 'running');
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Starting {0}', n.name) }, () => section.client.start(n.id));
    }),
    registerCommand(log, 'amlDoctor.docker.remove', async (arg?: unknown) => {
      const n = await target(arg);
      const remove = vscode.l10n.t('Remove');
      const ok = await vscode.window.showWarningMessage(vscode.l10n.t('Remove the container {0}? Its logs and anything written inside it are lost.', n.name), { modal: true }, remove);
      if (ok !== remove) return;
      await section.client.remove(n.id, { force: true, volumes: true });
      untrack(n.id);
    }),
    registerCommand(log, 'amlDoctor.docker.inspect', async (arg?: unknown) => {
      const n = await target(arg);
      const details = await section.client.inspectContainer(n.id);
      const uri = vscode.Uri.from({ scheme: INSPECT_SCHEME, path: `/${n.name}.json` });
      inspectDocs.set(uri, JSON.stringify(details.raw, null, 2));
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.languages.setTextDocumentLanguage(doc, 'json');
      await vscode.window.showTextDocument(doc, { preview: true });
    }),
    registerCommand(log, 'amlDoctor.docker.copyScoringUri', async (arg?: unknown) => {
      const n = await target(arg, (c) => !!c.scoringUri);
      if (!n.scoringUri) throw new Error(vscode.l10n.t('{0} publishes no port: there is no scoring URI to copy.', n.name));
      await vscode.env.clipboard.writeText(n.scoringUri);
      void vscode.window.setStatusBarMessage(vscode.l10n.t('Copied {0}', n.scoringUri), 4000);
    }),
    registerCommand(log, 'amlDoctor.docker.sendTestRequest', async (arg?: unknown, bodyArg?: unknown) => {
      const n = await target(arg, (c) => !!c.scoringUri, vscode.l10n.t('Send a test request to...'));
      if (!n.scoringUri) throw new Error(vscode.l10n.t('{0} publishes no port: there is no scoring URI to send a request to.', n.name));
      const body = typeof bodyArg === 'string' ? bodyArg : await pickBody();
      if (body === undefined) return undefined;
      try {
        validateSample(body);
      } catch (err) {
        if (err instanceof InvalidSampleError) {
          void vscode.window.showErrorMessage(err.message);
          return undefined;
        }
        throw err;
      }
      lastBody = body;
      const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `POST ${n.scoringUri}` }, () => sendTestRequest(n.scoringUri!, body));
      log.info(`test request to ${n.name}: ${result.status || 'no response'} in ${result.latencyMs.toFixed(1)} ms`);
      TestRequestPanel.show(result, vscode.l10n.t('Test request: {0}', n.label), body);
      return { status: result.status, latencyMs: result.latencyMs };
    }),

    registerCommand(log, 'amlDoctor.localDeploy.deploy', async (uri?: vscode.Uri) => {
      const config = await askConfig(uri instanceof vscode.Uri ? uri : undefined);
      config.debug = config.debug ?? localDeploySettings().debug;
      await runDeploy(vscode.l10n.t('Deploying {0}/{1} locally', config.endpoint, config.deployment), vscode.l10n.t('Local deployment {0}/{1} failed', config.endpoint, config.deployment), config, (d, report, signal, hooks) => d.deploy(config, report, signal, hooks));
    }),
    registerCommand(log, 'amlDoctor.localDeploy.reload', async (arg?: unknown) => {
      const n = await target(arg, (c) => c.contextValue.includes('localDeploy'), vscode.l10n.t('Reload which local deployment?'));
      const { 'aml-doctor.endpoint': ep, 'aml-doctor.deployment': dep } = n.container.labels;
      const sourceDir = await sourceForReload(records, { id: n.id, name: n.name, labels: n.container.labels }, workspaceFolders(), sourceQuestions);
      if (!sourceDir) throw new vscode.CancellationError();
      const started = Date.now() / 1000;
      try {
        const info = await withProgress(vscode.l10n.t('Reloading {0}', n.name), (report, signal) => deployer().reload(ep!, dep!, sourceDir, report, signal));
        // The new worker's init() completed: what the old log said no longer holds.
        services.runtime.clear(`docker:${n.id}`);
        void vscode.window.setStatusBarMessage(vscode.l10n.t('Reloaded {0} ({1}): {2}', info.name, describeReload(info), info.scoringUri), 5000);
      } catch (err) {
        await deployFailed(err, vscode.l10n.t('Reloading {0} failed', n.name), undefined, started);
      }
    }),
    registerCommand(log, 'amlDoctor.localDeploy.update', async (arg?: unknown) => {
      const n = await target(arg, (c) => c.contextValue.includes('localDeploy'), vscode.l10n.t('Update (recreate) which local deployment?'));
      // Update reads the source folder, model and conda file again: only from this extension's record.
      const previous = await configForUpdate(records, { id: n.id, name: n.name, labels: n.container.labels }, workspaceFolders(), sourceQuestions);
      if (!previous) throw new vscode.CancellationError();
      const s = localDeploySettings();
      // The recorded environment (the deployment's own image wins); the setting stays the fallback.
      const config: LocalDeployConfig = { ...previous, baseImage: previous.environment?.image || previous.baseImage || s.baseImage, memoryGb: s.memoryGb || previous.memoryGb, debug: s.debug };
      await runDeploy(vscode.l10n.t('Updating {0}', n.name), vscode.l10n.t('Updating {0} failed', n.name), config, (d, report, signal, hooks) => d.update(config, report, signal, hooks), n.id);
    }),
    registerCommand(log, 'amlDoctor.localDeploy.delete', async (arg?: unknown) => {
      const n = await target(arg, (c) => c.contextValue.includes('localDeploy'), vscode.l10n.t('Delete which local deployment?'));
      const { 'aml-doctor.endpoint': ep, 'aml-doctor.deployment': dep } = n.container.labels;
      const del = vscode.l10n.t('Delete');
      const ok = await vscode.window.showWarningMessage(vscode.l10n.t('Delete the local deployment {0}/{1} (container {2})?', ep ?? '', dep ?? '', n.name), { modal: true }, del);
      if (ok !== del) return;
      const removed = await deployer().delete(ep!, dep!);
      await records.forget(n.id);
      untrack(n.id);
      void vscode.window.setStatusBarMessage(removed === 1 ? vscode.l10n.t('Deleted {0}/{1} (1 container)', ep ?? '', dep ?? '') : vscode.l10n.t('Deleted {0}/{1} ({2} containers)', ep ?? '', dep ?? '', removed), 5000);
    }),
  );
}
