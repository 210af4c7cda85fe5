// Credentials from @azure/identity (Azure CLI, default chain). Bundled into dist/azure.js with the SDKs:
// msal and friends load only when Azure is first used.
import type { TokenCredential } from '@azure/core-auth';
import { AzureCliCredential, DefaultAzureCredential } from '@azure/identity';

export type IdentityCredentialKind = 'azureCli' | 'default';

export function createIdentityCredential(kind: IdentityCredentialKind, options: { tenantId?: string; processTimeoutInMs?: number } = {}): TokenCredential {
  if (kind === 'azureCli') return new AzureCliCredential({ tenantId: options.tenantId || undefined, processTimeoutInMs: options.processTimeoutInMs ?? 20_000 });
  return new DefaultAzureCredential({ tenantId: options.tenantId || undefined, processTimeoutInMs: options.processTimeoutInMs ?? 20_000 });
}
