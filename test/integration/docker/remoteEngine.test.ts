// (integration) The Docker engine reached the ways remote engines are: tcp:// + DOCKER_TLS_VERIFY
// through a TLS proxy (self-signed CA, client certificates required) in front of the real engine's
// socket, and ssh:// through an SSH server (ssh2's) whose exec channel is the engine's socket, as
// `docker system dial-stdio` gives it. Both listen on this machine's network address, not loopback,
// so the engine counts as remote: a local deployment publishes on the engine's interfaces and its
// scoring URI names the engine's host, where the test request then really goes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tls from 'node:tls';
import { Server as SshServer, utils as sshUtils, type Connection } from 'ssh2';
import { nullLogger } from '../../../src/common/logger';
import { DockerodeClient, DockerUnavailableError } from '../../../src/docker/client';
import { LocalDeployer } from '../../../src/docker/localDeploy';
import { sendTestRequest } from '../../../src/docker/testRequest';
import { HARNESS_DIR, IMAGE, copyExamples, docker, removeContainers, uniqueName } from './helpers';

const SOCKET = '/var/run/docker.sock';

/** This machine's first non-loopback IPv4 address: "remote" as far as the client can tell. */
function networkAddress(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new Error('no non-loopback IPv4 address on this machine');
}

function openssl(cwd: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA, a server certificate for `ip` and a client certificate, as `docker` expects them in DOCKER_CERT_PATH. */
function makeCerts(dir: string, ip: string): void {
  mkdirSync(dir, { recursive: true });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(dir, 'req', '-x509', ...ec, '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=amld test CA');
  openssl(dir, 'req', ...ec, '-keyout', 'server-key.pem', '-out', 'server.csr', '-subj', `/CN=${ip}`);
  writeFileSync(path.join(dir, 'server.ext'), `subjectAltName=IP:${ip}\nextendedKeyUsage=serverAuth\n`);
  openssl(dir, 'x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', 'server-cert.pem', '-days', '2', '-extfile', 'server.ext');
  openssl(dir, 'req', ...ec, '-keyout', 'key.pem', '-out', 'client.csr', '-subj', '/CN=amld client');
  writeFileSync(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  openssl(dir, 'x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', 'cert.pem', '-days', '2', '-extfile', 'client.ext');
}

function pipeToEngine(stream: NodeJS.ReadWriteStream & { destroy(): void }): void {
  const engine = net.connect(SOCKET);
  stream.pipe(engine).pipe(stream);
  engine.on('error', () => stream.destroy());
  stream.on('error', () => engine.destroy());
  stream.on('close', () => engine.destroy());
}

describe('remote Docker engines: tcp + TLS and ssh (integration, real Docker engine)', { timeout: 600000 }, () => {
  const ip = networkAddress();
  const endpointName = uniqueName('remote');
  let tmp: string;
  let certs: string;
  let proxy: tls.Server;
  let proxyPort: number;
  let ssh: SshServer;
  let sshPort: number;
  const sshConnections = new Set<Connection>();

  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'amld-docker-test-remote-'));
    certs = path.join(tmp, 'certs');
    makeCerts(certs, ip);
    const read = (f: string) => readFileSync(path.join(certs, f));
    proxy = tls.createServer({ key: read('server-key.pem'), cert: read('server-cert.pem'), ca: read('ca.pem'), requestCert: true, rejectUnauthorized: true }, (sock) => pipeToEngine(sock));
    proxy.on('tlsClientError', () => undefined);
    await new Promise<void>((r) => proxy.listen(0, ip, r));
    proxyPort = (proxy.address() as net.AddressInfo).port;

    // SSH: a host key for the server, a login key for the client, both written where ssh keeps them.
    const hostKey = sshUtils.generateKeyPairSync('ed25519');
    const userKey = sshUtils.generateKeyPairSync('ed25519');
    const allowed = sshUtils.parseKey(userKey.public);
    if (allowed instanceof Error) throw allowed;
    ssh = new SshServer({ hostKeys: [hostKey.private] }, (conn) => {
      sshConnections.add(conn);
      conn.on('close', () => sshConnections.delete(conn));
      conn.on('error', () => undefined);
      conn.on('authentication', (ctx) => {
        if (ctx.method === 'publickey' && ctx.username === 'amld' && ctx.key.algo === allowed.type && ctx.key.data.equals(allowed.getPublicSSH())) {
          if (!ctx.signature || allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true) return ctx.accept();
        }
        ctx.reject(['publickey']);
      });
      conn.on('ready', () => {
        conn.on('session', (accept) => {
          accept().on('exec', (acceptExec, _reject, info) => {
            const channel = acceptExec();
            if (info.command !== 'docker system dial-stdio') {
              channel.stderr.write(`unexpected command ${info.command}\n`);
              channel.exit(127);
              channel.end();
              return;
            }
            pipeToEngine(channel as unknown as NodeJS.ReadWriteStream & { destroy(): void });
          });
        });
      });
    });
    await new Promise<void>((r) => ssh.listen(0, ip, r));
    sshPort = (ssh.address() as net.AddressInfo).port;
    const home = path.join(tmp, 'home');
    mkdirSync(path.join(home, '.ssh'), { recursive: true });
    writeFileSync(path.join(home, '.ssh', 'id_ed25519'), userKey.private, { mode: 0o600 });
    writeFileSync(path.join(home, '.ssh', 'known_hosts'), `[${ip}]:${sshPort} ${hostKey.public.trim().split(' ').slice(0, 2).join(' ')}\n`);
    const stranger = path.join(tmp, 'stranger');
    mkdirSync(path.join(stranger, '.ssh'), { recursive: true });
    writeFileSync(path.join(stranger, '.ssh', 'id_ed25519'), userKey.private, { mode: 0o600 });
    writeFileSync(path.join(stranger, '.ssh', 'known_hosts'), `[${ip}]:${sshPort} ${sshUtils.generateKeyPairSync('ed25519').public.trim().split(' ').slice(0, 2).join(' ')}\n`);
  });

  after(async () => {
    removeContainers(endpointName);
    for (const c of sshConnections) c.end();
    await new Promise((r) => proxy.close(r));
    await new Promise((r) => ssh.close(r));
    rmSync(tmp, { recursive: true, force: true });
  });

  const tlsClient = (env: NodeJS.ProcessEnv = { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs }) => new DockerodeClient({ host: `tcp://${ip}:${proxyPort}`, env, home: path.join(tmp, 'home') });

  it('tcp:// + DOCKER_TLS_VERIFY/DOCKER_CERT_PATH: ping, list and exec go through TLS with client certificates', async () => {
    const client = tlsClient();
    assert.equal(client.endpoint, `tcp://${ip}:${proxyPort} (TLS)`);
    await client.ping();
    assert.ok((await client.listContainers()).length >= 0);
    const id = docker('run', '-d', '--name', `${endpointName}-exec`, IMAGE, 'sleep', 'infinity');
    try {
      const r = await client.exec(id, ['echo', 'through TLS']);
      assert.deepEqual([r.exitCode, r.stdout], [0, 'through TLS\n']);
    } finally {
      docker('rm', '-f', id);
    }
  });

  it('a local deployment on the remote engine is published on its interfaces and test requests go to its host', async () => {
    const project = copyExamples();
    const deployer = new LocalDeployer(tlsClient(), nullLogger, { harnessDir: HARNESS_DIR, readinessTimeoutMs: 90000 });
    try {
      const info = await deployer.deploy({
        endpoint: endpointName,
        deployment: 'blue',
        sourceDir: project,
        entryScript: 'score.py',
        modelPath: path.join(project, 'model', 'diabetes-linear.npz'),
        modelName: 'diabetes-linear',
        baseImage: IMAGE,
        port: 0,
      });
      assert.match(info.scoringUri, new RegExp(`^http://${ip.replace(/\./g, '\\.')}:\\d+/score$`));
      const r = await sendTestRequest(info.scoringUri, readFileSync(path.join(project, 'sample-request.json'), 'utf8'));
      assert.equal(r.status, 200, r.body);
      assert.ok(Array.isArray(JSON.parse(r.body).predictions));
    } finally {
      await deployer.delete(endpointName, 'blue');
      rmSync(project, { recursive: true, force: true });
    }
  });

  it('a certificate from another CA, or no client certificate, is refused with a message that says which', async () => {
    const other = path.join(tmp, 'other-ca');
    makeCerts(other, ip);
    const wrongCa = path.join(tmp, 'wrong-ca');
    mkdirSync(wrongCa);
    writeFileSync(path.join(wrongCa, 'ca.pem'), readFileSync(path.join(other, 'ca.pem')));
    writeFileSync(path.join(wrongCa, 'cert.pem'), readFileSync(path.join(certs, 'cert.pem')));
    writeFileSync(path.join(wrongCa, 'key.pem'), readFileSync(path.join(certs, 'key.pem')));
    await assert.rejects(tlsClient({ DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: wrongCa }).ping(), (e: unknown) => {
      assert.ok(e instanceof DockerUnavailableError, String(e));
      assert.match(e.message, /TLS certificate of the Docker engine .* could not be verified/);
      return true;
    });
    const caOnly = path.join(tmp, 'ca-only');
    mkdirSync(caOnly);
    writeFileSync(path.join(caOnly, 'ca.pem'), readFileSync(path.join(certs, 'ca.pem')));
    const noClientCert = new DockerodeClient({ host: `https://${ip}:${proxyPort}`, env: { DOCKER_CERT_PATH: caOnly } });
    await assert.rejects(noClientCert.ping(), (e: unknown) => {
      assert.ok(e instanceof DockerUnavailableError, String(e));
      assert.match(e.message, /refused the TLS client certificate .*certificate required.*: DOCKER_CERT_PATH needs the cert\.pem\/key\.pem/);
      return true;
    });
  });

  it('ssh:// logs in with the key in ~/.ssh, checks known_hosts, and runs Docker calls and exec through it', async () => {
    const client = new DockerodeClient({ host: `ssh://amld@${ip}:${sshPort}`, env: {}, home: path.join(tmp, 'home') });
    await client.ping();
    const id = docker('run', '-d', '--name', `${endpointName}-ssh`, IMAGE, 'sleep', 'infinity');
    try {
      assert.ok((await client.listContainers()).some((c) => c.id === id));
      const r = await client.exec(id, ['echo', 'through ssh']);
      assert.deepEqual([r.exitCode, r.stdout], [0, 'through ssh\n']);
    } finally {
      docker('rm', '-f', id);
    }
  });

  it('ssh:// to a host whose key is not the one in known_hosts is refused, naming known_hosts', async () => {
    const client = new DockerodeClient({ host: `ssh://amld@${ip}:${sshPort}`, env: {}, home: path.join(tmp, 'stranger') });
    await assert.rejects(client.ping(), (e: unknown) => {
      assert.ok(e instanceof DockerUnavailableError, String(e));
      assert.match(e.message, /SSH host key of .* is not in ~\/\.ssh\/known_hosts/);
      return true;
    });
  });
});
