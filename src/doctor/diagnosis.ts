// Log diagnosis for the doctor's steps, through the log engine's public API (the same explainStream that
// `aml-doctor explain` uses): evidence lines, the fix, and the traceback frame in user code mapped back to
// the local file. A frame path is log text: it is only ever resolved inside the project's source folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { APP_ROOT } from '../docker/localDeploy';
import { BUILD_SIGNATURES } from '../logs/buildSignatures';
import { SIGNATURES } from '../logs/catalogue';
import { explainStream, explainText } from '../logs/classifier';
import type { Explanation, Finding } from '../logs/types';
import { cleanText, evidence, type EvidenceItem, type Location, type RaisedAt } from './report';

export interface LogDiagnosis {
  /** False when the log holds no known failure (the classifier's "unrecognised", or "no failure in this text"). */
  recognised: boolean;
  id: string;
  category: string;
  title: string;
  explanation: string;
  fix: string[];
  docs: string;
  evidence: EvidenceItem[];
  /** The deepest user-code frame, mapped to the local file. */
  link?: Location;
  /** The deepest frame in the entry script, mapped to the local file (the editor's runtime finding). */
  raised?: RaisedAt;
  lines: number;
}

/** Maps a path inside the container (/var/azureml-app/score.py) to the local file it was copied from. */
export function localPathForFrame(framePath: string, sourceDir: string, remoteRoot = APP_ROOT): string | undefined {
  const norm = framePath.replace(/\\/g, '/');
  const root = remoteRoot.replace(/\/+$/, '');
  if (!norm.startsWith(root + '/')) return undefined;
  const base = path.resolve(sourceDir);
  const local = path.resolve(base, norm.slice(root.length + 1));
  if (local !== base && !local.startsWith(base + path.sep)) return undefined;
  try {
    return fs.statSync(local).isFile() ? local : undefined;
  } catch {
    return undefined;
  }
}

function fromFinding(f: Finding, e: Explanation, sourceDir: string): LogDiagnosis {
  const localFile = f.location ? localPathForFrame(f.location.path, sourceDir) : undefined;
  const link = localFile && f.location ? { file: localFile, line: f.location.line } : undefined;
  const entry = f.entryFrame;
  const entryFile = entry ? localPathForFrame(entry.path, sourceDir) : undefined;
  const exc = f.exception ?? f.traceback?.exception;
  const raised: RaisedAt | undefined =
    entry && entryFile
      ? {
          file: entryFile,
          line: entry.line,
          function: entry.function,
          ...(entry.source ? { source: cleanText(entry.source, 500) } : {}),
          title: f.title,
          ...(exc ? { exception: cleanText(`${exc.type}${exc.message ? `: ${exc.message}` : ''}`) } : {}),
        }
      : undefined;
  return {
    recognised: f.id !== 'unrecognised' && f.category !== 'no_failure',
    id: f.id,
    category: f.category,
    title: f.title,
    explanation: f.explanation,
    fix: f.fix,
    docs: f.docs,
    evidence: f.evidence.slice(0, 5).map((ev) => evidence(ev.text, 'log', { logLine: ev.line })),
    link,
    raised,
    lines: e.lines,
  };
}

/** Diagnoses a log (container output, Azure getLogs) streamed in bounded memory. */
export async function diagnoseLog(chunks: AsyncIterable<string | Uint8Array>, sourceDir: string): Promise<LogDiagnosis> {
  const e = await explainStream(chunks);
  return fromFinding(e.primary, e, sourceDir);
}

/** Same, for a log already in memory. */
export function diagnoseText(text: string, sourceDir: string): LogDiagnosis {
  const e = explainText(text);
  return fromFinding(e.primary, e, sourceDir);
}

/** Build or pull output (the tail a failed image step kept), with the build signatures as the environment code reads it. */
export function diagnoseBuildLog(text: string, sourceDir: string): LogDiagnosis {
  const e = explainText(text, { signatures: BUILD_LOG_SIGNATURES, format: 'raw' });
  return fromFinding(e.primary, e, sourceDir);
}

const BUILD_LOG_SIGNATURES = [...BUILD_SIGNATURES, ...SIGNATURES];
