// Fuzz: 10,000+ seeded inputs through the streaming log classifier, pushed in random chunks: random bytes,
// Docker stream framing fragments (valid, cut, lying about their size), CRLF and ANSI mixtures, huge lines,
// tracebacks cut anywhere (also escaped twice and entity-mangled), and mutated fixture logs. No input may
// throw, every explanation must be well-formed, and the time per input is bounded as a ratio to a normal
// log of the same size.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { LogClassifier } from '../../../src/logs/classifier';
import { CATEGORIES, type Explanation } from '../../../src/logs/types';
import { cpuTime, fastest, normalLine } from '../../helpers/adversarial';
import { rng } from '../../helpers/rng';

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const COUNT = Number(process.env.FUZZ_COUNT ?? 10000);
/** An input may take this many times what a normal log of its size takes (re-measured before failing). */
const RATIO = 25;

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'logs');
const LOGS = readdirSync(FIXTURES).filter((f) => f.endsWith('.log')).map((f) => readFileSync(path.join(FIXTURES, f), 'utf8'));

const TRACEBACK = [
  '2026-03-02 09:00:02,051 | root | ERROR | Encountered Exception Traceback (most recent call last):',
  '  File "/azureml-envs/azureml_1/lib/python3.10/site-packages/azureml_inference_server_http/server/user_script.py", line 77, in load_script',
  '    main_module_spec.loader.exec_module(user_module)',
  '  File "<frozen importlib._bootstrap_external>", line 883, in exec_module',
  '  File "/var/azureml-app/src/score.py", line 9, in <module>',
  '    import lightgbm',
  "ModuleNotFoundError: No module named 'lightgbm'",
  '',
  'During handling of the above exception, another exception occurred:',
  '',
  'Traceback (most recent call last):',
  '  File "/var/azureml-app/src/score.py", line 31, in run',
  '    return model.predict(np.array(data["rows"])).tolist()',
  "KeyError: 'rows'",
].join('\n');

const TOKENS = [
  '\n', '\r\n', '\r', '\t', ' ', '\x1b[31m', '\x1b[0m', '\x1b[', '\x1b]8;;http://x\x07', '&gt;', '&#39;', '&quot;', '&amp;gt;', '\\n', '\\"', '\\\\n',
  'Traceback (most recent call last):', '  File "', '", line ', ', in ', 'init', 'run', '<module>', 'Error: ', 'Exception: ', 'Booting worker with pid: ',
  'Worker with pid 9 was terminated due to signal 9', 'WORKER TIMEOUT (pid:9)', 'Back-off ', 'nodes are available: ', 'Insufficient ', '0', '9999999999',
  'During handling of the above exception, another exception occurred:', 'The above exception was the direct cause of the following exception:',
  'No module named ', "'", '"', 'score.py', '/var/azureml-app/', 'azureml-models', 'Authorization: Bearer ', 'eyJ', '\u00e9', '\ud83d\ude00', '\0', '\ufeff',
];

function dockerFrames(payload: Buffer, r: () => number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < payload.length; ) {
    const n = 1 + Math.floor(r() * 200);
    const p = payload.subarray(i, i + n);
    const h = Buffer.alloc(8);
    h[0] = r() < 0.5 ? 1 : 2;
    // Sometimes a header lies about its size (the demuxer then waits for bytes that never come).
    h.writeUInt32BE(r() < 0.02 ? Math.floor(r() * 0xffffffff) : p.length, 4);
    parts.push(h, p);
    i += n;
  }
  return Buffer.concat(parts);
}

function generate(r: () => number, k: number): Buffer {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  switch (k % 8) {
    case 0: {
      const b = Buffer.alloc(Math.floor(r() * 4096));
      for (let i = 0; i < b.length; i++) b[i] = Math.floor(r() * 256);
      return b;
    }
    case 1:
      return dockerFrames(Buffer.from(pick(LOGS)), r);
    case 2: {
      // Fragments of Docker framing: a valid stream cut at a random place, or a header alone.
      const framed = dockerFrames(Buffer.from(pick(LOGS)), r);
      return r() < 0.5 ? framed.subarray(0, Math.floor(r() * framed.length)) : framed.subarray(Math.floor(r() * 16));
    }
    case 3: {
      let s = '';
      const n = Math.floor(r() * 300);
      for (let i = 0; i < n; i++) s += pick(TOKENS);
      return Buffer.from(s);
    }
    case 4: {
      // A huge line: a run of one character with keywords sprinkled in, maybe never ended.
      const unit = pick(['0', 'a', ' ', '-', '/', '"', '\\', '&', 'x']);
      const len = 16 * 1024 + Math.floor(r() * 80 * 1024);
      const parts: string[] = [];
      for (let i = 0; i < len; i += 4096) parts.push(unit.repeat(4096), r() < 0.3 ? pick(TOKENS) : '');
      return Buffer.from(parts.join('') + (r() < 0.5 ? '\n' : ''));
    }
    case 5: {
      // A traceback cut anywhere, plain, escaped twice (JSON in JSON) or entity-mangled.
      const cut = TRACEBACK.slice(0, Math.floor(r() * TRACEBACK.length));
      const form = Math.floor(r() * 3);
      if (form === 0) return Buffer.from(cut);
      if (form === 1) return Buffer.from(`{"error": {"message": "${JSON.stringify(JSON.stringify(cut)).slice(1, -1)}"}}`);
      return Buffer.from(cut.replace(/>/g, '&gt;').replace(/'/g, '&#39;').replace(/"/g, '&quot;'));
    }
    case 6: {
      // A fixture log with random edits.
      let s = pick(LOGS);
      const edits = 1 + Math.floor(r() * 6);
      for (let e = 0; e < edits; e++) {
        const i = Math.floor(r() * (s.length + 1));
        const j = Math.min(s.length, i + Math.floor(r() * 60));
        s = s.slice(0, i) + (r() < 0.6 ? pick(TOKENS) : '') + s.slice(j);
      }
      return Buffer.from(r() < 0.3 ? s.replace(/\n/g, '\r\n') : s);
    }
    default: {
      // Interleaved: a traceback with other log lines and timestamps between its lines.
      const lines = TRACEBACK.split('\n');
      const out: string[] = [];
      for (const l of lines) {
        out.push(r() < 0.5 ? `2026-03-02T09:00:0${Math.floor(r() * 10)}Z stderr F ${l}` : l);
        if (r() < 0.3) out.push(pick(['[INFO] Handling request', '127.0.0.1 - - "POST /score HTTP/1.0" 200 12', pick(TOKENS)]));
      }
      return Buffer.from(out.join('\n'));
    }
  }
}

function classify(input: Buffer, r: () => number): { result: Explanation; delivered: number } {
  let delivered = 0;
  const c = new LogClassifier({ onLine: () => delivered++ });
  for (let i = 0; i < input.length; ) {
    const n = 1 + Math.floor(r() * 8192);
    c.push(input.subarray(i, i + n));
    i += n;
  }
  return { result: c.end(), delivered };
}

describe(`log classifier fuzz: ${COUNT} inputs, seed ${SEED} (unit)`, () => {
  it('never throws, explains every input consistently, and stays within a bounded time per input', () => {
    const r = rng(SEED);
    // The reference: classifying a normal log of about the same size, per power-of-two size class.
    const normals = new Map<number, Buffer>();
    const normalFor = (bytes: number) => {
      const size = 2 ** Math.max(12, Math.ceil(Math.log2(Math.max(1, bytes))));
      if (!normals.has(size)) normals.set(size, Buffer.from((normalLine(150) + '\n').repeat(Math.ceil(size / 151))));
      return normals.get(size)!;
    };
    const reference = new Map<Buffer, number>();
    let slowest = 0;
    for (let k = 0; k < COUNT; k++) {
      const input = generate(r, k);
      const seed = Math.floor(r() * 2 ** 31);
      let out: ReturnType<typeof classify> | undefined;
      let t: number;
      try {
        t = cpuTime(() => (out = classify(input, rng(seed))));
      } catch (err) {
        assert.fail(`input ${k} (seed ${SEED}) threw: ${(err as Error).stack}`);
      }
      const normal = normalFor(input.length);
      if (!reference.has(normal)) reference.set(normal, fastest(() => classify(normal, rng(1)), 3));
      let ref = reference.get(normal)!;
      if (t > RATIO * ref) {
        // A slow run may be a GC pause or a cold cache: measure both again, side by side, before failing.
        t = fastest(() => classify(input, rng(seed)), 3);
        ref = fastest(() => classify(normal, rng(1)), 3);
      }
      assert.ok(t <= RATIO * ref, `input ${k} took ${t.toFixed(1)} ms, a normal log of its size ${ref.toFixed(2)} ms`);
      slowest = Math.max(slowest, t / ref);
      const { result, delivered } = out!;
      assert.ok(CATEGORIES.includes(result.primary.category), `input ${k}: category ${result.primary.category}`);
      assert.equal(delivered, result.lines, `input ${k}: every line is delivered once`);
      for (const f of result.findings) {
        assert.ok(f.evidence.length > 0, `input ${k}: ${f.id} has evidence`);
        for (const e of f.evidence) assert.ok(e.line >= 1 && e.line <= result.lines, `input ${k}: evidence line ${e.line} of ${result.lines}`);
      }
    }
    assert.ok(slowest > 0);
  });
});
