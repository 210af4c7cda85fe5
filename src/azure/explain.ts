// Explanations of Azure ML deployment errors (control plane and Kubernetes scheduler): what the error
// means and what to change. Pure: text in, explanations out. Signatures are the messages Azure ML and
// Kubernetes really print; the advice follows the Azure ML troubleshooting guide.
// The text comes from ARM responses (someone else's server): it is capped, and every pattern runs in
// linear time on any input (test/unit/logs/linear-patterns.test.ts runs each against adversarial text).
import * as l10n from '../common/l10n';
import { decodeEntities, unescapeText } from '../logs/normalize';

/** The most of an error text that is read. */
export const MAX_ERROR_TEXT = 256 * 1024;

export interface DeploymentExplanation {
  /** Stable id, e.g. 'out-of-quota'. */
  id: string;
  /** One line for a tree item. */
  title: string;
  /** What the error means, with the numbers found in the message. */
  meaning: string;
  /** What to change, most likely first. */
  fixes: string[];
  /** The part of the message that matched. */
  evidence: string;
}

interface Rule {
  id: string;
  /** A RegExp, or a linear matcher for what a single RegExp cannot say in linear time. */
  pattern: RegExp | { exec(text: string): RegExpExecArray | null };
  build(m: RegExpExecArray, text: string): Omit<DeploymentExplanation, 'id' | 'evidence'>;
  /** Ids of later, more general rules this one makes redundant when both match. */
  supersedes?: string[];
}

// `N/M nodes are available: ... K Insufficient <resource>` (the Kubernetes scheduler's message). A matcher
// rather than /(\d+)\/(\d+) nodes are available:[^\n"]*?(\d+) Insufficient X/, which re-scans the rest of
// the line from every "nodes are available" and from every digit.
const NODES_AVAILABLE = /(?<!\d)(\d{1,7})\/(\d{1,7}) nodes are available:/gi;
const SENTENCE_END = /[\n"]/g;

function nodesAvailable(insufficient: RegExp) {
  return {
    exec(text: string): RegExpExecArray | null {
      NODES_AVAILABLE.lastIndex = 0;
      let m: RegExpExecArray | null;
      let searchedTo = 0;
      while ((m = NODES_AVAILABLE.exec(text))) {
        const from = m.index + m[0].length;
        // A later "nodes are available" before the end of a searched sentence sees a part of it only.
        if (from < searchedTo) continue;
        // The scheduler's sentence ends at a newline or at the end of the JSON string.
        SENTENCE_END.lastIndex = from;
        const end = SENTENCE_END.exec(text)?.index ?? text.length;
        const r = insufficient.exec(text.slice(from, end));
        if (r) {
          const out = [text.slice(m.index, from + r.index + r[0].length), m[1]!, m[2]!, ...r.slice(1)] as unknown as RegExpExecArray;
          out.index = m.index;
          return out;
        }
        searchedTo = end;
      }
      return null;
    },
  };
}

const PATTERN = {
  cpuMemoryInsufficient: /CPU\/Memory resource insufficient/i,
  couldntSchedule: /Couldn'?t schedule because the kubernetes cluster didn'?t have available resources after trying for (\d{2}:\d{2}:\d{2})/i,
  needCores: /more than ([\d.]{1,12}) CPU Cores? and ([\d.]{1,12}) ?GB Memory/i,
  quota: /OutOfQuota|Not enough quota|QuotaExceeded|exceeding quota limits/i,
  quotaSku: /quota (?:available )?for (\w{1,80})/i,
  quotaUsage: /usage\/limit:\s{0,4}(\d{1,9})\/(\d{1,9})[.\s]{0,8}Additional needed:\s{0,4}(\d{1,9})/i,
  capacity: /OutOfCapacity|capacity (?:is )?(?:not available|insufficient)|insufficient capacity/i,
  imageBuild: /ImageBuildFailure|Image build failed|Docker image build failed|Failed to build image/i,
  badArgument: /BadArgument/,
  resourceNotReady: /ResourceNotReady/,
  resourceNotFound: /ResourceNotFound/,
  canceled: /OperationCanceled|operation (?:was )?cancell?ed/i,
};

const INSUFFICIENT = {
  gpu: /(?<!\d)(\d{1,7}) Insufficient nvidia\.com\/gpu/i,
  cpuMemory: /Insufficient (cpu|memory)/i,
  any: /Insufficient ([\w.\-/]{1,100})/i,
};

/** Every pattern explainDeploymentError runs, for the linear-time test. */
export const EXPLAIN_PATTERNS: readonly RegExp[] = [NODES_AVAILABLE, ...Object.values(PATTERN), ...Object.values(INSUFFICIENT)];

/** The message after BadArgument ("(BadArgument) Invalid instance type X" / "BadArgument","message":"..."). */
function badArgumentMessage(text: string): string | undefined {
  const at = text.search(PATTERN.badArgument);
  if (at < 0) return undefined;
  let rest = text.slice(at + 'BadArgument'.length, at + 'BadArgument'.length + 400);
  rest = rest.replace(/^[^A-Za-z]{0,40}/, '').replace(/^[Mm]essage[":\s]{0,8}/, '');
  const msg = rest.slice(0, Math.min(200, ...[rest.indexOf('\n'), rest.indexOf('"')].filter((i) => i >= 0))).trim();
  return msg.length >= 10 ? msg : undefined;
}

const RULES: Rule[] = [
  {
    id: 'gpu-unavailable',
    pattern: nodesAvailable(INSUFFICIENT.gpu),
    supersedes: ['insufficient-resource'],
    build: (m) => ({
      title: l10n.t('No GPU free on the cluster ({0}/{1} nodes available)', m[1]!, m[2]!),
      meaning: l10n.t("The deployment asks for a GPU (nvidia.com/gpu), and {0} of the cluster's {1} node(s) have no free GPU, so Kubernetes cannot place the replica. Either the nodes are CPU-only VM sizes or their GPUs are taken by other replicas.", m[3]!, m[2]!),
      fixes: [
        l10n.t('Add GPU nodes: a node pool with a GPU VM size (Standard_NC*, ND*, NV*) and the NVIDIA device plugin.'),
        l10n.t('Switch the cluster or node pool to a GPU SKU, or lower the replica count so the existing GPUs suffice.'),
        l10n.t('If the model runs on CPU, drop the GPU request (gpu_cores: 0 / no nvidia.com/gpu in the instance type).'),
      ],
    }),
  },
  {
    id: 'insufficient-cpu-memory',
    pattern: {
      exec: (text: string) => nodesAvailable(INSUFFICIENT.cpuMemory).exec(text) ?? PATTERN.cpuMemoryInsufficient.exec(text),
    },
    supersedes: ['insufficient-resource'],
    build: (m, text) => {
      const need = PATTERN.needCores.exec(text);
      return {
        title: m[1] ? l10n.t('Not enough {0} on the cluster ({1}/{2} nodes available)', m[3]!, m[1], m[2]!) : l10n.t('Not enough CPU/memory on the cluster'),
        meaning: need
          ? l10n.t('The replica requests more CPU or memory than any node has free once the system pods are counted, so Kubernetes cannot schedule it. Azure ML asks for nodes with more than {0} CPU cores and {1} GB free.', need[1]!, need[2]!)
          : l10n.t('The replica requests more CPU or memory than any node has free once the system pods are counted, so Kubernetes cannot schedule it.'),
        fixes: [
          l10n.t('Lower the resource request (cpu_cores / memory_gb, or a smaller instance type) so a replica fits on one node.'),
          l10n.t('Add nodes, or change the node SKU to a larger VM size.'),
          l10n.t('Reduce the replica count.'),
        ],
      };
    },
  },
  {
    id: 'insufficient-resource',
    pattern: nodesAvailable(INSUFFICIENT.any),
    build: (m) => ({
      title: l10n.t('Cluster lacks {0} ({1}/{2} nodes available)', m[3]!, m[1]!, m[2]!),
      meaning: l10n.t("The deployment requests the resource {0}, and none of the cluster's {1} node(s) has it free.", m[3]!, m[2]!),
      fixes: [l10n.t('Add nodes that provide {0}, or change the node SKU.', m[3]!), l10n.t('Remove the {0} request if the model does not need it.', m[3]!)],
    }),
  },
  {
    id: 'cluster-no-resources',
    pattern: PATTERN.couldntSchedule,
    build: (m) => ({
      title: l10n.t("Couldn't schedule: cluster out of resources (gave up after {0})", m[1]!),
      meaning: l10n.t('The Kubernetes scheduler tried for {0} to find a node with enough free CPU, memory or GPU for a replica and found none.', m[1]!),
      fixes: [
        l10n.t('Add nodes to the cluster (scale the node pool up).'),
        l10n.t('Change the SKU of the nodes to a larger VM size (or a GPU size if a GPU is requested).'),
        l10n.t('Lower the resource request of the deployment (cpu_cores, memory_gb, gpu_cores) or the replica count.'),
      ],
    }),
  },
  {
    id: 'out-of-quota',
    pattern: PATTERN.quota,
    build: (_m, text) => {
      const sku = PATTERN.quotaSku.exec(text)?.[1];
      const usage = PATTERN.quotaUsage.exec(text);
      return {
        title: sku ? l10n.t('Out of quota for {0}', sku) : l10n.t('Out of quota'),
        meaning:
          (sku
            ? l10n.t('The subscription does not have enough vCPU quota in this region for the VM family of the instance type ({0}).', sku)
            : l10n.t('The subscription does not have enough vCPU quota in this region for the VM family of the instance type.')) +
          (usage ? ' ' + l10n.t('Current usage {0} of a limit of {1} vCPUs; the deployment needs {2} more.', usage[1]!, usage[2]!, usage[3]!) : ''),
        fixes: [
          l10n.t('Request a quota increase for that VM family and region (Azure portal > Quotas, or Azure ML studio > Quota).'),
          l10n.t('Use a smaller instance type or fewer instances (managed endpoints reserve 20% extra capacity for upgrades).'),
          l10n.t('Deploy in a region or VM family that has free quota.'),
        ],
      };
    },
  },
  {
    id: 'out-of-capacity',
    pattern: PATTERN.capacity,
    build: () => ({
      title: l10n.t('Azure is out of capacity for this instance type'),
      meaning: l10n.t('The region has no free machines of the requested VM size right now. This is on the Azure side, not a quota you can raise.'),
      fixes: [l10n.t('Retry later.'), l10n.t('Choose another instance type (VM size).'), l10n.t('Deploy in another region.')],
    }),
  },
  {
    id: 'image-build-failure',
    pattern: PATTERN.imageBuild,
    build: () => ({
      title: l10n.t('The environment image failed to build'),
      meaning: l10n.t('Azure ML builds a Docker image from the environment (base image + conda/pip dependencies) before deploying; that build failed, usually because a package could not be resolved or installed.'),
      fixes: [
        l10n.t('Open the image build log (link in the deployment logs / the workspace container registry run) and find the first conda or pip error.'),
        l10n.t('Pin package versions that exist for the Python version of the environment; add azureml-defaults (or azureml-inference-server-http).'),
        l10n.t('Build the same Dockerfile/conda file locally (AML Deploy Doctor local deploy) to reproduce faster.'),
      ],
    }),
  },
  {
    id: 'bad-argument',
    pattern: PATTERN.badArgument,
    build: (_m, text) => {
      const msg = badArgumentMessage(text);
      return {
        title: l10n.t('A deployment setting is invalid (BadArgument)'),
        meaning: msg
          ? l10n.t('Azure ML rejected a value in the deployment or endpoint definition before deploying: {0}', msg.trim())
          : l10n.t('Azure ML rejected a value in the deployment or endpoint definition before deploying.'),
        fixes: [
          l10n.t('Fix the setting the message names (instance type name, instance count, model/environment reference, probe or request settings).'),
          l10n.t('Check the deployment YAML against the schema (`az ml online-deployment create --file ... --debug` shows the request).'),
        ],
      };
    },
  },
  {
    id: 'resource-not-ready',
    pattern: PATTERN.resourceNotReady,
    build: () => ({
      title: l10n.t('The container never became ready (ResourceNotReady)'),
      meaning: l10n.t('The scoring container started but its liveness/readiness probe kept failing: init() in score.py raised, crashed the worker (out of memory), or took longer than the probe allows.'),
      fixes: [
        l10n.t('Open the inference-server logs of the deployment and look for the exception in init().'),
        l10n.t('Reproduce locally with the same image (local deploy) and fix init(); check the model path (AZUREML_MODEL_DIR).'),
        l10n.t('If init() is just slow, raise liveness_probe.initial_delay / readiness_probe settings; if it is killed, use a larger instance type.'),
      ],
    }),
  },
  {
    id: 'resource-not-found',
    pattern: PATTERN.resourceNotFound,
    build: () => ({
      title: l10n.t('A referenced resource does not exist (ResourceNotFound)'),
      meaning: l10n.t('The deployment refers to a model, environment, code asset, compute or endpoint that does not exist, or that this identity cannot see.'),
      fixes: [
        l10n.t('Check the names and versions of the model, environment and compute in the deployment definition.'),
        l10n.t('Check that they are in the same workspace (or registry) and that you have access.'),
      ],
    }),
  },
  {
    id: 'operation-canceled',
    pattern: PATTERN.canceled,
    build: () => ({
      title: l10n.t('The operation was canceled (OperationCanceled)'),
      meaning: l10n.t('Another operation on the same endpoint or deployment (an update or a delete) started and canceled this one, or it was canceled by a user.'),
      fixes: [l10n.t('Wait for the other operation to finish, then run this one again.'), l10n.t('Avoid running several create/update commands on the same endpoint at once.')],
    }),
  },
];

/** Normalizes text copied from JSON (escaped once or twice), HTML or markdown (entities); capped. */
export function normalizeErrorText(text: string): string {
  return decodeEntities(unescapeText(text.length > MAX_ERROR_TEXT ? text.slice(0, MAX_ERROR_TEXT) : text));
}

/** All explanations matching the error text, most specific first; empty when nothing is recognized. */
export function explainDeploymentError(text: string): DeploymentExplanation[] {
  const normalized = normalizeErrorText(text);
  const found: DeploymentExplanation[] = [];
  const superseded = new Set<string>();
  for (const rule of RULES) {
    const m = rule.pattern.exec(normalized);
    if (!m) continue;
    if (superseded.has(rule.id)) continue;
    found.push({ id: rule.id, evidence: m[0].trim().slice(0, 500), ...rule.build(m, normalized) });
    rule.supersedes?.forEach((id) => superseded.add(id));
  }
  return found;
}

/** Markdown for a tooltip or a document. */
export function formatExplanation(e: DeploymentExplanation): string {
  return [`**${e.title}**`, '', e.meaning, '', l10n.t('What to change:'), ...e.fixes.map((f) => `- ${f}`), '', l10n.t('Matched: {0}', `\`${e.evidence.replace(/`/g, "'")}\``)].join('\n');
}
