// Shared shapes of the log engine. The JSON of `aml-doctor explain --format json` is built from these.

/** The primary-diagnosis categories (the words are a stable contract: CLI JSON, evaluation, panel). */
export const CATEGORIES = [
  'out_of_memory',
  'init_exception',
  'model_not_found',
  'missing_dependency',
  'scheduling_no_resources',
  'gpu_unavailable',
  'run_exception_502',
  'overload_503',
  'timeout_504',
  'image_build_failure',
  'auth_or_quota',
  'other',
] as const;
export type Category = (typeof CATEGORIES)[number];

export type Severity = 'error' | 'warning' | 'info' | 'debug';

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
  /** Harmless lines that look like errors: dimmed in the panel, never a diagnosis. */
  noise?: boolean;
  explanation: string;
  fix: string[];
  /** Section of the Azure ML troubleshooting guide. */
  docs: string;
}

export interface Evidence {
  /** 1-based line number in the log. */
  line: number;
  text: string;
}

/** A traceback frame (`File "/var/azureml-app/score.py", line 12, in init`). */
export interface Frame {
  path: string;
  line: number;
  function: string;
}

export interface Finding {
  id: string;
  category: Category;
  title: string;
  explanation: string;
  fix: string[];
  docs: string;
  score: number;
  /** How many lines supported it (evidence keeps only the first few). */
  count: number;
  evidence: Evidence[];
  /** For exceptions: the deepest frame in the user's code (score.py), when a traceback was seen. */
  location?: Frame;
}

export interface Explanation {
  primary: Finding;
  /** All non-noise findings, best first (the primary included). */
  findings: Finding[];
  /** Noise signatures recognised (dimmed, not causes). */
  noise: { id: string; title: string; count: number }[];
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
