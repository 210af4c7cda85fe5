// (unit) The Docker host setting: every scheme the docker CLI knows (TLS from DOCKER_TLS_VERIFY /
// DOCKER_CERT_PATH, https, ssh with known_hosts, unix, npipe), clear messages for the rest, and where
// published ports of a remote engine are reached.
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DockerodeClient, DockerUnavailableError } from '../../../src/docker/client';
import { classifyScoringContainer, type ScoringContainer } from '../../../src/docker/discovery';
import { DockerHostError, engineConnection, knownHostsVerifier, portReach, reachableHost } from '../../../src/docker/endpoint';
import { containerNode, scoringUri } from '../../../src/docker/tree';

describe('engineConnection (unit)', () => {
  let home: string;
  let certs: string;
  before(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 'amld-docker-test-home-'));
    certs = path.join(home, 'certs');
    mkdirSync(certs);
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(path.join(certs, f), `${f} content`);
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  it('unix:// and npipe:// are sockets; the setting wins over DOCKER_HOST, whose TLS settings do not leak in', () => {
    const env = { DOCKER_HOST: 'tcp://elsewhere:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs };
    const c = engineConnection('unix:///run/user/1000/docker.sock', { env, home });
    assert.equal(c.options.socketPath, '/run/user/1000/docker.sock');
    // Every key is given: docker-modem would otherwise take host/port/protocol/certs from DOCKER_HOST.
    assert.ok('host' in c.options && c.options.host === undefined);
    assert.equal(c.options.protocol, undefined);
    assert.equal(c.options.ca, undefined);
    assert.equal(engineConnection('npipe:////./pipe/docker_engine', { env: {}, home }).options.socketPath, '//./pipe/docker_engine');
    assert.equal(engineConnection('', { env: {}, home }).options.socketPath, '/var/run/docker.sock');
    assert.equal(engineConnection(undefined, { env: { DOCKER_HOST: 'unix:///x.sock' }, home }).options.socketPath, '/x.sock');
  });

  it('tcp:// without TLS settings is plain http on 2375; host:port alone means tcp', () => {
    const c = engineConnection('tcp://10.0.0.5', { env: {}, home });
    assert.deepEqual([c.options.protocol, c.options.host, c.options.port], ['http', '10.0.0.5', 2375]);
    assert.equal(c.endpoint, 'tcp://10.0.0.5:2375');
    assert.deepEqual([engineConnection('10.0.0.5:2375', { env: {}, home }).options.protocol], ['http']);
  });

  it('tcp:// with DOCKER_TLS_VERIFY + DOCKER_CERT_PATH is https with ca/cert/key from that folder, port 2376', () => {
    const c = engineConnection(undefined, { env: { DOCKER_HOST: 'tcp://docker.example:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs }, home });
    assert.equal(c.options.protocol, 'https');
    assert.equal(c.options.port, 2376);
    assert.equal(c.options.ca?.toString(), 'ca.pem content');
    assert.equal(c.options.cert?.toString(), 'cert.pem content');
    assert.equal(c.options.key?.toString(), 'key.pem content');
    assert.equal(c.endpoint, 'tcp://docker.example:2376 (TLS)');
    // Without DOCKER_CERT_PATH the certificates come from ~/.docker, as for the docker CLI.
    mkdirSync(path.join(home, '.docker'), { recursive: true });
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(path.join(home, '.docker', f), `home ${f}`);
    assert.equal(engineConnection('tcp://d:2376', { env: { DOCKER_TLS_VERIFY: '1' }, home }).options.ca?.toString(), 'home ca.pem');
    // DOCKER_CERT_PATH alone: TLS too (the CLI would skip verification; we verify and say so).
    const noVerify = engineConnection('tcp://d', { env: { DOCKER_CERT_PATH: certs }, home });
    assert.equal(noVerify.options.protocol, 'https');
    assert.match(noVerify.notes.join(' '), /still verifying/);
  });

  it('names the missing certificate file when TLS is asked for', () => {
    const partial = mkdtempSync(path.join(os.tmpdir(), 'amld-docker-test-certs-'));
    try {
      writeFileSync(path.join(partial, 'ca.pem'), 'x');
      writeFileSync(path.join(partial, 'cert.pem'), 'x');
      assert.throws(
        () => engineConnection('tcp://d:2376', { env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: partial }, home }),
        (e: unknown) => e instanceof DockerHostError && e.message.includes(path.join(partial, 'key.pem')) && /is missing/.test(e.message),
      );
    } finally {
      rmSync(partial, { recursive: true, force: true });
    }
  });

  it('https:// verifies against the system CAs when there is no ca.pem', () => {
    const c = engineConnection('https://docker.example:8443', { env: { DOCKER_CERT_PATH: path.join(home, 'none') }, home });
    assert.deepEqual([c.options.protocol, c.options.port, c.options.ca], ['https', 8443, undefined]);
    assert.match(c.notes.join(' '), /system's certificate authorities/);
  });

  it('ssh:// logs in with the agent or a key file and checks the host key against known_hosts', () => {
    const c = engineConnection('ssh://deploy@build-box:2222', { env: { SSH_AUTH_SOCK: '/tmp/agent.sock' }, home });
    assert.deepEqual([c.options.protocol, c.options.host, c.options.port, c.options.username], ['ssh', 'build-box', 2222, 'deploy']);
    assert.equal(c.options.sshOptions?.agent, '/tmp/agent.sock');
    assert.equal(typeof c.options.sshOptions?.hostVerifier, 'function');
    assert.equal(c.endpoint, 'ssh://deploy@build-box:2222');
    const noUser = engineConnection('ssh://build-box', { env: { USER: 'alice' }, home });
    assert.deepEqual([noUser.options.username, noUser.options.port], ['alice', 22]);
    assert.match(noUser.notes.join(' '), /no key to log in with/);
    assert.throws(() => engineConnection('ssh://u:secret@h', { env: {}, home }), /Passwords in ssh:\/\/ Docker hosts are not supported/);
  });

  it('an unsupported scheme or a bare word gets a message that lists what works', () => {
    for (const bad of ['fd://', 'ftp://host:21', 'dockerd']) {
      assert.throws(() => engineConnection(bad, { env: {}, home }), (e: unknown) => e instanceof DockerHostError && /unix:\/\/, npipe:\/\/, tcp:\/\/, http:\/\/, https:\/\/ or ssh:\/\//.test(e.message), bad);
    }
  });

  it('a client whose host setting cannot be used reports bad-host on the first call, without touching any engine', async () => {
    const client = new DockerodeClient({ host: 'fd://', env: {} });
    await assert.rejects(client.ping(), (e: unknown) => e instanceof DockerUnavailableError && e.reason === 'bad-host' && /fd:\/\//.test(e.message));
  });
});

describe('knownHostsVerifier (unit)', () => {
  const key = randomBytes(51);
  const other = randomBytes(51);
  const b64 = key.toString('base64');
  function verifier(lines: string[], host: string, port: number): (k: Buffer) => boolean {
    const text = Buffer.from(lines.join('\n'));
    return knownHostsVerifier(host, port, ['/kh'], () => text, () => true);
  }

  it('accepts the key listed for the host (plain, [host]:port, hashed, wildcard) and nothing else', () => {
    assert.equal(verifier([`build-box,10.0.0.9 ssh-ed25519 ${b64}`], 'build-box', 22)(key), true);
    assert.equal(verifier([`build-box ssh-ed25519 ${b64}`], 'build-box', 22)(other), false, 'another key');
    assert.equal(verifier([`build-box ssh-ed25519 ${b64}`], 'build-box', 2222)(key), false, 'port 2222 needs [host]:2222');
    assert.equal(verifier([`[build-box]:2222 ssh-ed25519 ${b64}`], 'build-box', 2222)(key), true);
    const salt = randomBytes(20);
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('build-box').digest('base64')}`;
    assert.equal(verifier([`${hashed} ssh-ed25519 ${b64}`], 'build-box', 22)(key), true);
    assert.equal(verifier([`${hashed} ssh-ed25519 ${b64}`], 'other-box', 22)(key), false);
    assert.equal(verifier([`*.lab ssh-ed25519 ${b64}`], 'gpu1.lab', 22)(key), true);
    assert.equal(verifier([`*.lab,!gpu1.lab ssh-ed25519 ${b64}`], 'gpu1.lab', 22)(key), false, 'negated');
    assert.equal(verifier([`@revoked * ssh-ed25519 ${b64}`, `build-box ssh-ed25519 ${b64}`], 'build-box', 22)(key), false, 'revoked');
    assert.equal(verifier(['# comment', '', 'garbage'], 'build-box', 22)(key), false, 'unknown host');
  });
});

describe('published ports of local and remote engines (unit)', () => {
  const base = { id: 'c1', image: 'img', state: 'running', status: 'Up', created: 0, ports: [] };
  const c = classifyScoringContainer({ ...base, name: 'ep.blue', labels: { 'aml-doctor.deployment': 'blue', 'aml-doctor.endpoint': 'ep' } }) as ScoringContainer;
  const withPort = (ip: string) => ({ ...c, ports: [{ privatePort: 5001, publicPort: 32768, ip }] });

  it('a local engine: the binding address, 127.0.0.1 for all interfaces', () => {
    const local = portReach('unix:///var/run/docker.sock');
    assert.deepEqual(local, { remote: false, publishHost: '127.0.0.1' });
    assert.equal(scoringUri(withPort('0.0.0.0'), undefined, local), 'http://127.0.0.1:32768/score');
    assert.equal(scoringUri(withPort('127.0.0.1'), undefined, local), 'http://127.0.0.1:32768/score');
    assert.equal(portReach('tcp://localhost:2375').remote, false);
  });

  it('a remote engine: its host name, or the specific address the port is published on', () => {
    const tls = portReach('tcp://10.1.2.3:2376 (TLS)');
    assert.deepEqual(tls, { remote: true, publishHost: '10.1.2.3' });
    assert.deepEqual(portReach('ssh://deploy@build-box:2222'), { remote: true, publishHost: 'build-box' });
    assert.equal(scoringUri(withPort('0.0.0.0'), undefined, tls), 'http://10.1.2.3:32768/score');
    assert.equal(scoringUri(withPort('::'), undefined, tls), 'http://10.1.2.3:32768/score');
    assert.equal(scoringUri(withPort('192.168.7.7'), undefined, tls), 'http://192.168.7.7:32768/score');
    assert.equal(reachableHost('127.0.0.1', tls), undefined);
  });

  it('a port on the remote engine\'s loopback has no scoring URI, and the tooltip says why', () => {
    const n = containerNode(withPort('127.0.0.1'), undefined, portReach('ssh://deploy@build-box'));
    assert.equal(n.scoringUri, undefined);
    assert.doesNotMatch(n.contextValue, /scoring/);
    assert.match(n.tooltip, /127\.0\.0\.1:32768 of the engine's machine build-box, which is not reachable from here/);
  });
});
