// Issue 12 item 8: credentials in the shapes logs and tools really print must not leave the extension.
// Each form is tested with a secret that must disappear and the name that must stay (so the text still
// says what was there), then every path out of the extension is fed the same text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactSecrets } from '../../../src/common/redact';
import { LocalDeployError } from '../../../src/docker/localDeploy';
import { LogClassifier, explainText } from '../../../src/logs/classifier';
import { diagnosisText } from '../../../src/logs/report';
import type { LogLine } from '../../../src/logs/types';
import { toJson, toText } from '../../../src/cli/explain';

const SECRET = 'S3cr3tV4lu3xyz';
const basic = Buffer.from(`deploy-bot:${SECRET}`).toString('base64');

// [form, text, what must remain]
const forms: [string, string, string][] = [
  ['Authorization: Bearer header', `Authorization: Bearer ${SECRET}.abc`, 'Authorization: Bearer'],
  ['Authorization: Basic header', `Authorization: Basic ${basic}`, 'Authorization: Basic'],
  ['Basic auth in JSON headers', `{"headers": {"Authorization": "Basic ${basic}"}}`, '"Authorization": "Basic'],
  ['Basic auth in a Python dict', `{'Authorization': 'Basic ${basic}', 'Content-Type': 'application/json'}`, "'Content-Type': 'application/json'"],
  ['Basic credentials outside a header', `curl -H "X-Auth: Basic ${basic}" https://example`, 'Basic'],
  ['bearer token in a sentence', `retrying with bearer ${SECRET}`, 'bearer'],
  ['storage connection string AccountKey', `DefaultEndpointsProtocol=https;AccountName=mystore;AccountKey=${SECRET}==;EndpointSuffix=core.windows.net`, 'AccountName=mystore'],
  ['Service Bus SharedAccessKey', `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=${SECRET}=`, 'SharedAccessKeyName=root'],
  ['SAS signature in a URL', `https://acct.blob.core.windows.net/c/model.pkl?sv=2022-11-02&se=2026-01-01&sig=${SECRET}%3D`, 'sv=2022-11-02'],
  ['user:password@ in a URL', `pip install --index-url https://builder:${SECRET}@pkgs.example.com/simple torch`, 'https://builder:'],
  ['user:password@ in a database URL', `DATABASE_URL=postgres://app:${SECRET}@db:5432/x`, 'postgres://app:'],
  ['Ocp-Apim-Subscription-Key header', `Ocp-Apim-Subscription-Key: ${SECRET}`, 'Ocp-Apim-Subscription-Key:'],
  ['Ocp-Apim-Subscription-Key in JSON', `{"Ocp-Apim-Subscription-Key": "${SECRET}"}`, 'Ocp-Apim-Subscription-Key'],
  ['endpoint keys "key1"/"key2"', `{"key1": "${SECRET}", "key2": "${SECRET}2"}`, '"key1"'],
  ['primaryKey/secondaryKey of get-credentials', `{"primaryKey": "${SECRET}", "secondaryKey": "${SECRET}"}`, '"primaryKey"'],
  ['"token": in JSON', `{"token": "${SECRET}", "expiryTimeUtc": 1767225600}`, '"expiryTimeUtc": 1767225600'],
  ['"accessToken" of az account get-access-token', `{"accessToken": "${SECRET}", "tokenType": "Bearer"}`, '"tokenType": "Bearer"'],
  ['*_TOKEN= environment line', `HF_TOKEN=${SECRET}`, 'HF_TOKEN='],
  ['*_TOKEN= in docker inspect Env', `"Env": ["PATH=/usr/bin", "GITHUB_TOKEN=${SECRET}"]`, '"PATH=/usr/bin"'],
  ['*_SECRET= and *_KEY= environment lines', `export AZURE_CLIENT_SECRET=${SECRET} STORAGE_ACCOUNT_KEY=${SECRET}`, 'AZURE_CLIENT_SECRET='],
  ['password= in a command line', `--password=${SECRET} --user admin`, '--user admin'],
  ['api_key in a query', `GET /score?api_key=${SECRET}&x=1`, '&x=1'],
  ['client_secret in a form body', `grant_type=client_credentials&client_secret=${SECRET}&scope=x`, 'grant_type=client_credentials'],
  ['a JSON Web Token anywhere', `token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.${SECRET}abcdefghij`, 'token'],
];

// Log text that must come out unchanged.
const clean = [
  "KeyError: 'rows'",
  '[2026-03-02 10:00:00 +0000] [1] [INFO] Booting worker with pid: 9',
  'The basic configuration is loaded from /var/azureml-app/config.yml',
  'GET http://127.0.0.1:5001/score HTTP/1.1 200',
  'AuthorizationFailed: The client does not have authorization to perform action',
  'Tokenizer loaded with 32000 tokens',
  'Worker (pid:12) was sent SIGKILL! Perhaps out of memory?',
  'ModuleNotFoundError: No module named \'keyring\'',
];

describe('secret redaction (unit)', () => {
  for (const [form, text, keep] of forms) {
    it(`redacts ${form}`, () => {
      const out = redactSecrets(text);
      assert.ok(!out.includes(SECRET), `${form}: ${out}`);
      assert.ok(!out.includes(basic), `${form}: ${out}`);
      assert.ok(out.includes(keep), `${form}: "${keep}" should stay in ${out}`);
      assert.match(out, /<redacted/);
      assert.equal(redactSecrets(out), out, 'redacting twice changes nothing');
    });
  }

  it('leaves ordinary log lines alone', () => {
    for (const line of clean) assert.equal(redactSecrets(line), line);
  });

  const log = forms.map(([, text]) => text).join('\n') + '\nTraceback (most recent call last):\n  File "/var/azureml-app/score.py", line 3, in init\nValueError: ' + forms[0]![1] + '\n';

  it('the log classifier never emits a secret: the panel rows and every evidence line are redacted', () => {
    const lines: LogLine[] = [];
    const c = new LogClassifier({ onLine: (l) => lines.push(l) });
    c.push(log);
    const r = c.end();
    assert.equal(lines.length, forms.length + 3);
    for (const l of lines) assert.ok(!l.text.includes(SECRET) && !l.text.includes(basic), l.text);
    assert.ok(r.findings.length > 0);
    for (const f of r.findings) for (const e of f.evidence) assert.ok(!e.text.includes(SECRET), e.text);
  });

  it('"Copy diagnosis" and `aml-doctor explain` (text and JSON) carry no secret', () => {
    const r = explainText(log);
    for (const out of [diagnosisText(r, 'test'), toText(r, 'test.log'), JSON.stringify(toJson(r))]) {
      assert.ok(!out.includes(SECRET) && !out.includes(basic), out);
      assert.match(out, /Bearer <redacted>/);
    }
  });

  it('a failed local deployment carries the container log tail and message redacted (they reach the log file)', () => {
    const tail = forms.map(([, text]) => text).join('\n');
    const e = new LocalDeployError(`init() raised ValueError: bad password=${SECRET}`, 'exited', tail, 'abc');
    assert.ok(!e.message.includes(SECRET), e.message);
    assert.ok(!e.logTail.includes(SECRET) && !e.logTail.includes(basic), e.logTail);
    assert.equal(e.logTail.split('\n').length, forms.length, 'no line lost');
  });
});
