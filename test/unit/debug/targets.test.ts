import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { explainAttachFailure } from '../../../src/debug/adapter';
import { computePathMappings } from '../../../src/debug/pathMappings';
import type { ProbeProcess } from '../../../src/debug/probe';
import { findScoringProcesses } from '../../../src/debug/processes';

const proc = (pid: number, ppid: number, cmdline: string[], exe = '/usr/bin/python3.11', env: Record<string, string> = {}): ProbeProcess => ({ pid, ppid, exe, cmdline, env, cwd: '/var/azureml-app' });

describe('scoring process selection (unit)', () => {
  it('picks gunicorn workers, never the master', () => {
    const ps = [
      proc(1, 0, ['sh', '/var/aml-doctor/start.sh'], '/usr/bin/dash'),
      proc(7, 1, ['/usr/bin/python3', '-m', 'gunicorn', '-c', 'conf.py']),
      proc(9, 7, ['/usr/bin/python3', '-m', 'gunicorn', '-c', 'conf.py']),
      proc(10, 7, ['/usr/bin/python3', '-m', 'gunicorn', '-c', 'conf.py']),
    ];
    const s = findScoringProcesses(ps);
    assert.deepEqual(s.workers.map((w) => w.pid), [9, 10]);
    assert.equal(s.master?.pid, 7);
    assert.equal(s.server, 'gunicorn');
  });
  it('recognises the Azure ML inference server and ignores debugpy helper processes', () => {
    const ps = [
      proc(1, 0, ['/azureml-envs/env/bin/python', '/azureml-envs/env/bin/azmlinfsrv', '--entry_script', 'score.py'], '/azureml-envs/env/bin/python3.9'),
      proc(20, 1, ['/azureml-envs/env/bin/python', '-m', 'gunicorn', 'azureml_inference_server_http.server.entry:app'], '/azureml-envs/env/bin/python3.9'),
      proc(21, 20, ['/azureml-envs/env/bin/python', '-m', 'gunicorn', 'azureml_inference_server_http.server.entry:app'], '/azureml-envs/env/bin/python3.9'),
      proc(30, 0, ['/usr/bin/python3', '-m', 'debugpy.adapter']),
    ];
    const s = findScoringProcesses(ps);
    assert.equal(s.server, 'azmlinfsrv');
    assert.deepEqual(s.workers.map((w) => w.pid), [21]);
  });
  it('falls back to the single Python server process (no gunicorn)', () => {
    const ps = [proc(1, 0, ['python3', '/var/aml-doctor/aml_harness.py'], '/usr/bin/python3.11', { AML_APP_ROOT: '/var/azureml-app' }), proc(5, 0, ['sleep', '100'], '/usr/bin/sleep')];
    assert.deepEqual(findScoringProcesses(ps).workers.map((w) => w.pid), [1]);
  });
});

describe('path mappings (unit)', () => {
  const never = () => false;
  it('maps a bind-mounted workspace folder (v2 local endpoint code folder)', () => {
    const r = computePathMappings({
      env: { AML_APP_ROOT: '/var/azureml-app' },
      labels: {},
      mounts: [{ Type: 'bind', Source: '/home/u/proj/onlinescoring', Destination: '/var/azureml-app/onlinescoring' }, { Type: 'volume', Source: '/var/lib/docker/x', Destination: '/data' }],
      workspaceFolders: ['/home/u/proj'],
      exists: never,
    });
    assert.deepEqual(r.mappings, [{ localRoot: '/home/u/proj/onlinescoring', remoteRoot: '/var/azureml-app/onlinescoring' }]);
  });
  it('uses the source folder recorded by a local deployment, under AML_APP_ROOT', () => {
    const r = computePathMappings({ env: { AML_APP_ROOT: '/app' }, labels: { 'aml-doctor.source-dir': '/w/examples' }, mounts: [], workspaceFolders: ['/w'], exists: never });
    assert.deepEqual(r.mappings, [{ localRoot: '/w/examples', remoteRoot: '/app' }]);
  });
  it('ignores a source-folder label outside the workspace folders (any image can set it)', () => {
    const r = computePathMappings({ env: {}, labels: { 'aml-doctor.source-dir': '/home/u/.ssh' }, mounts: [], workspaceFolders: ['/w'], exists: never });
    assert.deepEqual(r.mappings, [{ localRoot: '/w', remoteRoot: '/var/azureml-app' }]);
    const sibling = computePathMappings({ env: {}, labels: { 'aml-doctor.source-dir': '/w-other' }, mounts: [], workspaceFolders: ['/w'], exists: never });
    assert.deepEqual(sibling.mappings, [{ localRoot: '/w', remoteRoot: '/var/azureml-app' }]);
  });
  it('falls back to the workspace folder holding the entry script; the open editor wins', () => {
    const exists = (p: string) => p === '/w/b/score.py';
    const r = computePathMappings({ env: {}, labels: {}, mounts: [], workspaceFolders: ['/w/a', '/w/b'], exists });
    assert.deepEqual(r.mappings, [{ localRoot: '/w/b', remoteRoot: '/var/azureml-app' }]);
    const r2 = computePathMappings({ env: { AZUREML_ENTRY_SCRIPT: 'score.py' }, labels: {}, mounts: [], workspaceFolders: ['/w/a', '/w/b'], exists, localEntryScript: '/w/a/src/score.py' });
    assert.deepEqual(r2.mappings, [{ localRoot: '/w/a/src', remoteRoot: '/var/azureml-app' }]);
  });
  it('uses launch.json overrides as they are', () => {
    const overrides = [{ localRoot: '/x', remoteRoot: '/y' }];
    assert.deepEqual(computePathMappings({ env: {}, labels: { 'aml-doctor.source-dir': '/z' }, mounts: [], workspaceFolders: [], overrides }).mappings, overrides);
  });
  it('orders the most specific remote root first', () => {
    const r = computePathMappings({
      env: {},
      labels: { 'aml-doctor.source-dir': '/w' },
      mounts: [{ Type: 'bind', Source: '/w/sub', Destination: '/var/azureml-app/sub' }],
      workspaceFolders: ['/w'],
      exists: never,
    });
    assert.deepEqual(r.mappings.map((m) => m.remoteRoot), ['/var/azureml-app/sub', '/var/azureml-app']);
  });
});

describe('attach failure explanations (unit)', () => {
  it('explains ptrace restrictions with the SYS_PTRACE fix', () => {
    assert.match(explainAttachFailure('Attach failed', 'ptrace: Operation not permitted.'), /--cap-add SYS_PTRACE/);
  });
  it('leaves other messages unchanged', () => {
    assert.equal(explainAttachFailure('Something else', ''), 'Something else');
  });
});

describe('aml-container debug configuration schema (unit)', () => {
  it('package.json declares every field of AmlContainerDebugConfiguration, and only those', () => {
    const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
    const dbg = pkg.contributes.debuggers.find((d: { type: string }) => d.type === 'aml-container');
    const props = Object.keys(dbg.configurationAttributes.attach.properties).sort();
    const src = readFileSync(path.resolve(__dirname, '..', '..', '..', 'src', 'debug', 'hostDebug.ts'), 'utf8');
    // The TypeScript compiler reads the interface: the type is the source of truth.
    const file = ts.createSourceFile('hostDebug.ts', src, ts.ScriptTarget.Latest);
    const iface = file.statements.find((st): st is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(st) && st.name.text === 'AmlContainerDebugConfiguration')!;
    const fields = iface.members.map((m) => (m.name as ts.Identifier).text).filter((f) => !['type', 'request'].includes(f)).sort();
    assert.deepEqual(props, fields);
    assert.deepEqual(dbg.configurationAttributes.attach.required, ['container']);
    assert.ok(pkg.contributes.breakpoints.some((b: { language: string }) => b.language === 'python'), 'breakpoints can be set in Python files');
  });
});
