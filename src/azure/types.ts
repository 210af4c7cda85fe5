// Domain types of the Azure layer: what the tree and the commands need, independent of SDK model classes.

export interface AzureSubscription {
  id: string; // subscription GUID
  name: string;
  state?: string;
  tenantId?: string;
}

export interface WorkspaceRef {
  subscriptionId: string;
  resourceGroup: string;
  workspace: string;
}

export interface AzureWorkspace extends WorkspaceRef {
  id: string;
  location?: string;
}

export interface OnlineEndpointInfo {
  ref: WorkspaceRef;
  name: string;
  id: string;
  provisioningState?: string;
  authMode?: string;
  scoringUri?: string;
  /** Kubernetes compute the endpoint runs on (absent for managed endpoints). */
  compute?: string;
  /** deployment name -> traffic percent */
  traffic: Record<string, number>;
}

export interface ScaleSettingsInfo {
  type: 'Default' | 'TargetUtilization' | string;
  minInstances?: number;
  maxInstances?: number;
  targetUtilizationPercentage?: number;
  pollingInterval?: string;
}

export interface OnlineDeploymentInfo {
  ref: WorkspaceRef;
  endpoint: string;
  name: string;
  id: string;
  provisioningState?: string;
  /** 'Managed' | 'Kubernetes' | 'AzureMLCompute' */
  computeType?: string;
  instanceType?: string;
  instanceCount?: number;
  scale?: ScaleSettingsInfo;
  maxConcurrentRequestsPerInstance?: number;
  requestTimeout?: string;
  model?: string;
  environment?: string;
  /** Traffic percent from the endpoint (0 when absent). */
  traffic: number;
}

export interface ComputeInfo {
  ref: WorkspaceRef;
  name: string;
  id: string;
  computeType?: string;
  provisioningState?: string;
  location?: string;
  vmSize?: string;
  nodeCount?: number;
  /** True when the VM size is a GPU size (NC/ND/NV families). */
  gpu: boolean;
  clusterFqdn?: string;
}

/** One failed control-plane operation found for a resource (from the ARM activity log). */
export interface OperationFailure {
  operation: string;
  time?: string;
  code?: string;
  message: string;
}

export type LogContainer = 'InferenceServer' | 'StorageInitializer';

/**
 * VM sizes with NVIDIA GPUs (what `nvidia.com/gpu` requests need): the NC, ND and NV families. NVv4
 * (`NV..as_v4`) and NG carry AMD GPUs and are not counted.
 */
export function isGpuVmSize(size: string | undefined): boolean {
  if (!size) return false;
  const s = size.trim();
  if (/^(standard_)?nv\d+as_v4$/i.test(s)) return false;
  return /^(standard_)?n[cdv]\d/i.test(s);
}
