// A registered environment (`azureml:<name>:<version>` / `azureml:<name>@latest`) resolved through Azure:
// the version's image and conda file become an ordinary environment. Without a sign-in, a message that
// says what to do. Pure: the lookup is passed in (src/azure implements it over the SDK).
import * as l10n from '../common/l10n';
import type { AzureClient } from '../azure/client';
import type { WorkspaceRef } from '../azure/types';
import { EnvironmentError } from './builder';
import type { EnvironmentLookup, EnvironmentSpec } from './types';

export async function resolveAzureEnvironment(spec: EnvironmentSpec, lookup: EnvironmentLookup | undefined, signal?: AbortSignal): Promise<EnvironmentSpec> {
  const ref = spec.azureml;
  if (!ref) return spec;
  const what = l10n.t('{0} names the registered environment {1}', spec.origin, ref.raw);
  if (!lookup) {
    throw new EnvironmentError(
      l10n.t(
        '{0}. Sign in to Azure (AML Deploy Doctor: Sign in to Azure) so it can be read from your workspace, or write its image and conda_file into the deployment YAML ({1} prints them).',
        what,
        `az ml environment show --name ${ref.name}${ref.version ? ` --version ${ref.version}` : ' --label latest'}`,
      ),
      'invalid-environment',
    );
  }
  if (ref.label && ref.label !== 'latest') {
    throw new EnvironmentError(l10n.t('{0}: only the label @latest is supported; name a version ({1}).', what, `azureml:${ref.name}:<version>`), 'invalid-environment');
  }
  let v;
  try {
    v = await lookup.getEnvironmentVersion(ref.name, ref.version, signal);
  } catch (err) {
    throw new EnvironmentError(l10n.t('{0}, which could not be read from the workspace {1}: {2}', what, lookup.workspace, (err as Error).message), 'invalid-environment');
  }
  const origin = `azureml:${v.name}:${v.version} (${lookup.workspace})`;
  if (v.build) {
    throw new EnvironmentError(
      l10n.t(
        '{0} is built from a Docker context stored in Azure ({1}). Download it ({2}) and point environment.build.path of the deployment YAML at the folder.',
        origin,
        v.build.contextUri.replace(/\?.*$/, ''),
        `az ml environment download --name ${v.name} --version ${v.version}`,
      ),
      'invalid-environment',
    );
  }
  if (!v.image) throw new EnvironmentError(l10n.t('{0} has neither an image nor a build context.', origin), 'invalid-environment');
  return { origin, image: v.image, condaText: v.condaFile || undefined };
}

/** The lookup over an Azure client and one workspace. */
export function workspaceEnvironmentLookup(client: Pick<AzureClient, 'getEnvironmentVersion'>, ref: WorkspaceRef): EnvironmentLookup {
  return {
    workspace: `${ref.workspace} (resource group ${ref.resourceGroup})`,
    getEnvironmentVersion: (name, version, signal) => client.getEnvironmentVersion(ref, name, version, signal),
  };
}
