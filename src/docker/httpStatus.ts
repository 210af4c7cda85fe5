// What an HTTP status from a scoring endpoint means, in the terms of the Azure ML online-endpoint
// troubleshooting guide, plus what it means for a local container (where there is no Azure front end).
import * as l10n from '../common/l10n';

export interface StatusExplanation {
  status: number;
  title: string;
  /** What the guide says the status means on Azure. */
  meaning: string;
  /** What to check or change. */
  action: string;
  /** What the same symptom is locally (the inference server in a container, no Azure gateway). */
  local?: string;
}

// A function, not a constant: the texts are translated when asked for, with the bundle chosen at activation.
const table = (): Record<number, Omit<StatusExplanation, 'status'>> => ({
  200: { title: 'OK', meaning: l10n.t('The model ran within its latency bound and answered.'), action: l10n.t('Nothing to fix.') },
  400: {
    title: l10n.t('Bad request'),
    meaning: l10n.t('The request body does not match what the scoring script or its input schema expects.'),
    action: l10n.t('Compare the body with the sample request and the schema decorators of run().'),
  },
  401: { title: l10n.t('Unauthorized'), meaning: l10n.t('No permission to score, or the key/token has expired.'), action: l10n.t('Fetch a fresh key or token for the endpoint.') },
  404: { title: l10n.t('Not found'), meaning: l10n.t('The endpoint has no deployment with positive traffic weight, or the URL is wrong.'), action: l10n.t('Check the scoring URI and the traffic allocation.') },
  408: {
    title: l10n.t('Request timeout'),
    meaning: l10n.t('The model took longer than request_timeout_ms (request_settings of the deployment).'),
    action: l10n.t('Make run() faster (load the model in init(), not in run()) or raise request_settings.request_timeout_ms.'),
  },
  424: {
    title: l10n.t('Model error'),
    meaning: l10n.t('The model container answered with a non-200 status; Azure reports it as 424.'),
    action: l10n.t('Read the response headers ms-azureml-model-error-statuscode and ms-azureml-model-error-reason and the container logs. With failing liveness/readiness probes, give the probes more time (probe settings).'),
    local: l10n.t('Locally you see the container\'s own status instead (often 500 from an exception in run()).'),
  },
  429: {
    title: l10n.t('Too many pending requests'),
    meaning: l10n.t('The model gets more requests than it can handle: at most 2 × max_concurrent_requests_per_instance × instance_count are in flight; the rest are rejected.'),
    action: l10n.t('Check request_settings and scale_settings (and that WORKER_COUNT is passed); with autoscaling, retry with exponential backoff or add instances.'),
  },
  500: {
    title: l10n.t('Internal server error'),
    meaning: l10n.t('On Azure: the Azure ML-provisioned infrastructure failed. From a local container: run() raised an exception (the server hides its text unless debug mode is on).'),
    action: l10n.t('Read the container logs for the traceback; wrap run() in try/except and log the error.'),
  },
  502: {
    title: l10n.t('Bad gateway'),
    meaning: l10n.t('The scoring script raised an exception or crashed in run() (or the worker died while serving).'),
    action: l10n.t('Look for the traceback of run() in the container logs; guard json parsing and model calls in run() with try/except.'),
    local: l10n.t('Locally the same failure shows as a 500 from the inference server, or a dropped connection when the worker died.'),
  },
  503: {
    title: l10n.t('Service unavailable'),
    meaning: l10n.t('Large spikes in requests per second: autoscaling reacts to gradual load changes, not to bursts (or no instance is ready yet).'),
    action: l10n.t('Ramp traffic up gradually, raise the minimum instance count, or lower the autoscale target utilisation.'),
  },
  504: {
    title: l10n.t('Gateway timeout'),
    meaning: l10n.t('The request timed out: run() did not answer in time.'),
    action: l10n.t('Find the slow part of run() in the logs (model loading per request, large payloads) and make it faster.'),
  },
});

export function explainStatus(status: number): StatusExplanation {
  const known = table()[status];
  if (known) return { status, ...known };
  if (status >= 500) return { status, title: l10n.t('Server error'), meaning: l10n.t('The scoring server failed.'), action: l10n.t('Read the container logs.') };
  if (status >= 400) return { status, title: l10n.t('Client error'), meaning: l10n.t('The server refused the request.'), action: l10n.t('Check the URL, method and body.') };
  return { status, title: 'OK', meaning: l10n.t('The server answered.'), action: l10n.t('Nothing to fix.') };
}

/** Statuses the troubleshooting guide explains specifically (the ones a user asks about). */
export const EXPLAINED_STATUSES = [408, 424, 429, 502, 503, 504] as const;
