// Run Doctor: the steps in order, each passed / failed / skipped (with why), the dependants of a failed
// step skipped, progress per step, cancellable at every step, and the local container cleaned up whatever
// happens. Pure: the capabilities (image, containers, Azure) come in as interfaces (capabilities.ts).
import { randomBytes } from 'node:crypto';
import * as l10n from '../common/l10n';
import { nullLogger, type Logger } from '../common/logger';
import { azureStep, type AzureAccess } from './azureStep';
import type { ContainerRunner, ImageStep } from './capabilities';
import type { DoctorProject } from './project';
import { cleanText, MAX_EVIDENCE_ITEMS, REPORT_SCHEMA_VERSION, STEPS, stepInfo, type DoctorReport, type StepId, type StepResult } from './report';
import { capacityStep, containerStep, environmentStep, imageStep, modelStep, scoringStep, scriptStep, type CapacityRequest, type RunState, type StepContext, type StepOutcome } from './steps';

export interface DoctorCapabilities {
  /** Step 4; absent (no Docker here): steps 4-7 are skipped with `unavailableReason`. */
  image?: ImageStep;
  /** Step 5. */
  containers?: ContainerRunner;
  /** Step 8; absent: not signed in. */
  azure?: AzureAccess;
  log?: Logger;
}

export type DoctorProgress =
  | { type: 'start'; step: StepId; number: number; title: string; total: number }
  /** `output`: a line of build or pull output (step 4), not a stage of the step. */
  | { type: 'message'; step: StepId; message: string; output?: boolean }
  | { type: 'end'; step: StepId; result: StepResult };

export interface DoctorOptions {
  /** 'static': steps 1-3 only (Restricted Mode, --static); `staticReason` says why in the report. */
  mode?: 'full' | 'static';
  staticReason?: string;
  /** Steps 1-7 cannot run: there is no local project (a deployment known only in Azure). */
  localUnavailableReason?: string;
  /** Why steps 4-7 cannot run when there is no image/container capability. */
  unavailableReason?: string;
  /** Why step 8 does not run when there is no Azure access. */
  azureUnavailableReason?: string;
  /** Step 7 runs only when asked. */
  capacity?: CapacityRequest;
  readinessTimeoutMs?: number;
  /** Leave the doctor's container running afterwards (its logs, a debugger). */
  keepContainer?: boolean;
  /** Distinguishes the doctor's container name (default: random). */
  runId?: string;
  signal?: AbortSignal;
  onProgress?: (e: DoctorProgress) => void;
  version?: string;
}

/** A step fails -> these skip (the step needs a working predecessor). */
const BLOCKED_BY: Record<StepId, StepId[]> = {
  script: [],
  environment: [],
  model: [],
  image: ['environment'],
  container: ['script', 'model', 'image'],
  scoring: ['container'],
  capacity: ['scoring'],
  azure: [],
};
/** These need the predecessor's output (a running container...), so a skipped predecessor skips them too. */
const NEEDS_OUTPUT: Partial<Record<StepId, StepId>> = { container: 'image', scoring: 'container', capacity: 'scoring' };

const RUNTIME: ReadonlySet<StepId> = new Set(['image', 'container', 'scoring', 'capacity']);

function isCancellation(err: unknown): boolean {
  const e = err as { name?: string; kind?: string } | undefined;
  return e?.name === 'AbortError' || e?.kind === 'cancelled';
}

export async function runDoctor(project: DoctorProject, caps: DoctorCapabilities, options: DoctorOptions = {}): Promise<DoctorReport> {
  const log = caps.log ?? nullLogger;
  const signal = options.signal ?? new AbortController().signal;
  const startedAt = new Date();
  const t0 = performance.now();
  const state: RunState = {};
  const results = new Map<StepId, StepResult>();
  const mode = options.mode ?? 'full';
  const runId = options.runId ?? randomBytes(3).toString('hex');
  const readinessTimeoutMs = options.readinessTimeoutMs ?? 120_000;
  const keep = !!options.keepContainer;

  const skipReason = (id: StepId): StepResult['skip'] | undefined => {
    if (signal.aborted) return { kind: 'cancelled', message: l10n.t('the run was cancelled') };
    if (options.localUnavailableReason && id !== 'azure') return { kind: 'unavailable', message: options.localUnavailableReason };
    if (mode === 'static' && (RUNTIME.has(id) || id === 'azure')) return { kind: 'restricted', message: options.staticReason ?? l10n.t('static run: steps 1-3 only') };
    for (const dep of BLOCKED_BY[id]) {
      const r = results.get(dep);
      if (r?.status === 'failed') return { kind: 'dependency', dependsOn: dep, message: l10n.t('step {0} ({1}) failed', r.number, r.title) };
    }
    const needed = NEEDS_OUTPUT[id];
    if (needed && results.get(needed)?.status === 'skipped') {
      const r = results.get(needed)!;
      return { kind: 'dependency', dependsOn: needed, message: l10n.t('step {0} ({1}) did not run', r.number, r.title) };
    }
    if (RUNTIME.has(id) && (!caps.image || !caps.containers)) return { kind: 'unavailable', message: options.unavailableReason ?? l10n.t('no Docker engine to run the deployment on') };
    if (id === 'capacity' && !options.capacity) return { kind: 'not-requested', message: l10n.t('not requested (aml-doctor doctor --capacity, or "Run Doctor with Capacity Check")') };
    if (id === 'azure' && !caps.azure) return { kind: 'unavailable', message: options.azureUnavailableReason ?? l10n.t('not signed in to Azure') };
    return undefined;
  };

  const run = async (id: StepId, ctx: StepContext): Promise<StepOutcome> => {
    switch (id) {
      case 'script':
        return scriptStep(ctx);
      case 'environment':
        return environmentStep(ctx);
      case 'model':
        return modelStep(ctx);
      case 'image':
        return imageStep(ctx, caps.image!);
      case 'container':
        return containerStep(ctx, caps.containers!, { deployment: `${project.config.deployment}-doctor-${runId}` }, readinessTimeoutMs, keep);
      case 'scoring':
        return scoringStep(ctx, caps.containers!);
      case 'capacity':
        return capacityStep(ctx, options.capacity!);
      case 'azure':
        return azureStep(ctx, caps.azure!);
    }
  };

  try {
    for (const { id } of STEPS) {
      const { number, title } = stepInfo(id);
      const started = performance.now();
      const finish = (o: StepOutcome): StepResult => {
        const r: StepResult = { id, number, title, evidence: [], fix: [], notes: [], durationMs: Math.round(performance.now() - started), ...o };
        // Summaries and notes can quote logs or Azure messages: one line each, redacted, bounded.
        r.summary = cleanText(r.summary, 1000);
        r.fix = r.fix.map((f) => cleanText(f, 1000));
        r.notes = r.notes.map((n) => cleanText(n, 1000));
        r.evidence = r.evidence.slice(0, MAX_EVIDENCE_ITEMS);
        results.set(id, r);
        options.onProgress?.({ type: 'end', step: id, result: r });
        return r;
      };
      const skip = skipReason(id);
      if (skip) {
        finish({ status: 'skipped', summary: l10n.t('Skipped: {0}.', skip.message), skip });
        continue;
      }
      options.onProgress?.({ type: 'start', step: id, number, title, total: STEPS.length });
      const ctx: StepContext = { project, state, signal, log, progress: (message, output) => options.onProgress?.({ type: 'message', step: id, message, ...(output ? { output } : {}) }) };
      try {
        finish(await run(id, ctx));
      } catch (err) {
        if (isCancellation(err) || signal.aborted) {
          finish({ status: 'skipped', summary: l10n.t('Cancelled while this step ran.'), skip: { kind: 'cancelled', message: l10n.t('the run was cancelled') } });
          continue;
        }
        // A surprise (the engine went away, a file vanished): this step fails with the reason; the others still run.
        log.error(err instanceof Error ? err : String(err));
        const message = (err as Error)?.message ?? String(err);
        finish({ status: 'failed', summary: l10n.t('The doctor could not complete this step: {0}', cleanText(message, 300)), evidence: [{ text: cleanText(message), source: 'doctor' }], fix: [l10n.t('See the error above; run the doctor again once it is resolved.')] });
      }
    }
  } finally {
    if (state.containerToRemove && !keep) {
      await caps.containers?.remove(state.containerToRemove).catch((err: Error) => log.warn(`doctor: removing the container failed: ${err.message}`));
    }
  }

  const steps = STEPS.map((s) => results.get(s.id)!);
  const failed = steps.find((s) => s.status === 'failed');
  return {
    ...reportHead(project, mode, startedAt, state.image?.image, options.version),
    durationMs: Math.round(performance.now() - t0),
    outcome: signal.aborted ? 'cancelled' : failed ? 'failed' : 'passed',
    firstFailure: failed?.id,
    steps,
  };
}

function reportHead(p: DoctorProject, mode: 'full' | 'static', startedAt: Date, image: string | undefined, version: string | undefined): Omit<DoctorReport, 'durationMs' | 'outcome' | 'firstFailure' | 'steps'> {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'aml-doctor', version: version ?? '0.0.0' },
    target: p.target,
    project: {
      root: p.config.sourceDir,
      endpoint: p.config.endpoint,
      deployment: p.config.deployment,
      entryScript: p.entryScript || undefined,
      condaFile: p.config.condaFile,
      requirementsFile: p.requirementsFile,
      model: p.config.modelPath,
      sample: p.sampleFile,
      image: image ?? (p.config.baseImage || undefined),
      notes: p.notes,
    },
    mode,
    startedAt: startedAt.toISOString(),
  };
}

/** A step as a live view shows it while the run goes on. */
export type LiveStep = Omit<StepResult, 'status'> & { status: StepResult['status'] | 'pending' | 'running' };
export type LiveReport = Omit<DoctorReport, 'steps'> & { steps: LiveStep[] };

/** The report so far, from the progress events: finished steps as they are, the current one running, the rest waiting. */
export class LiveReportBuilder {
  private readonly results = new Map<StepId, StepResult>();
  private current: StepId | undefined;
  private readonly startedAt = new Date();
  private readonly t0 = performance.now();

  constructor(private readonly project: DoctorProject, private readonly mode: 'full' | 'static', private readonly version?: string) {}

  apply(e: DoctorProgress): void {
    if (e.type === 'start') this.current = e.step;
    else if (e.type === 'end') {
      this.results.set(e.step, e.result);
      if (this.current === e.step) this.current = undefined;
    }
  }

  report(): LiveReport {
    return {
      ...reportHead(this.project, this.mode, this.startedAt, undefined, this.version),
      durationMs: Math.round(performance.now() - this.t0),
      outcome: [...this.results.values()].some((r) => r.status === 'failed') ? 'failed' : 'passed',
      steps: STEPS.map(({ id }) => {
        const done = this.results.get(id);
        if (done) return done;
        const { number, title } = stepInfo(id);
        return { id, number, title, status: id === this.current ? 'running' : 'pending', summary: '', evidence: [], fix: [], notes: [], durationMs: 0 };
      }),
    };
  }
}
