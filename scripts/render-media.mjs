#!/usr/bin/env node
// Renders the images the VSIX ships: media/icon.png (the 128x128 Marketplace icon) from media/icon.svg, and the
// walkthrough's step images (media/walkthrough/*.png), cropped from real screenshots of the extension that the
// e2e tests take in code-server and that docs/screenshots keeps. Chromium draws both (no image library needed).
// `npm run media` after refreshing docs/screenshots from test-results/screenshots.
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { launchChromium } from '../test/e2e/harness.ts';

const SHOTS = 'docs/screenshots';
/** Walkthrough image <- screenshot, and the part of the 1400x860 window that tells the step's story. */
const WALKTHROUGH = [
  { out: 'check-score-py.png', from: 'foundation-problems-panel.png', clip: { x: 352, y: 30, width: 760, height: 600 } },
  { out: 'deploy-locally.png', from: 'walkthrough-deploy-locally-menu.png', clip: { x: 48, y: 30, width: 552, height: 620 } },
  { out: 'send-test-request.png', from: 'docker-send-test-request.png', clip: { x: 48, y: 30, width: 800, height: 390 } },
  { out: 'explain-logs.png', from: 'logs-diagnosis-card.png', clip: { x: 352, y: 30, width: 1048, height: 690 } },
  { out: 'attach-debugger.png', from: 'debug-stopped-at-breakpoint.png', clip: { x: 48, y: 30, width: 900, height: 420 } },
  { out: 'azure-logs.png', from: 'azure-failed-deployment-explanation.png', clip: { x: 48, y: 30, width: 652, height: 520 } },
];

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 }, deviceScaleFactor: 1 });
  const show = async (html) => {
    await page.setContent(`<!doctype html><body style="margin:0;background:transparent">${html}</body>`);
    await page.waitForFunction(() => [...document.images].every((i) => i.complete && i.naturalWidth > 0));
  };

  await show(readFileSync('media/icon.svg', 'utf8'));
  await page.screenshot({ path: 'media/icon.png', clip: { x: 0, y: 0, width: 128, height: 128 }, omitBackground: true });
  console.log(`[media] media/icon.png (${statSync('media/icon.png').size} bytes)`);

  mkdirSync('media/walkthrough', { recursive: true });
  for (const w of WALKTHROUGH) {
    const png = readFileSync(path.join(SHOTS, w.from)).toString('base64');
    await show(`<img src="data:image/png;base64,${png}" style="display:block">`);
    const out = path.join('media', 'walkthrough', w.out);
    await page.screenshot({ path: out, clip: w.clip });
    console.log(`[media] ${out} <- ${w.from} (${(statSync(out).size / 1024).toFixed(0)} KiB)`);
  }
} finally {
  await browser.close();
}
