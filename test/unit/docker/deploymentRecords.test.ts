// Reload and Update copy a folder of this machine into a container. Which folder must come from what the
// extension recorded when it deployed (or from the user), never from the container's labels.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { configForUpdate, DeploymentRecords, isInsideFolders, sourceForReload, type SourceQuestions } from '../../../src/docker/deploymentRecords';
import { CONFIG_LABEL, configHash, type LocalDeployConfig } from '../../../src/docker/localDeploy';
import { memoryMemento } from '../../helpers/memento';

describe('local deployment records: which host folder Reload/Update may read (unit)', () => {
  let root: string;
  let workspace: string;
  let secret: string;
  const cfg = (over: Partial<LocalDeployConfig> = {}): LocalDeployConfig => ({ endpoint: 'ep', deployment: 'blue', sourceDir: path.join(workspace, 'app'), entryScript: 'score.py', baseImage: 'img', port: 0, ...over });
  const labelsFor = (c: LocalDeployConfig, extra: Record<string, string> = {}) => ({ 'aml-doctor.deployment': c.deployment, 'aml-doctor.endpoint': c.endpoint, 'aml-doctor.source-dir': c.sourceDir, [CONFIG_LABEL]: configHash(c), ...extra });
  /** Questions that record what was asked and answer as told. */
  const questions = (answers: { folder?: string; outside?: boolean } = {}) => {
    const asked: string[] = [];
    const q: SourceQuestions = {
      chooseFolder: async (reason) => {
        asked.push(`choose: ${reason}`);
        return answers.folder;
      },
      confirmOutside: async (folder) => {
        asked.push(`outside: ${folder}`);
        return answers.outside ?? false;
      },
    };
    return { q, asked };
  };

  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'amld-records-'));
    workspace = path.join(root, 'workspace');
    secret = path.join(root, 'home', '.aws');
    mkdirSync(path.join(workspace, 'app'), { recursive: true });
    mkdirSync(secret, { recursive: true });
    writeFileSync(path.join(secret, 'credentials'), 'not a real key\n');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('a container whose label names a folder outside the workspace, never recorded: the label is not used, the user is asked', async () => {
    const records = new DeploymentRecords(memoryMemento());
    const hostile = { id: 'c-evil', name: 'ep.evil', labels: labelsFor(cfg({ deployment: 'evil', sourceDir: secret })) };
    const cancelled = questions();
    assert.equal(await sourceForReload(records, hostile, [workspace], cancelled.q), undefined);
    assert.equal(cancelled.asked.length, 1);
    assert.match(cancelled.asked[0]!, /^choose: ep\.evil was not deployed by AML Deploy Doctor from this workspace/);
    // The user picks the workspace folder: that is what gets copied, not the label's.
    const picked = questions({ folder: workspace });
    assert.equal(await sourceForReload(records, hostile, [workspace], picked.q), workspace);
    // Update needs the whole recorded configuration (model, conda file): none, so it refuses and says why.
    await assert.rejects(configForUpdate(records, hostile, [workspace], questions({ outside: true }).q), /ep\.evil was not deployed by AML Deploy Doctor.*Deploy it again/);
  });

  it('a recorded deployment reloads from its recorded folder without a question', async () => {
    const records = new DeploymentRecords(memoryMemento());
    const c = cfg();
    await records.record('c1', c);
    const { q, asked } = questions();
    assert.equal(await sourceForReload(records, { id: 'c1', name: 'ep.blue', labels: labelsFor(c, { 'aml-doctor.source-dir': secret }) }, [workspace], q), c.sourceDir);
    assert.deepEqual(asked, []);
    assert.deepEqual(await configForUpdate(records, { id: 'c1', name: 'ep.blue', labels: labelsFor(c) }, [workspace], q), { ...c, env: undefined });
  });

  it('a recorded folder outside the open workspace folders is copied only after the user confirms', async () => {
    const records = new DeploymentRecords(memoryMemento());
    const c = cfg({ sourceDir: secret });
    await records.record('c2', c);
    const container = { id: 'c2', name: 'ep.blue', labels: labelsFor(c) };
    const no = questions({ outside: false });
    assert.equal(await sourceForReload(records, container, [workspace], no.q), undefined);
    assert.deepEqual(no.asked, [`outside: ${secret}`]);
    assert.equal(await configForUpdate(records, container, [workspace], no.q), undefined);
    assert.equal(await sourceForReload(records, container, [workspace], questions({ outside: true }).q), secret);
  });

  it('a record is bound to the container it was made for: another id, or another configuration hash, is not recorded', async () => {
    const records = new DeploymentRecords(memoryMemento());
    const c = cfg();
    await records.record('c3', c);
    assert.equal(records.check({ id: 'c4', name: 'x', labels: labelsFor(c) }, [workspace]).ok, false);
    const other = records.check({ id: 'c3', name: 'ep.blue', labels: labelsFor(c, { [CONFIG_LABEL]: 'deadbeef' }) }, [workspace]);
    assert.equal(other.ok, false);
    // What log paths map onto (runtime findings, the log panel's frames): the recorded folder and entry script.
    assert.deepEqual(records.entryOf('c3'), { sourceDir: c.sourceDir, entryScript: c.entryScript });
    assert.equal(records.entryOf('c4'), undefined);
    await records.forget('c3');
    assert.equal(records.check({ id: 'c3', name: 'ep.blue', labels: labelsFor(c) }, [workspace]).ok, false);
    assert.equal(records.sourceDirOf('c3'), undefined);
    assert.equal(records.entryOf('c3'), undefined);
  });

  it('keeps at most 50 records, newest first, and never stores env', async () => {
    const store = memoryMemento();
    const records = new DeploymentRecords(store);
    for (let i = 0; i < 60; i++) await records.record(`id${i}`, cfg({ env: { TOKEN: 'secret-value' } }));
    const stored = store.get<Record<string, unknown>>('amlDoctor.localDeploy.records')!;
    assert.equal(Object.keys(stored).length, 50);
    assert.equal(Object.keys(stored)[0], 'id59');
    assert.equal(records.sourceDirOf('id5'), undefined);
    assert.doesNotMatch(JSON.stringify(stored), /secret-value/);
  });

  it('inside-the-workspace is decided on real paths: a symbolic link out of the workspace is outside', () => {
    const link = path.join(workspace, 'link-to-secret');
    symlinkSync(secret, link);
    assert.equal(isInsideFolders(path.join(workspace, 'app'), [workspace]), true);
    assert.equal(isInsideFolders(workspace, [workspace]), true);
    assert.equal(isInsideFolders(link, [workspace]), false);
    assert.equal(isInsideFolders(path.join(workspace, 'app', '..', '..', 'home'), [workspace]), false);
    mkdirSync(path.join(root, 'workspace-other'));
    assert.equal(isInsideFolders(path.join(root, 'workspace-other'), [workspace]), false, 'a sibling sharing the prefix');
    assert.equal(isInsideFolders(path.join(workspace, 'gone'), [workspace]), false, 'a folder that does not exist');
  });
});
