// The words of the Run Doctor report page (media/doctor/main.js), translated for it. No vscode import, so the
// page is unit-tested in plain Node with the real bundles (test/unit/doctor/webview.test.ts).
import * as l10n from '../common/l10n';
import { fieldLabel, targetKindLabel, type TargetKind } from '../doctor/report';
import { statusLabel } from '../doctor/render';

const TARGET_KINDS: TargetKind[] = ['deployment-yaml', 'entry-script', 'sdk-v1-script', 'local-deployment', 'azure-deployment'];
const FIELDS = ['image', 'environment', 'instance type', 'instance count', 'request timeout', 'max concurrent requests per instance', 'model'];

/**
 * Every word media/doctor/main.js shows, in the display language: the page cannot reach the bundle, so the host
 * translates them (with the bundle activation chose, see common/l10n.ts) and hands them over by name. A text with
 * arguments is translated with its own placeholders as the arguments ('{0}' for {0}): the page gets the translated
 * template and fills it. Texts the report renderings share (statuses, verdicts, settings) are the same keys, so the
 * panel and the CLI say the same thing.
 */
export function doctorPageStrings(): Record<string, string | Record<string, string>> {
  return {
    heading: l10n.t('Run Doctor'),
    title: l10n.t('Run Doctor: {0}', '{0}'),
    starting: l10n.t('Starting…'),
    copy: l10n.t('Copy as Markdown'),
    rerun: l10n.t('Run Again'),
    running: l10n.t('Running…'),
    cancelled: l10n.t('Cancelled before every step ran.'),
    stepFailed: l10n.t('Step {0} ({1}) failed.', '{0}', '{1}'),
    staticPassed: l10n.t('Steps 1-3 passed (Restricted Mode: steps 4-7 need a trusted workspace).'),
    noFailure: l10n.t('No step failed.'),
    restricted: l10n.t('Restricted Mode: only the static steps ran (entry script, environment, model). Trust the workspace to run the deployment in a container.'),
    image: l10n.t('image {0}', '{0}'),
    seconds: l10n.t('{0} s', '{0}'),
    milliseconds: l10n.t('{0} ms', '{0}'),
    perSecond: l10n.t('{0}/s', '{0}'),
    where: l10n.t('Where:'),
    openInEditor: l10n.t('Open in the editor'),
    evidence: l10n.t('Evidence'),
    logLine: l10n.t('log {0}:', '{0}'),
    fix: l10n.t('Fix'),
    oneNote: l10n.t('1 note'),
    notes: l10n.t('{0} notes', '{0}'),
    guide: l10n.t('Troubleshooting guide'),
    setting: l10n.t('setting'),
    localRun: l10n.t('local run'),
    differs: l10n.t('differs'),
    same: l10n.t('same'),
    requests: l10n.t('requests'),
    concurrent: l10n.t('concurrent'),
    errors: l10n.t('errors'),
    answers: l10n.t('answers'),
    responseBody: l10n.t('Response body (status {0}, {1} ms)', '{0}', '{1}'),
    noStatus: l10n.t({ message: 'none', comment: ['no HTTP status: the request got no answer'] }),
    pathOpened: l10n.t('path the script opens'),
    line: l10n.t('line'),
    inModel: l10n.t('in the model'),
    found: l10n.t('found'),
    missing: l10n.t('missing'),
    status: {
      passed: statusLabel('passed'),
      failed: statusLabel('failed'),
      skipped: statusLabel('skipped'),
      running: l10n.t({ message: 'running…', comment: ['a Run Doctor step status'] }),
      pending: l10n.t({ message: 'waiting', comment: ['a Run Doctor step status'] }),
    },
    fields: Object.fromEntries(FIELDS.map((f) => [f, fieldLabel(f)])),
    targetKinds: Object.fromEntries(TARGET_KINDS.map((k) => [k, targetKindLabel(k)])),
  };
}

/** The strings as the page's JSON data element holds them: "<" escaped, so no text can end the element. */
export function doctorPageStringsJson(): string {
  return JSON.stringify(doctorPageStrings()).replace(/</g, '\\u003c');
}
