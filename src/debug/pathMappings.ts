// Works out how files in the container map to the user's workspace, so a breakpoint set in the local
// score.py binds in the container. Pure: inputs are the container's inspect data and the workspace.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as l10n from '../common/l10n';

export interface PathMapping {
  localRoot: string;
  remoteRoot: string;
}

export interface MappingInputs {
  /** Environment of the scoring process (AML_APP_ROOT, AZUREML_ENTRY_SCRIPT) merged over the container's. */
  env: Record<string, string>;
  labels: Record<string, string>;
  /** docker inspect .Mounts */
  mounts: { Type?: string; Source?: string; Destination?: string }[];
  workspaceFolders: string[];
  /** The local entry script the user is looking at, when known (e.g. the active editor). */
  localEntryScript?: string;
  /** Overrides from launch.json: used as they are. */
  overrides?: PathMapping[];
  /** For tests: does a local file exist? */
  exists?: (p: string) => boolean;
}

export interface MappingResult {
  mappings: PathMapping[];
  /** One line per decision, for the extension log. */
  reasons: string[];
}

export const DEFAULT_APP_ROOT = '/var/azureml-app';
const inside = (child: string, parent: string) => child === parent || child.startsWith(parent.endsWith('/') ? parent : parent + '/');

export function computePathMappings(input: MappingInputs): MappingResult {
  const exists = input.exists ?? existsSync;
  const reasons: string[] = [];
  if (input.overrides?.length) {
    return { mappings: input.overrides, reasons: [l10n.t('path mappings from the debug configuration (pathMappings)')] };
  }
  const mappings: PathMapping[] = [];
  const appRoot = input.env.AML_APP_ROOT || DEFAULT_APP_ROOT;
  const add = (m: PathMapping, why: string) => {
    if (!mappings.some((x) => x.remoteRoot === m.remoteRoot)) {
      mappings.push(m);
      reasons.push(`${m.remoteRoot} -> ${m.localRoot} (${why})`);
    }
  };
  // 1. Bind mounts of workspace folders (v2 local endpoints mount the code folder under /var/azureml-app).
  for (const m of input.mounts) {
    if (m.Type !== 'bind' || !m.Source || !m.Destination) continue;
    if (input.workspaceFolders.some((w) => inside(m.Source!, w) || inside(w, m.Source!))) {
      add({ localRoot: m.Source, remoteRoot: m.Destination }, l10n.t('bind mount'));
    }
  }
  // 2. Deployments made by this extension record their source folder. Any image can set that label, so it
  // counts only when it names a workspace folder or a folder inside one.
  const source = input.labels['aml-doctor.source-dir'];
  if (source && input.workspaceFolders.some((w) => inside(source, w))) add({ localRoot: source, remoteRoot: appRoot }, l10n.t('source folder of the local deployment'));
  // 3. Otherwise: the app root maps to the local folder of the entry script.
  if (mappings.length === 0) {
    const entry = path.posix.basename(input.env.AZUREML_ENTRY_SCRIPT || 'score.py');
    const local =
      (input.localEntryScript && path.basename(input.localEntryScript) === entry ? path.dirname(input.localEntryScript) : undefined) ??
      input.workspaceFolders.find((w) => exists(path.join(w, entry)));
    if (local) add({ localRoot: local, remoteRoot: appRoot }, l10n.t('the workspace folder that holds {0}', entry));
    else if (input.workspaceFolders[0]) add({ localRoot: input.workspaceFolders[0], remoteRoot: appRoot }, l10n.t('first workspace folder (no local copy of the entry script found)'));
  }
  // Most specific remote roots first, so /var/azureml-app/onlinescoring wins over /var/azureml-app.
  mappings.sort((a, b) => b.remoteRoot.length - a.remoteRoot.length);
  return { mappings, reasons };
}
