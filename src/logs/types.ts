// Shared shapes of the log engine: its public API. The JSON of `aml-doctor explain --format json` is built
// from these, the log panel renders them, and the editor integration reads the traceback structure (the
// deepest frame in the user's entry script) from them.

/**
 * The diagnosis categories (the words are a stable contract: CLI JSON, evaluation, panel). The evaluation
 * (scripts/eval-logs.mjs) maps them onto the corpus's twelve labels.
 */
export const CATEGORIES = [
  // The scoring container's start-up and requests.
  'out_of_memory',
  'init_exception',
  'missing_function',
  'model_not_found',
  'missing_dependency',
  'entry_script_not_found',
  'run_exception_502',
  'return_not_serializable',
  'model_error_424',
  'request_timeout_408',
  'too_many_requests_429',
  'overload_503',
  'timeout_504',
  // The platform around it.
  'gpu_unavailable',
  'scheduling_no_resources',
  'platform_capacity',
  'quota',
  'identity_permission',
  'image_build_failure',
  'control_plane',
  // No cause named.
  'other',
  'no_failure',
] as const;
export type Category = (typeof CATEGORIES)[number];

export type Severity = 'error' | 'warning' | 'info' | 'debug';

/**
 * Where in a deployment's life the failure happened: importing the entry module, its init(), its run(), the
 * server after run() returned (serialising the answer), the server's own start, the image build, the
 * Kubernetes scheduler, the Azure ML control plane, or the client calling the endpoint.
 */
export const PHASES = ['import', 'init', 'run', 'response', 'server_start', 'build', 'scheduling', 'control_plane', 'request', 'client'] as const;
export type Phase = (typeof PHASES)[number];

export interface Signature {
  /** Stable identifier, e.g. `oom-worker-killed`. */
  id: string;
  category: Category;
  /** One short sentence naming the failure. */
  title: string;
  /**
   * Lower-case literals; a line is only tested against `patterns` when it contains one of them. They make
   * the scan fast and must never contain characters that logs often escape (`& < > " '`).
   */
  keywords: string[];
  /** A line matching any of these is evidence (tested on the normalised line). */
  patterns: RegExp[];
  /** Look-alikes: a line matching any of these is not evidence for this signature. */
  unless?: RegExp[];
  /** Specificity: when several signatures fire, the highest score wins. */
  weight: number;
  /** How sure one line of this evidence makes the diagnosis (0-1). Default 0.7. */
  confidence?: number;
  /** Where in the deployment's life this failure happens. */
  phase?: Phase;
  /** Harmless lines that look like errors: dimmed in the panel, never a diagnosis. */
  noise?: boolean;
  /**
   * Says what kind of log this is, not that something failed (an image build's `Step n/m` lines): its lines
   * keep their own colour in the panel, and a log that shows the work ended well (the image was built) drops it.
   */
  context?: boolean;
  explanation: string;
  fix: string[];
  /** Section of the Azure ML troubleshooting guide. */
  docs: string;
  /** What to collect next when this is all the text shows. */
  collect?: CollectStep[];
}

export interface Evidence {
  /** 1-based line number in the log. */
  line: number;
  text: string;
}

/** Who wrote the code of a frame. */
export type FrameOrigin = 'entry' | 'user' | 'server' | 'library' | 'runtime' | 'client';

/** A traceback frame (`File "/var/azureml-app/score.py", line 12, in init`). */
export interface Frame {
  /** The path as seen where the code ran (inside the container). */
  path: string;
  line: number;
  function: string;
  /** The source line Python printed under the frame, when there was one. */
  source?: string;
  origin?: FrameOrigin;
}

export interface ExceptionInfo {
  /** As printed, possibly qualified: `ModuleNotFoundError`, `torch.cuda.OutOfMemoryError`. */
  type: string;
  message: string;
}

/** A Python traceback read from a log: whole, or as much of it as the log holds. */
export interface Traceback {
  /** Outermost call first, as Python prints them (long tracebacks keep their first and last frames). */
  frames: Frame[];
  /** Frames left out of a very long traceback. */
  elided?: number;
  /** Missing when the log is cut before the exception line. */
  exception?: ExceptionInfo;
  /** True when the exception line never came (the log was cut). */
  truncated: boolean;
  /**
   * The exception this one happened while handling ("During handling of the above exception...", relation
   * 'context') or was raised from ("The above exception was the direct cause...", relation 'cause').
   */
  chained?: { relation: 'context' | 'cause'; traceback: Traceback };
  /** 1-based log lines where it starts and ends. */
  line: number;
  endLine: number;
  /** Where in the deployment's life it was raised, from where its frames are. */
  phase?: Phase;
  /** The deepest frame in the user's entry script (container path), when the traceback runs through it. */
  entryFrame?: Frame;
  /** The deepest frame in the user's code (the entry script or a module next to it). */
  userFrame?: Frame;
}

/** Something to collect when the text does not hold the cause, and how. */
export interface CollectStep {
  what: string;
  /** A command that gets it, when there is one. */
  command?: string;
}

export interface Finding {
  id: string;
  category: Category;
  title: string;
  explanation: string;
  fix: string[];
  docs: string;
  score: number;
  /** How sure the diagnosis is, 0-1: complete structure beats a phrase, specific beats generic. */
  confidence: number;
  /** How many lines supported it (evidence keeps only the first few). */
  count: number;
  evidence: Evidence[];
  phase?: Phase;
  /** The exception the diagnosis rests on (for a chain, the one that names the cause). */
  exception?: ExceptionInfo;
  /** The traceback the diagnosis rests on, with its chain. */
  traceback?: Traceback;
  /** The deepest frame in the user's entry script (container path, line, function). */
  entryFrame?: Frame;
  /** Where to look: the deepest frame in the user's code, when a traceback was seen. */
  location?: Frame;
  /** What to collect next (a log, a command) when the text does not settle the cause. */
  collect?: CollectStep[];
}

export interface Explanation {
  primary: Finding;
  /** All non-noise findings, best first (the primary included). */
  findings: Finding[];
  /** Noise signatures recognised (dimmed, not causes). */
  noise: { id: string; title: string; count: number }[];
  /** The entry script the log names (the server's "Entry Script Name:"), when it does. */
  entryScript?: string;
  lines: number;
  bytes: number;
}

/** One classified line, as the panel receives it. */
export interface LogLine {
  n: number;
  text: string;
  severity: Severity;
  /** Signature that fired on this line (not noise). */
  signature?: string;
  noise?: boolean;
  frame?: Frame;
}
