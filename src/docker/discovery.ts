// Which containers are Azure ML scoring containers, and how they group in the tree.
import type { ContainerSummary } from './client';

export type ScoringKind = 'v2-local-endpoint' | 'v1-local-webservice' | 'aml-doctor' | 'scoring-like';

/** Group of containers that look like a scoring service without any Azure ML labels. */
export const OTHER_GROUP = 'Other scoring containers';

/** Commands of the Azure ML inference stack: the inference server, the AML image's runit entry, the app root. */
const SCORING_COMMAND = /azmlinfsrv|azureml-inference-server|\/var\/azureml-app|\/var\/azureml-server|runsvdir \/var\/runit/;

export interface ScoringContainer extends ContainerSummary {
  kind: ScoringKind;
  /** Endpoint (v2) or service (v1) name: the tree's middle level. */
  group: string;
  /** Deployment name (v2) or the container name. */
  deployment: string;
}

export const AML_DOCTOR_LABEL = 'aml-doctor.deployment';

export function classifyScoringContainer(c: ContainerSummary): ScoringContainer | undefined {
  const l = c.labels;
  if (l[AML_DOCTOR_LABEL]) {
    return { ...c, kind: 'aml-doctor', group: l['aml-doctor.endpoint'] ?? l[AML_DOCTOR_LABEL], deployment: l[AML_DOCTOR_LABEL] };
  }
  if ('azureml-local-endpoint' in l || (l.endpoint && l.deployment)) {
    const [ep, dep] = c.name.split('.');
    return { ...c, kind: 'v2-local-endpoint', group: l.endpoint ?? ep ?? c.name, deployment: l.deployment ?? dep ?? c.name };
  }
  if (l.amlIsService || l.amlServiceName) {
    return { ...c, kind: 'v1-local-webservice', group: l.amlServiceName ?? c.name, deployment: c.name };
  }
  if (c.command && SCORING_COMMAND.test(c.command)) {
    return { ...c, kind: 'scoring-like', group: OTHER_GROUP, deployment: c.name };
  }
  return undefined;
}

export function findScoringContainers(all: ContainerSummary[]): ScoringContainer[] {
  return all.map(classifyScoringContainer).filter((c): c is ScoringContainer => c !== undefined);
}
