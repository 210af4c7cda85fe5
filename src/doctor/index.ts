// Entry of dist/doctor.js: Run Doctor's engine with the analysis (tree-sitter) it needs. The extension
// loads it with lazyRequire() when the command first runs, so activation never pays for it.
export { EnvironmentImageStep, LocalContainerRunner, localCapabilities } from './capabilities';
export { LiveReportBuilder, runDoctor } from './engine';
export { DoctorInputError, projectFromLocalConfig, readDeploymentYaml, readTarget } from './project';

export type DoctorModule = typeof import('./index');
