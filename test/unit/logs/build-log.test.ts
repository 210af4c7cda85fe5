// An image build that worked must not look alarming in the log panel: its `Step n/m` lines are not errors,
// and the card is a neutral "the image was built", not the failure "The log is an image build log". A build
// that failed, or a build log cut before its end, is still read as before.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import * as vm from 'node:vm';
import { LogClassifier } from '../../../src/logs/classifier';
import type { LogLine } from '../../../src/logs/types';

function classify(text: string) {
  const lines: LogLine[] = [];
  const c = new LogClassifier({ onLine: (l) => lines.push(l) });
  // In pieces, as the build streams into the panel.
  for (let i = 0; i < text.length; i += 97) c.push(text.slice(i, i + 97));
  return { e: c.end(), lines };
}

const STEPS = [
  '--- Building /home/me/proj/environment (Dockerfile, 0.1 MB context) ---',
  'Step 1/4 : FROM aml-doctor/scoring:bookworm-1',
  ' ---> 3f1a2b3c4d5e',
  'Step 2/4 : COPY requirements.txt /tmp/requirements.txt',
  ' ---> 9a8b7c6d5e4f',
  'Step 3/4 : RUN python3 -m venv --system-site-packages /opt/venv && /opt/venv/bin/pip install -r /tmp/requirements.txt',
  ' ---> Running in 0a1b2c3d4e5f',
  'Collecting joblib==1.2.0',
  '  Downloading joblib-1.2.0-py3-none-any.whl (297 kB)',
  'Installing collected packages: joblib',
];

const BUILT = [
  ...STEPS,
  "ERROR: pip's dependency resolver does not currently take into account all the packages that are installed.",
  'Successfully installed joblib-1.2.0',
  'Removing intermediate container 0a1b2c3d4e5f',
  ' ---> 1122334455aa',
  'Step 4/4 : LABEL aml-doctor.env.run=',
  ' ---> 66778899aabb',
  'Successfully built 66778899aabb',
  'Successfully tagged aml-doctor-env/diabetes-scoring:0123456789abcdef0123',
].join('\n');

const stepLines = (lines: LogLine[]) => lines.filter((l) => /^Step \d+\/\d+ : /.test(l.text));

describe('a successful image build log (unit)', () => {
  it('its Step lines are not errors: no error colour, no signature hit', () => {
    const { lines } = classify(BUILT);
    const steps = stepLines(lines);
    assert.equal(steps.length, 4);
    for (const l of steps) {
      assert.equal(l.severity, 'info', l.text);
      assert.equal(l.signature, undefined, l.text);
    }
  });

  it('the diagnosis is a neutral "the image was built", with the line that says so, not a failure', () => {
    const { e } = classify(BUILT);
    assert.equal(e.primary.id, 'image-built');
    assert.equal(e.primary.category, 'no_failure');
    assert.equal(e.primary.title, 'The image was built');
    assert.deepEqual(e.primary.fix, []);
    assert.equal(e.primary.evidence[0]!.text, 'Successfully built 66778899aabb');
    assert.ok(!e.findings.some((f) => f.category === 'image_build_failure'), e.findings.map((f) => f.id).join());
    // pip's ERROR line did not stop the build: it is named, not blamed.
    assert.match(e.primary.explanation, /One line on the way looks like an error \(line 11\), but the build went on past it/);
  });

  it('BuildKit\'s export step also says the image was built', () => {
    const { e } = classify(['#5 [2/3] RUN pip install joblib', '#5 DONE 3.1s', '#6 exporting to image', '#6 writing image sha256:' + 'ab'.repeat(32) + ' done', '#6 naming to docker.io/library/scoring:1 0.0s done', '#6 DONE 0.1s'].join('\n'));
    assert.equal(e.primary.id, 'image-built');
  });
});

describe('image build logs that did not end well (unit)', () => {
  it('a failed step: the failure, and its Step lines are still not errors', () => {
    const { e, lines } = classify([...STEPS, "ERROR: Could not find a version that satisfies the requirement joblib==9.9", "The command '/bin/sh -c /opt/venv/bin/pip install -r /tmp/requirements.txt' returned a non-zero code: 1"].join('\n'));
    assert.equal(e.primary.category, 'image_build_failure');
    assert.notEqual(e.primary.id, 'image-build-in-progress');
    for (const l of stepLines(lines)) assert.equal(l.severity, 'info', l.text);
    assert.equal(lines.find((l) => /returned a non-zero code/.test(l.text))!.severity, 'error');
  });

  it('a build log cut before its end is still read as the build log of a failed deployment', () => {
    const { e } = classify(['2020/05/24 04:28:32 Successfully set up Docker network: acb_default_network', '2020/05/24 04:28:35 Successfully scanned dependencies', ...STEPS].join('\n'));
    assert.equal(e.primary.id, 'image-build-in-progress');
    assert.equal(e.primary.category, 'image_build_failure');
  });
});

describe('an image build still running in a live feed (unit)', () => {
  function streaming(text: string) {
    const c = new LogClassifier({});
    for (let i = 0; i < text.length; i += 97) c.push(text.slice(i, i + 97));
    return c;
  }

  it('its steps so far are a build in progress, not a failure, while the feed goes on', () => {
    const c = streaming(STEPS.join('\n') + '\n');
    const live = c.explain({ ongoing: true });
    assert.equal(live.primary.id, 'image-building');
    assert.equal(live.primary.category, 'no_failure');
    assert.equal(live.primary.title, 'The image is being built');
    assert.deepEqual(live.primary.fix, []);
    assert.deepEqual(live.primary.evidence.map((e) => e.text), [STEPS[5]]);
    assert.ok(!live.findings.some((f) => f.category === 'image_build_failure'), live.findings.map((f) => f.id).join());
    // The same text read as a whole log (the feed ended there) is still the build log of a failed deployment.
    assert.equal(c.explain().primary.id, 'image-build-in-progress');
  });

  it('a line that looks like an error on the way: no failure named, and that line shown', () => {
    const c = streaming([...STEPS, 'ERROR: something pip printed'].join('\n') + '\n');
    const live = c.explain({ ongoing: true });
    assert.notEqual(live.primary.category, 'image_build_failure');
    assert.notEqual(live.primary.id, 'image-building');
  });

  it('a failed step is a failure at once, even while the feed goes on', () => {
    const c = streaming([...STEPS, "The command '/bin/sh -c /opt/venv/bin/pip install -r /tmp/requirements.txt' returned a non-zero code: 1"].join('\n') + '\n');
    assert.equal(c.explain({ ongoing: true }).primary.category, 'image_build_failure');
  });
});

describe('the log panel card of a successful build (unit, linkedom)', () => {
  let parseHTML: (html: string) => { document: Document };
  before(async () => {
    ({ parseHTML } = (await import('linkedom')) as unknown as { parseHTML: typeof parseHTML });
  });

  it('is drawn as "no failure", without a fix list', () => {
    const { document } = parseHTML('<!DOCTYPE html><html><body><section id="card"></section><input id="filter"><input id="follow" type="checkbox" checked><button id="pause"></button><button id="copy"></button><span id="status"></span><main id="log"></main></body></html>');
    let onMessage: ((e: { data: unknown }) => void) | undefined;
    const context = vm.createContext({
      document,
      window: { addEventListener: (type: string, fn: (e: { data: unknown }) => void) => type === 'message' && (onMessage = fn) },
      acquireVsCodeApi: () => ({ postMessage: () => undefined }),
      setTimeout,
      clearTimeout,
    });
    vm.runInContext(readFileSync(path.join(__dirname, '..', '..', '..', 'media', 'logPanel', 'main.js'), 'utf8'), context);
    onMessage!({ data: { type: 'diagnosis', explanation: classify(BUILT).e } });
    const card = document.getElementById('card')!;
    assert.match(card.className, /\bsev-none\b/);
    assert.doesNotMatch(card.className, /sev-failure/);
    assert.match(card.textContent ?? '', /The image was built/);
    assert.doesNotMatch(card.textContent ?? '', /Fix:/);
  });
});
