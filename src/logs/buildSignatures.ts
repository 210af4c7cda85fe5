// Failure signatures of environment image builds (pip, conda, the network, Dockerfile steps), kept apart
// from the runtime catalogue: the local-deploy builder classifies its build output with
// [...BUILD_SIGNATURES, ...SIGNATURES]. Literal keywords gate every pattern; patterns have no nested or
// unbounded-overlapping repetition (linear time per line).
// Texts are getters over l10n.t, translated when a diagnosis is made (see catalogue.ts).
import * as l10n from '../common/l10n';
import type { Signature } from './types';

const V2 = 'https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-online-endpoints';

export const BUILD_SIGNATURES: Signature[] = [
  {
    id: 'build-network-unreachable',
    category: 'image_build_failure',
    get title() {
      return l10n.t('The image build could not reach a package index or channel');
    },
    keywords: ['newconnectionerror', 'failed to establish a new connection', 'name or service not known', 'temporary failure in name resolution', 'connection refused', 'network is unreachable', 'condahttperror', 'could not fetch url', 'proxyerror', 'read timed out', 'connecttimeouterror', 'max retries exceeded'],
    patterns: [
      /NewConnectionError|Failed to establish a new connection/,
      /Name or service not known|Temporary failure in name resolution/i,
      /Connection refused|Network is unreachable/i,
      /CondaHTTPError/,
      /Could not fetch URL/i,
      /ProxyError|ConnectTimeoutError|Read timed out/,
      /Max retries exceeded with url/i,
    ],
    weight: 95,
    get explanation() {
      return l10n.t('A RUN step of the environment build could not connect to the pip index or conda channel: no internet from the build, a firewall, a proxy that is not configured, or an index URL that is wrong. pip then also reports that no matching distribution was found: the package exists, the index was not reached.');
    },
    get fix() {
      return [
        l10n.t('Behind a firewall: set amlDoctor.localDeploy.pipIndexUrl (and pipExtraIndexUrls / pipTrustedHosts) to your mirror, amlDoctor.localDeploy.condaChannelAlias for conda, or the proxy settings (httpProxy, httpsProxy, noProxy).'),
        l10n.t('Check that the mirror answers from this machine (RUN steps use the host network).'),
      ];
    },
    docs: `${V2}#error-imagebuildfailure`,
  },
  {
    id: 'build-venv-unavailable',
    category: 'image_build_failure',
    get title() {
      return l10n.t('The base image cannot create a Python virtual environment');
    },
    keywords: ['ensurepip is not available', 'no module named venv', 'python3: not found', 'python3: command not found'],
    patterns: [/ensurepip is not available/, /No module named venv/, /python3: (?:command )?not found/],
    weight: 94,
    get explanation() {
      return l10n.t('The base image has no conda, so the environment is installed into a virtual environment (python3 -m venv --system-site-packages), but the image lacks the venv module (Debian/Ubuntu: the python3-venv package) or Python itself.');
    },
    get fix() {
      return [
        l10n.t('Use a base image with conda (the Azure ML base images have it), or one with python3-venv and python3-pip installed.'),
        l10n.t('Or map the image to one that has them (amlDoctor.localDeploy.imageMap).'),
      ];
    },
    docs: `${V2}#error-imagebuildfailure`,
  },
  {
    id: 'build-pip-no-distribution',
    category: 'image_build_failure',
    get title() {
      return l10n.t('pip found no version of a package that matches the environment');
    },
    keywords: ['no matching distribution found', 'could not find a version that satisfies'],
    patterns: [/No matching distribution found for \S/, /Could not find a version that satisfies the requirement \S/],
    weight: 92,
    get explanation() {
      return l10n.t('pip could not find the requested version of a package on the index: the version does not exist, is not published for this Python version or platform, or the package name is misspelled.');
    },
    get fix() {
      return [
        l10n.t('Fix the pin on the marked line: use a version that exists (pip index versions <package>) for the Python version of the image.'),
        l10n.t('A private package: point amlDoctor.localDeploy.pipExtraIndexUrls at the index that has it.'),
      ];
    },
    docs: `${V2}#error-imagebuildfailure`,
  },
  {
    id: 'build-pip-resolution-impossible',
    category: 'image_build_failure',
    get title() {
      return l10n.t("pip could not resolve the environment's pins (ResolutionImpossible)");
    },
    keywords: ['resolutionimpossible', 'conflicting dependencies'],
    patterns: [/ResolutionImpossible/, /because these package versions have conflicting dependencies/],
    weight: 91,
    get explanation() {
      return l10n.t('Two pins of the environment (or their dependencies) require versions of a package that cannot both be satisfied.');
    },
    get fix() {
      return [
        l10n.t('Relax one of the conflicting pins on the marked lines (the conflict lines of the build log name them).'),
      ];
    },
    docs: `${V2}#error-imagebuildfailure`,
  },
  {
    id: 'build-conda-packages-not-found',
    category: 'image_build_failure',
    get title() {
      return l10n.t('conda could not find a package of the environment in its channels');
    },
    keywords: ['packagesnotfounderror', 'resolvepackagenotfound'],
    patterns: [/PackagesNotFoundError/, /ResolvePackageNotFound/],
    weight: 92,
    get explanation() {
      return l10n.t("conda's solver found no package matching an entry of the conda file in the channels it searched: the version does not exist there, or the package lives in another channel.");
    },
    get fix() {
      return [
        l10n.t('Fix the pin on the marked line, or add the channel that has the package to channels:.'),
        l10n.t('Behind a firewall: set amlDoctor.localDeploy.condaChannelAlias to your conda mirror.'),
      ];
    },
    docs: `${V2}#error-imagebuildfailure`,
  },
  {
    id: 'build-step-failed',
    category: 'image_build_failure',
    get title() {
      return l10n.t('A Dockerfile step failed');
    },
    keywords: ['returned a non-zero code'],
    patterns: [/returned a non-zero code: \d+/],
    // Above the catalogue's generic image-build-failure (80): in a build log the failing step is the news.
    weight: 85,
    get explanation() {
      return l10n.t('A RUN step of the image build exited with an error; the lines above it in the build log say why.');
    },
    get fix() {
      return [
        l10n.t('Read the output of the failing step (marked in the build log) and fix the Dockerfile or the environment files it uses.'),
      ];
    },
    docs: `${V2}#error-imagebuildfailure`,
  },
];
