// What the doctor's integration tests need for step 4 to build their projects' environments offline: a pip
// index on loopback serving a wheel the test writes for azureml-defaults (PyPI is not reachable here; the
// wheel stands in for the name pip must find, and the bundled harness serves, as step 5's note says), a
// conda file of this run's own (a comment makes its content hash, and so its image tag, unique), and the
// clean-up of the images the run built.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DoctorReport } from '../../../src/doctor/report';
import { HEALTHY_CONDA } from '../../helpers/doctorProjects';
import { removeImages, removeOurDanglingImages } from '../docker/helpers';

export interface DoctorEnvironment {
  pipIndexUrl: string;
  /** HEALTHY_CONDA with this run's mark: built once per run, found by its hash afterwards. */
  conda: string;
  /** Notes the environment image of a report, for the clean-up. */
  track(report: DoctorReport): void;
  close(): Promise<void>;
}

export const SERVER_PACKAGE_VERSION = '1.0.45';

export async function startDoctorEnvironment(): Promise<DoctorEnvironment> {
  const started = Date.now() - 1000;
  const { startPipIndex, writeWheel } = await import('../../../scripts/pip-index.mjs');
  const wheels = mkdtempSync(path.join(os.tmpdir(), 'amld-docker-test-doctor-wheels-'));
  await writeWheel(wheels, {
    name: 'azureml-defaults',
    version: SERVER_PACKAGE_VERSION,
    summary: 'Stand-in written by the doctor tests',
    files: { 'azureml_defaults_standin/__init__.py': '"""Stand-in for azureml-defaults (no PyPI here)."""\n' },
  });
  const index = await startPipIndex(wheels);
  const tags = new Set<string>();
  return {
    pipIndexUrl: index.url,
    conda: `${HEALTHY_CONDA}# doctor test run ${process.pid}-${Math.random().toString(36).slice(2, 8)}\n`,
    track(report) {
      const d = report.steps.find((s) => s.id === 'image')?.details;
      if (d?.kind === 'image' && d.image.startsWith('aml-doctor-env/')) tags.add(d.image);
    },
    async close() {
      await index.close();
      removeImages(tags);
      removeOurDanglingImages(started);
      rmSync(wheels, { recursive: true, force: true });
    },
  };
}
