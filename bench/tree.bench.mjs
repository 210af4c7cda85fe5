// Local Docker tree speed: list 200 containers and build the tree nodes against the reference measured
// in the same run: `docker ps -a --format json` (the CLI, one process per listing). Target: the first
// tree (list + discovery + nodes, what the user sees first) no slower than the CLI. Also reported: the
// complete tree (every container inspected: OOMKilled, restart count...) cold, and an event-driven
// reload with warm inspect caches.
// The 200 containers are created (never started) from the test image, named amld-bench-*, and removed
// afterwards, also on failure. Run: node bench/tree.bench.mjs [rounds]
import { execFile, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';

const require = createRequire(import.meta.url);

const run = promisify(execFile);
const IMAGE = process.env.AML_DOCTOR_TEST_IMAGE ?? 'aml-doctor/scoring:bookworm-1';
const PREFIX = `amld-bench-${process.pid}-`;
const COUNT = 200;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timed(fn) {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function cleanup() {
  const ids = execFileSync('docker', ['ps', '-aq', '--filter', `name=^${PREFIX}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (let i = 0; i < ids.length; i += 50) execFileSync('docker', ['rm', '-f', ...ids.slice(i, i + 50)], { stdio: 'ignore' });
  return ids.length;
}

export async function runTreeBench(rounds = 9) {
  // The sources are TypeScript in a CommonJS package: load them through tsx's require hook.
  const unregister = require('tsx/cjs/api').register();
  const { DockerodeClient } = require('../src/docker/client.ts');
  const { DockerExplorer, mapLimit } = require('../src/docker/explorer.ts');
  const { nullLogger } = require('../src/common/logger.ts');
  const client = new DockerodeClient();
  try {
    const existing = (await client.listContainers()).length;
    const t0 = Date.now();
    await mapLimit([...Array(COUNT).keys()], 8, (i) =>
      client.createContainer({
        name: `${PREFIX}${i}`,
        image: IMAGE,
        cmd: ['true'],
        labels: { 'aml-doctor.deployment': `dep${i}`, 'aml-doctor.endpoint': `${PREFIX}ep${i % 20}` },
        ports: { '5001/tcp': { hostIp: '127.0.0.1', hostPort: 0 } },
      }),
    );
    const createMs = Date.now() - t0;

    const cli = [];
    const first = [];
    const cold = [];
    const warm = [];
    const warmExplorer = new DockerExplorer(client, nullLogger);
    await warmExplorer.reload();
    // Alternate the three so that engine load affects them alike; the first round is a warm-up.
    for (let r = 0; r <= rounds; r++) {
      const c = await timed(() => run('docker', ['ps', '-a', '--format', 'json'], { maxBuffer: 64 * 1024 * 1024 }));
      let snap;
      let firstMs = 0;
      const k = await timed(async () => {
        const t = process.hrtime.bigint();
        const ex = new DockerExplorer(client, nullLogger);
        ex.onDidChange((s) => {
          if (!firstMs && s.count >= COUNT) firstMs = Number(process.hrtime.bigint() - t) / 1e6;
        });
        snap = await ex.reload();
        await ex.dispose();
      });
      const w = await timed(() => warmExplorer.reload());
      if (snap.count < COUNT) throw new Error(`the tree shows ${snap.count} scoring containers, expected at least ${COUNT}`);
      if (!snap.complete) throw new Error('reload() resolved before the tree was complete');
      if (r > 0) {
        first.push(firstMs);
        cli.push(c);
        cold.push(k);
        warm.push(w);
      }
    }
    await warmExplorer.dispose();
    const result = {
      bench: 'tree',
      containers: COUNT,
      otherContainersOnEngine: existing,
      rounds,
      createMs,
      cliMedianMs: +median(cli).toFixed(1),
      treeFirstMedianMs: +median(first).toFixed(1),
      treeColdMedianMs: +median(cold).toFixed(1),
      treeWarmMedianMs: +median(warm).toFixed(1),
      ratioFirstToCli: +(median(first) / median(cli)).toFixed(2),
      ratioColdToCli: +(median(cold) / median(cli)).toFixed(2),
      ratioWarmToCli: +(median(warm) / median(cli)).toFixed(2),
      target: 'treeFirst <= cli (ratio <= 1)',
    };
    result.pass = result.ratioFirstToCli <= 1;
    return result;
  } finally {
    cleanup();
    unregister();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const onSignal = () => {
    cleanup();
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const r = await runTreeBench(Number(process.argv[2] ?? 9));
  console.log('| figure (200 containers, median of ' + r.rounds + ') | value | reference (same run) | target |');
  console.log('|---|---|---|---|');
  console.log(`| first tree: list + discovery + nodes | ${r.treeFirstMedianMs} ms | docker ps -a --format json ${r.cliMedianMs} ms (${r.ratioFirstToCli}x) | <= 1x (${r.pass ? 'met' : 'NOT met'}) |`);
  console.log(`| complete tree: + inspect of every container (cold) | ${r.treeColdMedianMs} ms | ${r.ratioColdToCli}x | - |`);
  console.log(`| event-driven reload (inspect cache warm) | ${r.treeWarmMedianMs} ms | ${r.ratioWarmToCli}x | - |`);
  console.log(JSON.stringify(r));
  process.exitCode = r.pass ? 0 : 1;
}
