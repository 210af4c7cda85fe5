// (unit) Container states a user must tell apart, and the tree nodes built from them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerDetails, ContainerState } from '../../../src/docker/client';
import { classifyDockerError } from '../../../src/docker/client';
import { classifyScoringContainer, type ScoringContainer } from '../../../src/docker/discovery';
import { containerStatus } from '../../../src/docker/status';
import { buildDockerTree, containerNode, scoringUri } from '../../../src/docker/tree';

function details(state: Partial<ContainerState>, extra: Partial<ContainerDetails> = {}): ContainerDetails {
  return {
    id: 'c1',
    name: 'ep.blue',
    image: 'img',
    created: '',
    labels: {},
    env: [],
    state: { status: 'running', running: true, restarting: false, oomKilled: false, exitCode: 0, error: '', startedAt: '2026-01-01T00:00:00Z', finishedAt: '', ...state },
    restartCount: 0,
    ports: [{ privatePort: 5001, publicPort: 32768, ip: '127.0.0.1' }],
    memoryBytes: 0,
    raw: {},
    ...extra,
  };
}

const summary = (state: string, status: string) => ({ state, status });

describe('containerStatus (unit)', () => {
  it('tells running / healthy / unhealthy / starting / restarting / exited (code) / OOM-killed apart', () => {
    const cases: [string, ReturnType<typeof containerStatus>][] = [
      ['running', containerStatus(summary('running', 'Up 2 minutes'), details({}))],
      ['healthy', containerStatus(summary('running', 'Up'), details({ health: { status: 'healthy', failingStreak: 0 } }))],
      ['unhealthy', containerStatus(summary('running', 'Up'), details({ health: { status: 'unhealthy', failingStreak: 3 } }))],
      ['starting', containerStatus(summary('running', 'Up'), details({ health: { status: 'starting', failingStreak: 0 } }))],
      ['restarting', containerStatus(summary('restarting', 'Restarting (1)'), details({ status: 'restarting', running: true, restarting: true }, { restartCount: 4 }))],
      ['crashed', containerStatus(summary('exited', 'Exited (3)'), details({ status: 'exited', running: false, exitCode: 3 }))],
      ['exited', containerStatus(summary('exited', 'Exited (0)'), details({ status: 'exited', running: false, exitCode: 0 }))],
      ['oom-killed', containerStatus(summary('exited', 'Exited (137)'), details({ status: 'exited', running: false, exitCode: 137, oomKilled: true }))],
    ];
    for (const [want, got] of cases) assert.equal(got.condition, want, `${want}: ${JSON.stringify(got)}`);
    const icons = new Set(cases.map(([, s]) => s.icon));
    assert.equal(icons.size, cases.length, 'each state has its own icon');
    assert.equal(cases[4]![1].label, 'restarting (4 restarts)');
    assert.equal(cases[5]![1].label, 'exited (3)');
    assert.equal(cases[7]![1].label, 'OOM-killed (out of memory), exited (137)');
  });

  it('a running gunicorn master whose workers are OOM-killed shows OOM, from oom events', () => {
    const s = containerStatus(summary('running', 'Up'), details({}), 5);
    assert.equal(s.condition, 'oom-killed');
    assert.equal(s.label, 'OOM-killed ×5 (out of memory), running');
    // A clean exit after an earlier OOM of a worker is not reported as OOM.
    assert.equal(containerStatus(summary('exited', 'Exited (0)'), details({ status: 'exited', running: false, exitCode: 0 }), 2).condition, 'exited');
  });

  it('falls back to the list status text (exit code, health) without inspect data', () => {
    assert.equal(containerStatus(summary('exited', 'Exited (2) 3 minutes ago')).label, 'exited (2)');
    assert.equal(containerStatus(summary('running', 'Up 5 seconds (unhealthy)')).condition, 'unhealthy');
    assert.equal(containerStatus(summary('running', 'Up 5 seconds (health: starting)')).condition, 'starting');
  });
});

describe('discovery and tree nodes (unit)', () => {
  const base = { id: 'x', image: 'img', state: 'running', status: 'Up', ports: [], created: 0 };
  it('recognises v2 local endpoints, v1 LocalWebservice and own deployments, ignores others', () => {
    const v2 = classifyScoringContainer({ ...base, name: 'my-endpoint.blue', labels: { 'azureml-local-endpoint': 'my-endpoint', endpoint: 'my-endpoint', deployment: 'blue', 'azureml-port': '32770' } });
    assert.equal(v2?.kind, 'v2-local-endpoint');
    assert.equal(v2?.group, 'my-endpoint');
    assert.equal(v2?.deployment, 'blue');
    const v1 = classifyScoringContainer({ ...base, name: 'mysvc', labels: { amlIsService: 'true', amlServiceName: 'mysvc' } });
    assert.equal(v1?.kind, 'v1-local-webservice');
    assert.equal(classifyScoringContainer({ ...base, name: 'postgres', labels: {}, command: 'docker-entrypoint.sh postgres' }), undefined);
    const other = classifyScoringContainer({ ...base, name: 'handmade', labels: {}, command: 'azmlinfsrv --entry_script /var/azureml-app/score.py' });
    assert.equal(other?.kind, 'scoring-like');
    assert.equal(other?.group, 'Other scoring containers');
  });

  it('builds the scoring URI from the published 5001 port and puts menu keys in contextValue', () => {
    const c = classifyScoringContainer({ ...base, name: 'ep.blue', labels: { 'aml-doctor.deployment': 'blue', 'aml-doctor.endpoint': 'ep' } }) as ScoringContainer;
    const d = details({ health: { status: 'healthy', failingStreak: 0 } }, { ports: [{ privatePort: 5678, publicPort: 40000, ip: '127.0.0.1' }, { privatePort: 5001, publicPort: 32768, ip: '0.0.0.0' }], memoryBytes: 2 * 1024 ** 3, restartCount: 2 });
    assert.equal(scoringUri(c, d, '127.0.0.1'), 'http://127.0.0.1:32768/score');
    const n = containerNode(c, d, '127.0.0.1');
    assert.deepEqual(n.contextValue.split(' '), ['runningContainer', 'healthy', 'localDeploy', 'scoring']);
    assert.match(n.tooltip, /image: img/);
    assert.match(n.tooltip, /scoring URI: http:\/\/127\.0\.0\.1:32768\/score/);
    assert.match(n.tooltip, /restart count: 2/);
    assert.match(n.tooltip, /started: 2026-01-01T00:00:00Z/);
    assert.match(n.tooltip, /memory limit: 2\.00 GB/);
    const noPort = containerNode(c, details({}, { ports: [{ privatePort: 5001 }] }), '127.0.0.1');
    assert.equal(noPort.scoringUri, undefined);
    assert.doesNotMatch(noPort.contextValue, /scoring/);
  });

  it('groups by endpoint/service, sorted', () => {
    const mk = (name: string, ep: string, dep: string) =>
      classifyScoringContainer({ ...base, id: name, name, labels: { 'aml-doctor.deployment': dep, 'aml-doctor.endpoint': ep } }) as ScoringContainer;
    const groups = buildDockerTree([mk('b.green', 'b', 'green'), mk('a.blue', 'a', 'blue'), mk('b.blue', 'b', 'blue')], new Map(), '127.0.0.1');
    assert.deepEqual(groups.map((g) => [g.name, g.containers.map((c) => c.label)]), [['a', ['blue']], ['b', ['blue', 'green']]]);
  });
});

describe('classifyDockerError (unit)', () => {
  it('names "engine not running" and "permission denied" as such', () => {
    const e1 = classifyDockerError(Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT' }), 'unix:///var/run/docker.sock');
    assert.equal(e1.reason, 'not-running');
    const e2 = classifyDockerError(Object.assign(new Error('connect EACCES /var/run/docker.sock'), { code: 'EACCES' }), 'unix:///var/run/docker.sock');
    assert.equal(e2.reason, 'permission-denied');
    assert.match(e2.message, /docker" group/);
    assert.equal(classifyDockerError(new Error('socket hang up'), 'x').reason, 'not-running');
  });
});
