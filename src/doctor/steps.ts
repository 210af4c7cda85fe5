// Steps 1-7 of the doctor. Each returns what it found (status, summary, evidence, fix, link); the engine
// (engine.ts) orders them, skips the dependants of a failure and owns the container's clean-up.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspectScoringScript } from '../analysis/analyze';
import type { Logger } from '../common/logger';
import { calculateReplicas, formatReplicaPlan } from '../azure/replicas';
import { explainStatus } from '../docker/httpStatus';
import { LocalDeployError, modelDirFor, type LocalDeployConfig } from '../docker/localDeploy';
import { InvalidSampleError, jsonErrorOffset, sendTestRequest, validateSample } from '../docker/testRequest';
import { clampBurst, runBurst } from './burst';
import type { ContainerRunner, ImageResult, ImageStep, ImageStepError, StartedContainer, StepProgress } from './capabilities';
import { diagnoseBuildLog, diagnoseLog, diagnoseText, type LogDiagnosis } from './diagnosis';
import { checkCondaFile, checkRequirementsFile, type EnvironmentCheck } from './environment';
import { checkModelPath, findModelReferences, MODEL_DIR_VAR, modelLayout, type ModelLayout } from './modelPaths';
import type { DoctorProject } from './project';
import { cleanBlock, evidence, type EvidenceItem, type StepResult } from './report';
import { entryFunctionLines, sampleFromSchema } from './sample';

/** What a step reports; the engine adds id, number, title and timing. */
export type StepOutcome = Pick<StepResult, 'status' | 'summary'> & Partial<Pick<StepResult, 'skip' | 'evidence' | 'fix' | 'link' | 'raised' | 'docs' | 'notes' | 'details'>>;

export interface CapacityRequest {
  /** Requests per second the deployment must serve (the replica calculator's input). */
  targetRps?: number;
  requests?: number;
  concurrency?: number;
  maxSeconds?: number;
}

/** State handed from step to step within one run. */
export interface RunState {
  entryText?: string;
  image?: ImageResult;
  container?: StartedContainer & { readyMs: number };
  /** The container to remove at the end (also one that failed to start). */
  containerToRemove?: string;
  sample?: { body: string; source: 'file' | 'schema'; file?: string };
  scoringLatencyMs?: number;
}

export interface StepContext {
  project: DoctorProject;
  state: RunState;
  signal: AbortSignal;
  progress: StepProgress;
  log: Logger;
}

const GUIDE = 'https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-online-endpoints';
const GUIDE_V1 = 'https://learn.microsoft.com/azure/machine-learning/v1/how-to-troubleshoot-deployment';
const MAX_SAMPLE_BYTES = 10 * 1024 * 1024;

function readEntry(ctx: StepContext): string {
  ctx.state.entryText ??= fs.readFileSync(ctx.project.entryScript, 'utf8');
  return ctx.state.entryText;
}

/** The sentence of an analysis message that says what to do (its last one). */
function lastSentence(message: string): string {
  const parts = message.split(/(?<=[.!?])\s+(?=[A-Z])/);
  return parts[parts.length - 1] ?? message;
}

// ---------------------------------------------------------------------------------------------
// 1. Entry script

export async function scriptStep(ctx: StepContext): Promise<StepOutcome> {
  const file = ctx.project.entryScript;
  const name = path.basename(file);
  const analysis = await inspectScoringScript(readEntry(ctx), { fileName: name });
  const findings = analysis.findings.map((f) => ({ rule: f.rule, severity: f.severity, message: f.message, line: f.range.start.line + 1, column: f.range.start.character + 1 }));
  const errors = analysis.findings.filter((f) => f.severity === 'error');
  const details = { kind: 'script' as const, findings };
  const loc = (f: (typeof analysis.findings)[number]) => ({ file, line: f.range.start.line + 1, column: f.range.start.character + 1 });
  if (errors.length) {
    return {
      status: 'failed',
      summary: `${name}: ${errors.map((e) => e.rule).join(', ')} (${errors.length} error${errors.length === 1 ? '' : 's'}): the inference server cannot load or call it.`,
      evidence: errors.map((e) => evidence(e.message, 'file', { location: loc(e) })),
      fix: errors.map((e) => (e.fixes?.[0] ? `${lastSentence(e.message)} (quick fix in VS Code: ${e.fixes[0].title}).` : lastSentence(e.message))),
      link: loc(errors[0]!),
      docs: errors[0]!.docsUrl,
      details,
    };
  }
  const warnings = analysis.findings.filter((f) => f.severity === 'warning');
  return {
    status: 'passed',
    summary: `${name} has init() and run() and no error-level findings${warnings.length ? ` (${warnings.length} warning${warnings.length === 1 ? '' : 's'})` : ''}.`,
    notes: warnings.map((w) => `${name}:${w.range.start.line + 1}: [${w.rule}] ${w.message}`),
    details,
  };
}

// ---------------------------------------------------------------------------------------------
// 2. Environment

export async function environmentStep(ctx: StepContext): Promise<StepOutcome> {
  const p = ctx.project;
  if (p.environmentRef) {
    return {
      status: 'skipped',
      summary: `The deployment uses the registered environment ${p.environmentRef}: its conda file is in Azure, not in this project (step 4 reads it from the workspace to build the image when you are signed in).`,
      skip: { kind: 'unavailable', message: `registered environment ${p.environmentRef} (its files are in Azure)` },
      fix: ['To check it here, download its conda file (az ml environment show) and point environment.conda_file at it.'],
      details: { kind: 'environment', source: 'registered', reference: p.environmentRef, problems: [] },
    };
  }
  const check: EnvironmentCheck | undefined = p.config.condaFile ? checkCondaFile(p.config.condaFile) : p.requirementsFile ? checkRequirementsFile(p.requirementsFile) : undefined;
  if (!check) {
    const what = p.environmentBuild ? `a Docker build context (${p.environmentBuild})` : 'no conda file or requirements.txt';
    return {
      status: 'skipped',
      summary: `The deployment has ${what}: there are no packages to check here; the image must bring the inference server itself.`,
      skip: { kind: 'unavailable', message: p.environmentBuild ? 'the environment is a Docker build context' : 'no conda file or requirements.txt found' },
      fix: p.environmentBuild ? [] : ['Give the deployment a conda file (environment.conda_file) that lists azureml-defaults, or put conda.yml / requirements.txt next to the entry script.'],
      details: { kind: 'environment', source: 'none', problems: [] },
    };
  }
  const name = path.basename(check.file);
  const details = {
    kind: 'environment' as const,
    source: check.source,
    file: check.file,
    serverPackage: check.serverPackage,
    problems: check.problems.map((x) => ({ package: x.package, line: x.line, problem: x.problem })),
  };
  if (check.problems.length) {
    const first = check.problems[0]!;
    return {
      status: 'failed',
      summary: check.problems.length === 1 ? `${first.problem.split(': ')[0]}.` : `${name}: ${check.problems.length} problems (${check.problems.map((x) => x.package).join(', ')}).`,
      evidence: check.problems.map((x) => evidence(x.problem, 'file', x.line ? { location: { file: check.file, line: x.line, column: x.column } } : {})),
      fix: check.problems.map((x) => x.fix),
      link: first.line ? { file: check.file, line: first.line, column: first.column } : { file: check.file, line: 1 },
      docs: `${GUIDE}#error-resourcenotready`,
      details,
    };
  }
  return { status: 'passed', summary: `${name} installs the inference server (${check.serverPackage}) and pins no combination known to break.`, details };
}

// ---------------------------------------------------------------------------------------------
// 3. Model

export async function modelStep(ctx: StepContext): Promise<StepOutcome> {
  const p = ctx.project;
  const file = p.entryScript;
  const name = path.basename(file);
  const refs = await findModelReferences(readEntry(ctx));
  const modelDir = modelDirFor(p.config);
  const base = { kind: 'model' as const, modelPath: p.config.modelPath, modelDir, files: [] as string[], references: [] as { path: string; line: number; found: boolean }[] };
  if (p.modelRef) {
    return {
      status: 'skipped',
      summary: `The deployment uses the registered model ${p.modelRef}: its files are in Azure, so they cannot be compared with what ${name} opens.`,
      skip: { kind: 'unavailable', message: `registered model ${p.modelRef}` },
      fix: ['To check it here, download the model (az ml model download) and set model.path to the local copy.'],
      details: base,
    };
  }
  if (!p.config.modelPath) {
    if (!refs.readsModelDir && !refs.getModelPath.length) {
      return { status: 'passed', summary: `${name} loads nothing from AZUREML_MODEL_DIR and the deployment names no model.`, details: base };
    }
    const first = refs.paths[0] ?? refs.getModelPath[0];
    return {
      status: 'failed',
      summary: `${name} reads ${MODEL_DIR_VAR}, but the deployment names no model: the folder is empty in the container.`,
      evidence: first ? [evidence(`${name} looks for a model file here`, 'file', { location: { file, line: first.line, column: first.column } })] : [],
      fix: ['Name the model in the deployment (model.path in the deployment YAML, or a model/ folder next to the entry script; aml-doctor doctor --model PATH).'],
      link: first ? { file, line: first.line, column: first.column } : undefined,
      docs: `${GUIDE_V1}#function-fails-get_model_path`,
      details: base,
    };
  }
  let layout: ModelLayout;
  try {
    layout = modelLayout(p.config.modelPath);
  } catch {
    return {
      status: 'failed',
      summary: `The model path ${p.config.modelPath} does not exist.`,
      fix: ['Point model.path in the deployment YAML (or --model) at the model file or folder.'],
      link: p.target.kind === 'deployment-yaml' && p.target.file ? { file: p.target.file, line: 1 } : undefined,
      details: base,
    };
  }
  const details = { ...base, files: layout.files.slice(0, 50) };
  const problems: EvidenceItem[] = [];
  const fixes: string[] = [];
  let link: StepResult['link'];
  const shown = (s: string) => `$${MODEL_DIR_VAR}${s}`;
  for (const r of refs.paths) {
    const c = checkModelPath(r.suffix, layout);
    details.references.push({ path: shown(r.suffix), line: r.line, found: c.found });
    if (c.found) continue;
    const location = { file, line: r.line, column: r.column };
    link ??= location;
    if (c.reason === 'outside') {
      problems.push(evidence(`${r.usedBy} opens ${shown(r.suffix)}: there is no "/" after ${MODEL_DIR_VAR}, so the path is outside the model folder.`, 'file', { location }));
      fixes.push(`Build the path with os.path.join(os.getenv("${MODEL_DIR_VAR}"), "${r.suffix.replace(/^\/+/, '')}") (line ${r.line}).`);
    } else {
      const holds = layout.files.length ? `the model folder holds ${layout.files.slice(0, 5).join(', ')}${layout.files.length > 5 ? ', ...' : ''}` : 'the model folder is empty';
      problems.push(evidence(`${r.usedBy} opens ${shown(r.suffix)}, but ${holds}.`, 'file', { location }));
      fixes.push(
        c.closest
          ? `Open "${c.closest}" instead (line ${r.line}: os.path.join(os.getenv("${MODEL_DIR_VAR}"), "${c.closest}")), or register the model under the name the script expects.`
          : `Make line ${r.line} open a file the model has, or add it to the model (${p.config.modelPath}).`,
      );
    }
  }
  const expected = p.config.modelName;
  for (const g of refs.getModelPath) {
    if (!expected || g.name === expected) continue;
    const location = { file, line: g.line, column: g.column };
    link ??= location;
    problems.push(evidence(`Model.get_model_path("${g.name}") looks for the registered model "${g.name}", but the deployment names "${expected}".`, 'file', { location }));
    fixes.push(`Build the path from ${MODEL_DIR_VAR} instead of Model.get_model_path() (line ${g.line}); get_model_path only works in SDK v1 containers and needs the exact registered name.`);
  }
  if (problems.length) {
    return {
      status: 'failed',
      summary: `${name} opens ${problems.length === 1 ? 'a file' : `${problems.length} files`} the model does not have: in the container that raises FileNotFoundError (in init(), the deployment never becomes ready).`,
      evidence: problems,
      fix: fixes,
      link,
      docs: `${GUIDE_V1}#function-fails-get_model_path`,
      details,
    };
  }
  const count = refs.paths.length;
  return {
    status: 'passed',
    summary: count ? `Every model path ${name} opens exists in ${path.basename(p.config.modelPath)} (${count} checked).` : `${name} opens no fixed path under ${MODEL_DIR_VAR}; the model ${path.basename(p.config.modelPath)} is present.`,
    notes: layout.truncated ? ['The model folder is large: only the first 20,000 entries were listed.'] : [],
    details,
  };
}

// ---------------------------------------------------------------------------------------------
// 4. Image

export async function imageStep(ctx: StepContext, images: ImageStep): Promise<StepOutcome> {
  const config = ctx.project.config;
  try {
    const r = await images.ensureImage(config, ctx.progress, ctx.signal);
    ctx.state.image = r;
    const from = r.baseImage && r.baseImage !== r.image ? ` from ${r.baseImage}${r.pulled ? ' (pulled)' : ''}` : '';
    const summary = r.built
      ? `Built ${r.image}${from} with ${r.kind === 'user-build' ? 'the Docker build context' : environmentFiles(ctx.project)}.`
      : r.kind && r.kind !== 'as-is'
        ? `${r.image} was found by the hash of its ${r.kind === 'user-build' ? 'build context' : 'base image and environment files'}: nothing to build.`
        : r.pulled
          ? `Pulled ${r.image}; the environment has nothing to build on it.`
          : `${r.image} is on the Docker engine; the environment has nothing to build on it.`;
    const notes = r.runPrefix?.length ? [`The server runs in the image's conda environment: ${r.runPrefix.join(' ')}.`] : [];
    return {
      status: 'passed',
      summary,
      notes,
      details: { kind: 'image', image: r.image, built: r.built, fromCache: r.fromCache, ...(r.baseImage ? { baseImage: r.baseImage } : {}), ...(r.pulled !== undefined ? { pulled: r.pulled } : {}) },
    };
  } catch (caught) {
    // By name: an ImageStep plugged in from another bundle throws its own copy of the class.
    if ((caught as Error)?.name !== 'ImageStepError') throw caught;
    const err = caught as ImageStepError;
    const details = { kind: 'image' as const, image: config.environment?.image || config.baseImage, built: false, fromCache: false };
    const build = err.diagnosis;
    if (build) {
      // The build's own diagnosis: its output went through the classifier with the build signatures as it
      // streamed, and the packages pip/conda named are mapped to their lines in the environment files.
      const marks = build.marks.map((m) => evidence(m.message, 'file', { location: { file: m.file, line: m.line } }));
      const logLines = build.finding.evidence.slice(0, 5).map((e) => evidence(e.text, 'log', { logLine: e.line }));
      const step = build.step ? [evidence(build.step, 'log')] : [];
      return {
        status: 'failed',
        summary: err.message,
        evidence: [...marks, ...logLines, ...step],
        fix: [...build.finding.fix, ...err.fix],
        link: build.marks[0] ? { file: build.marks[0].file, line: build.marks[0].line } : undefined,
        docs: build.finding.docs,
        details,
      };
    }
    const diag = err.log ? diagnoseBuildLog(err.log, config.sourceDir) : undefined;
    return {
      status: 'failed',
      summary: err.message,
      evidence: diag?.recognised ? diag.evidence : [],
      fix: [...(diag?.recognised ? diag.fix : []), ...err.fix],
      link: diag?.link,
      docs: diag?.docs,
      details,
    };
  }
}

/** "the conda file conda.yml" / "requirements.txt", for the image step's summary. */
function environmentFiles(p: DoctorProject): string {
  const env = p.config.environment;
  const conda = env?.condaFile ?? p.config.condaFile;
  if (conda) return `the conda file ${path.basename(conda)}`;
  const req = env?.requirementsFile ?? p.requirementsFile;
  if (req) return path.basename(req);
  return env?.condaText !== undefined ? "the registered environment's conda file" : 'its environment';
}

// ---------------------------------------------------------------------------------------------
// 5. Container

async function containerLog(runner: ContainerRunner, id: string, sourceDir: string, tail = 2000): Promise<LogDiagnosis | undefined> {
  try {
    return await diagnoseLog(runner.logs(id, tail), sourceDir);
  } catch {
    return undefined; // the container may be gone already
  }
}

async function whichServer(runner: ContainerRunner, id: string): Promise<'azmlinfsrv' | 'harness' | 'unknown'> {
  let head = '';
  try {
    for await (const chunk of runner.logs(id, 400)) {
      head += chunk.toString();
      if (head.length > 256 * 1024) break;
    }
  } catch {
    return 'unknown';
  }
  if (head.includes('AML Deploy Doctor harness')) return 'harness';
  return /Azure ML Inferencing HTTP server|azmlinfsrv/i.test(head) ? 'azmlinfsrv' : 'unknown';
}

export async function containerStep(ctx: StepContext, runner: ContainerRunner, names: { deployment: string }, readinessTimeoutMs: number, keep: boolean): Promise<StepOutcome> {
  const p = ctx.project;
  // The configuration keeps describing the deployment's environment (it is recorded on the container); the
  // image step 4 made is handed over as it is, so nothing is resolved or built twice.
  const config: LocalDeployConfig = { ...p.config, deployment: names.deployment, port: 0, debug: false };
  const started = performance.now();
  const entry = path.basename(p.entryScript);
  try {
    const c = await runner.start(config, ctx.progress, ctx.signal, ctx.state.image!);
    ctx.state.containerToRemove = c.id;
    const readyMs = Math.round(performance.now() - started);
    ctx.state.container = { ...c, readyMs };
    const server = await whichServer(runner, c.id);
    const notes = server === 'harness' ? [`The image has no Azure ML inference server (azmlinfsrv), so the bundled harness served ${entry} with the same routes; in Azure, azmlinfsrv comes from the environment (azureml-defaults / azureml-inference-server-http).`] : [];
    return {
      status: 'passed',
      summary: `${c.name} started and init() completed: GET / answered after ${(readyMs / 1000).toFixed(1)} s.`,
      notes,
      details: { kind: 'container', container: c.name, scoringUri: c.scoringUri, readyMs, server, kept: keep },
    };
  } catch (caught) {
    if ((caught as Error)?.name !== 'LocalDeployError') throw caught;
    const err = caught as LocalDeployError;
    if (err.containerId) ctx.state.containerToRemove = err.containerId;
    if (err.kind === 'cancelled') throw err;
    const diag = err.containerId ? await containerLog(runner, err.containerId, p.config.sourceDir) : err.logTail ? diagnoseText(err.logTail, p.config.sourceDir) : undefined;
    const lines = await entryFunctionLines(readEntry(ctx));
    const initLink = lines.init ? { file: p.entryScript, line: lines.init } : undefined;
    const timeout = err.kind === 'timeout';
    const summary = timeout
      ? `init() did not complete within ${Math.round(readinessTimeoutMs / 1000)} s: GET / never answered.`
      : diag?.recognised
        ? `The container did not become ready: ${diag.title}.`
        : `The container did not become ready: ${err.message}`;
    return {
      status: 'failed',
      summary,
      evidence: [evidence(err.message, 'doctor'), ...(diag?.recognised ? diag.evidence : [])],
      fix: diag?.recognised
        ? diag.fix
        : timeout
          ? ['Make init() faster (load the model once, avoid downloads at start-up), or give it more time (amlDoctor.localDeploy.readinessTimeoutSeconds / --init-timeout; readiness_probe in the deployment YAML).']
          : ['Read the container log (aml-doctor doctor --keep, then docker logs) for the first error.'],
      link: diag?.link ?? (timeout || err.kind === 'exited' ? initLink : undefined),
      raised: diag?.recognised ? diag.raised : undefined,
      docs: diag?.docs ?? `${GUIDE}#error-resourcenotready`,
      details: { kind: 'container', container: err.containerId ? `${config.endpoint}.${config.deployment}` : undefined, server: 'unknown', kept: keep },
    };
  }
}

// ---------------------------------------------------------------------------------------------
// 6. Scoring

async function loadSample(ctx: StepContext): Promise<StepOutcome | undefined> {
  const p = ctx.project;
  if (p.sampleFile) {
    const st = fs.statSync(p.sampleFile);
    if (st.size > MAX_SAMPLE_BYTES) {
      return { status: 'failed', summary: `The sample ${path.basename(p.sampleFile)} is larger than 10 MB.`, fix: ['Use a small representative request as the sample.'], link: { file: p.sampleFile, line: 1 } };
    }
    const body = fs.readFileSync(p.sampleFile, 'utf8');
    try {
      validateSample(body);
    } catch (err) {
      if (!(err instanceof InvalidSampleError)) throw err;
      const at = jsonErrorOffset(body);
      const line = at >= 0 ? body.slice(0, at).split('\n').length : 1;
      return { status: 'failed', summary: `The sample ${path.basename(p.sampleFile)} is not a request body: ${err.message}`, fix: [`Fix the JSON in ${path.basename(p.sampleFile)} (line ${line}).`], link: { file: p.sampleFile, line } };
    }
    ctx.state.sample = { body, source: 'file', file: p.sampleFile };
    return undefined;
  }
  const fromSchema = await sampleFromSchema(readEntry(ctx));
  if (fromSchema) {
    ctx.state.sample = { body: fromSchema.body, source: 'schema' };
    return undefined;
  }
  return {
    status: 'skipped',
    summary: 'No sample request: the project has no sample JSON and run() has no @input_schema decorator with a sample.',
    skip: { kind: 'unavailable', message: 'no sample request in the project' },
    fix: ['Add a sample-request.json next to the entry script (or --sample FILE), or @input_schema / @output_schema decorators with samples on run().'],
  };
}

export async function scoringStep(ctx: StepContext, runner: ContainerRunner): Promise<StepOutcome> {
  const p = ctx.project;
  const container = ctx.state.container!;
  const sampleProblem = await loadSample(ctx);
  if (sampleProblem) return sampleProblem;
  const sample = ctx.state.sample!;
  const timeoutMs = p.requestTimeoutMs;
  const from = sample.source === 'file' ? path.basename(sample.file!) : 'the @input_schema sample';
  ctx.progress(`POST ${container.scoringUri} with ${from}`);
  const r = await sendTestRequest(container.scoringUri, sample.body, { timeoutMs, signal: ctx.signal });
  if (ctx.signal.aborted) throw new LocalDeployError('cancelled', 'cancelled');
  const details = { kind: 'scoring' as const, sampleSource: sample.source, sampleFile: sample.file, status: r.status, latencyMs: Math.round(r.latencyMs * 10) / 10, timeoutMs, body: cleanBlock(r.body) };
  const entry = path.basename(p.entryScript);
  if (r.status === 200) {
    ctx.state.scoringLatencyMs = r.latencyMs;
    const notes = r.latencyMs > timeoutMs * 0.8 ? [`The answer took ${Math.round(r.latencyMs)} ms, close to request_timeout_ms (${timeoutMs} ms): under load it will time out (HTTP 408/504).`] : [];
    return { status: 'passed', summary: `POST /score with ${from} answered 200 in ${r.latencyMs.toFixed(1)} ms (request timeout ${timeoutMs} ms).`, notes, details };
  }
  const lines = await entryFunctionLines(readEntry(ctx));
  const runLink = lines.run ? { file: p.entryScript, line: lines.run } : undefined;
  const timedOut = r.status === 0 && r.explanation.status === 504;
  if (timedOut) {
    const s408 = explainStatus(408);
    return {
      status: 'failed',
      summary: `run() did not answer within the request timeout (request_timeout_ms ${timeoutMs} ms): Azure answers ${s408.status} ${s408.title} (504 on Kubernetes) for this request.`,
      evidence: [evidence(r.networkError ?? `no answer within ${timeoutMs} ms`, 'doctor')],
      fix: [s408.action, `Or raise request_settings.request_timeout_ms above the time run() needs for ${from}.`],
      link: runLink,
      docs: `${GUIDE}#http-status-codes`,
      details,
    };
  }
  const diag = await containerLog(runner, container.id, p.config.sourceDir, 500);
  const status = r.status ? explainStatus(r.status) : r.explanation;
  const what = r.status ? `${r.status} ${status.title}` : `no answer (${r.networkError})`;
  const ev: EvidenceItem[] = [evidence(`POST /score -> ${what} in ${r.latencyMs.toFixed(1)} ms`, 'response')];
  if (r.body) ev.push(evidence(r.body, 'response'));
  if (diag?.recognised) ev.push(...diag.evidence);
  return {
    status: 'failed',
    summary: `POST /score with ${from} answered ${what}${diag?.recognised ? `: ${diag.title}` : ''}.`,
    evidence: ev,
    fix: [...(diag?.recognised ? diag.fix : []), status.local ? `${status.action} (${status.local})` : status.action],
    link: diag?.link ?? runLink,
    raised: diag?.recognised ? diag.raised : undefined,
    docs: diag?.docs ?? `${GUIDE}#http-status-codes`,
    notes: [`${entry}'s run() raised or failed on this request: on Azure the caller sees ${r.status >= 500 || !r.status ? '502 Bad Gateway (424 on managed endpoints)' : `${r.status}`}.`],
    details,
  };
}

// ---------------------------------------------------------------------------------------------
// 7. Capacity

export async function capacityStep(ctx: StepContext, request: CapacityRequest): Promise<StepOutcome> {
  const p = ctx.project;
  const { requests, concurrency, maxMs } = clampBurst(request);
  ctx.progress(`${requests} requests, ${concurrency} at a time`);
  const b = await runBurst(ctx.state.container!.scoringUri, ctx.state.sample!.body, { requests, concurrency, timeoutMs: p.requestTimeoutMs, maxMs, signal: ctx.signal });
  if (ctx.signal.aborted) throw new LocalDeployError('cancelled', 'cancelled');
  const details: NonNullable<StepResult['details']> & { kind: 'capacity' } = {
    kind: 'capacity',
    requests: b.requests,
    completed: b.completed,
    errors: b.errors,
    concurrency: b.concurrency,
    durationMs: b.durationMs,
    throughputRps: b.throughputRps,
    latencyMs: b.latencyMs,
    targetRps: request.targetRps,
  };
  const l = b.latencyMs;
  const figures = `p50 ${l.p50} ms, p90 ${l.p90} ms, p99 ${l.p99} ms at ${b.concurrency} concurrent (${b.throughputRps} answers/s)`;
  const notes: string[] = [];
  const fix: string[] = [];
  if (b.cutShort) notes.push(`The burst stopped at its time bound (${maxMs / 1000} s) after ${b.completed} of ${b.requests} requests.`);
  if (request.targetRps && b.latencyMs.p90 > 0) {
    const input = { requestsPerSecond: request.targetRps, requestSeconds: b.latencyMs.p90 / 1000, maxConcurrentRequests: p.maxConcurrentRequests, targetUtilization: 0.7 };
    const plan = calculateReplicas(input);
    details.replicas = { replicas: plan.replicas, maxConcurrentRequests: input.maxConcurrentRequests, requestSeconds: input.requestSeconds, targetUtilization: input.targetUtilization, yaml: formatReplicaPlan(input, plan) };
    notes.push(`For ${request.targetRps} requests/s at the p90 latency (${l.p90} ms), max_concurrent_requests_per_instance ${input.maxConcurrentRequests} and 70% target utilisation: ${plan.replicas} instance(s) (the autoscale settings are in the details).`);
  }
  if (b.errors) {
    const statuses = Object.entries(b.errorStatuses).map(([s, n]) => `${n} x ${s === '0' ? 'no answer' : s}`).join(', ');
    fix.push('Read the container log for the failing requests; a single worker serialises requests (WORKER_COUNT), so concurrent requests wait for each other.');
    if (b.errorStatuses['0']) fix.push(`Requests that got no answer within ${p.requestTimeoutMs} ms would be 408/504 on Azure: make run() faster or raise request_timeout_ms.`);
    return { status: 'failed', summary: `${b.errors} of ${b.completed} requests failed under load (${statuses}); ${figures}.`, fix, notes, docs: `${GUIDE}#http-status-codes`, details };
  }
  return { status: 'passed', summary: `${b.completed} requests answered 200: ${figures}.`, notes, details };
}
