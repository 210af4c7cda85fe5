// The HTML of the "Send test request" result: status, latency, body and what the status means.
// Static (no scripts at all) under a strict CSP: default-src 'none', styles only with a nonce. No vscode
// import, so it is unit-tested in plain Node; its texts are translated with common/l10n (the bundle activation chose).
import * as l10n from '../common/l10n';
import { EXPLAINED_STATUSES } from '../docker/httpStatus';
import type { TestRequestResult } from '../docker/testRequest';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function renderTestRequestHtml(result: TestRequestResult, title: string, requestBody: string, cspSource: string, nonce: string): string {
  const ok = result.status >= 200 && result.status < 300;
  const e = result.explanation;
  const statusLine = result.networkError ? esc(l10n.t('No response ({0})', result.networkError)) : `${result.status} ${esc(result.statusText)}`;
  const explain =
    !ok && (result.networkError || (EXPLAINED_STATUSES as readonly number[]).includes(e.status) || e.status >= 400)
      ? `<section class="explain"><h2>${e.status} ${esc(e.title)}${result.networkError ? esc(l10n.t(' (what a gateway would answer)')) : ''}</h2>
<p>${esc(e.meaning)}</p><p><b>${esc(l10n.t('What to do:'))}</b> ${esc(e.action)}</p>${e.local ? `<p><b>${esc(l10n.t('Locally:'))}</b> ${esc(e.local)}</p>` : ''}</section>`
      : '';
  return `<!DOCTYPE html>
<html lang="${esc(l10n.currentLocale())}"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${cspSource} 'nonce-${nonce}'; img-src ${cspSource};">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${esc(title)}</title>
<style nonce="${nonce}">
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 16px; }
.status { font-size: 1.4em; font-weight: 600; margin: 12px 0 4px; }
.ok { color: var(--vscode-testing-iconPassed, #3fb950); }
.fail { color: var(--vscode-errorForeground, #f85149); }
.meta { color: var(--vscode-descriptionForeground); margin-bottom: 12px; }
pre { background: var(--vscode-textCodeBlock-background); padding: 8px; overflow: auto; max-height: 50vh; white-space: pre-wrap; word-break: break-word; }
.explain { border-left: 3px solid var(--vscode-editorWarning-foreground, #d29922); padding: 4px 12px; margin: 12px 0; }
h2 { font-size: 1.1em; margin: 4px 0; }
</style></head>
<body>
<div class="status ${ok ? 'ok' : 'fail'}" id="status">${statusLine}</div>
<div class="meta" id="latency">POST ${esc(result.url)} · ${result.latencyMs.toFixed(1)} ms${result.truncated ? esc(l10n.t(' · body truncated')) : ''}</div>
${explain}
<h2>${esc(l10n.t('Response body'))}</h2>
<pre id="body">${esc(result.prettyBody || l10n.t('(empty)'))}</pre>
<h2>${esc(l10n.t('Request body'))}</h2>
<pre>${esc(requestBody.length > 20000 ? `${requestBody.slice(0, 20000)}\n${l10n.t('... ({0} characters)', requestBody.length)}` : requestBody)}</pre>
</body></html>`;
}
