// The doctor's report: the JSON contract that `aml-doctor doctor --format json` prints, the webview renders
// and docs/doctor-report.schema.json documents. Everything that came from outside (log lines, response
// bodies, Azure messages) is redacted and clipped when it enters a report, so every rendering is safe.
import * as path from 'node:path';
import { redactSecrets } from '../common/logger';

export const REPORT_SCHEMA_VERSION = 1;

/** The steps in the order they run. */
export const STEPS = [
  { id: 'script', title: 'Entry script' },
  { id: 'environment', title: 'Environment' },
  { id: 'model', title: 'Model' },
  { id: 'image', title: 'Image' },
  { id: 'container', title: 'Container' },
  { id: 'scoring', title: 'Scoring' },
  { id: 'capacity', title: 'Capacity' },
  { id: 'azure', title: 'Azure' },
] as const;

export type StepId = (typeof STEPS)[number]['id'];
export type StepStatus = 'passed' | 'failed' | 'skipped';

/** 1-based position in a local file. */
export interface Location {
  file: string;
  line: number;
  column?: number;
}

/** The deepest frame of a traceback in the entry script, mapped to the local file, with the log's diagnosis. */
export interface RaisedAt {
  file: string;
  line: number;
  function: string;
  /** The source line the traceback printed (redacted). */
  source?: string;
  title: string;
  /** "Type: message", redacted and clipped. */
  exception?: string;
}

export interface EvidenceItem {
  text: string;
  /** Where the text comes from: a project file, a container or Azure log, a scoring response, Azure's API, the doctor itself. */
  source: 'file' | 'log' | 'response' | 'azure' | 'doctor';
  /** The local file line it concerns (a file line, or a traceback frame mapped to the local file). */
  location?: Location;
  /** Line number in the log it was read from. */
  logLine?: number;
}

export type SkipKind = 'dependency' | 'not-requested' | 'restricted' | 'unavailable' | 'cancelled';

export interface SkipReason {
  kind: SkipKind;
  message: string;
  /** For 'dependency': the failed step this one needs. */
  dependsOn?: StepId;
}

export interface ScriptDetails {
  kind: 'script';
  findings: { rule: string; severity: string; message: string; line: number; column: number }[];
}

export interface EnvironmentDetails {
  kind: 'environment';
  source: 'conda' | 'requirements' | 'registered' | 'none';
  file?: string;
  /** azureml:<name>:<version> when the deployment names a registered environment. */
  reference?: string;
  serverPackage?: string;
  problems: { package: string; line?: number; problem: string }[];
}

export interface ModelDetails {
  kind: 'model';
  modelPath?: string;
  /** AZUREML_MODEL_DIR inside the container. */
  modelDir: string;
  /** Files the model provides, relative to AZUREML_MODEL_DIR (first 50). */
  files: string[];
  references: { path: string; line: number; found: boolean }[];
}

export interface ImageDetails {
  kind: 'image';
  image: string;
  built: boolean;
  fromCache: boolean;
  /** The base image the environment image was made from (after the image map). */
  baseImage?: string;
  /** The base image was missing and this run pulled it. */
  pulled?: boolean;
}

export interface ContainerDetails {
  kind: 'container';
  container?: string;
  scoringUri?: string;
  readyMs?: number;
  /** Which server answered: the Azure ML inference server, or the bundled harness (same routes). */
  server: 'azmlinfsrv' | 'harness' | 'unknown';
  kept: boolean;
}

export interface ScoringDetails {
  kind: 'scoring';
  sampleSource: 'file' | 'schema';
  sampleFile?: string;
  status: number;
  latencyMs: number;
  timeoutMs: number;
  /** The start of the response body (clipped, redacted). */
  body: string;
}

export interface CapacityDetails {
  kind: 'capacity';
  requests: number;
  completed: number;
  errors: number;
  concurrency: number;
  durationMs: number;
  throughputRps: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  targetRps?: number;
  replicas?: { replicas: number; maxConcurrentRequests: number; requestSeconds: number; targetUtilization: number; yaml: string };
}

export interface AzureDetails {
  kind: 'azure';
  workspace: string;
  endpoint: string;
  deployment: string;
  state?: string;
  explanations: { id: string; title: string }[];
  logs: { container: string; id: string; category: string; title: string }[];
  differences: { field: string; local: string; azure: string; differs: boolean | null }[];
}

export type StepDetails = ScriptDetails | EnvironmentDetails | ModelDetails | ImageDetails | ContainerDetails | ScoringDetails | CapacityDetails | AzureDetails;

export interface StepResult {
  id: StepId;
  number: number;
  title: string;
  status: StepStatus;
  /** One sentence: what was found. */
  summary: string;
  skip?: SkipReason;
  evidence: EvidenceItem[];
  /** What to change, most likely first (empty when nothing needs changing). */
  fix: string[];
  /** The file line a failure concerns (score.py, the conda file...). */
  link?: Location;
  /** The entry script's line a traceback in the step's log ran through (the editor's runtime finding). */
  raised?: RaisedAt;
  docs?: string;
  /** Remarks on a passed step (warnings, what the local run could not reproduce). */
  notes: string[];
  durationMs: number;
  details?: StepDetails;
}

export type TargetKind = 'deployment-yaml' | 'entry-script' | 'sdk-v1-script' | 'local-deployment' | 'azure-deployment';

export interface DoctorReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  tool: { name: 'aml-doctor'; version: string };
  target: { kind: TargetKind; file?: string; name: string };
  project: {
    root: string;
    endpoint: string;
    deployment: string;
    entryScript?: string;
    condaFile?: string;
    requirementsFile?: string;
    model?: string;
    sample?: string;
    image?: string;
    /** How the parts were found (e.g. "conda file: environment.yml next to score.py"). */
    notes: string[];
  };
  /** 'static': steps 1-3 only (Restricted Mode, or --static). */
  mode: 'full' | 'static';
  startedAt: string;
  durationMs: number;
  outcome: 'passed' | 'failed' | 'cancelled';
  firstFailure?: StepId;
  steps: StepResult[];
}

export const MAX_EVIDENCE_CHARS = 400;
export const MAX_EVIDENCE_ITEMS = 8;
export const MAX_BODY_CHARS = 2000;

/** Text from outside (a log line, a response, an Azure message) made fit for a report: redacted, one line, clipped. */
export function cleanText(text: string, max = MAX_EVIDENCE_CHARS): string {
  // Control characters (ANSI escapes, NULs) are dropped before redaction so a split token is still matched.
  const flat = redactSecrets(text.slice(0, max * 4).replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, ' '))
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ⏎ ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A multi-line excerpt (a response body): redacted and clipped, newlines kept. */
export function cleanBlock(text: string, max = MAX_BODY_CHARS): string {
  const flat = redactSecrets(text.slice(0, max * 2).replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, ' '));
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function evidence(text: string, source: EvidenceItem['source'], extra: Omit<EvidenceItem, 'text' | 'source'> = {}): EvidenceItem {
  return { text: cleanText(text), source, ...extra };
}

export function stepInfo(id: StepId): { number: number; title: string } {
  const i = STEPS.findIndex((s) => s.id === id);
  return { number: i + 1, title: STEPS[i]!.title };
}

/** Exit code of `aml-doctor doctor`: 0 nothing failed, 1 a step failed, 130 cancelled (2 is bad usage, decided before a report exists). */
export function exitCodeFor(report: DoctorReport): number {
  if (report.outcome === 'cancelled') return 130;
  return report.outcome === 'failed' ? 1 : 0;
}

/** A path relative to the project for display (reports name files relative to the code folder). */
export function displayPath(root: string, file: string): string {
  const r = path.relative(root, file);
  return r && !r.startsWith('..') && !path.isAbsolute(r) ? r.split(path.sep).join('/') : file;
}
