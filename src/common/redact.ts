// Secret redaction: the one function every path out of the extension uses (log channel, error messages with
// container log tails, "Copy diagnosis", the log panel's webview, `aml-doctor explain`). Container output and
// pasted logs are written by someone else and may carry credentials in any of the usual shapes.
//
// Every pattern runs in linear time on any line: a lookbehind makes a quantified run start only at the
// beginning of a run (never at each of its characters), and no two adjacent quantified parts can share a
// character. test/unit/common/redact.test.ts runs each against adversarial input.

const R = '<redacted>';

/** A credential value: up to a separator that ends values in headers, JSON, URLs and env lines. */
const VALUE = String.raw`[^\s"'\`,;&<>{}()\[\]]+`;

const SCHEMES = 'bearer|basic|digest|negotiate|ntlm|sharedkey|sharedaccesssignature|token|sas';

/** Names whose value is a secret in `name=value`, `name: value`, `"name": "value"` and `'name': 'value'`. */
const SECRET_NAMES = [
  'access_?token',
  'refresh_?token',
  'id_?token',
  'client_?secret',
  'password',
  'passwd',
  'pwd',
  'primary_?key',
  'secondary_?key',
  'api[-_]?key',
  'account_?key',
  'shared_?access_?key',
  'shared_?access_?signature',
  'sig',
  'ocp-apim-subscription-key',
  'subscription[-_]key',
  'x-functions-key',
  'x-api-key',
].join('|');

/**
 * The patterns, in the order they are applied. Exported for the linear-time test; use redactSecrets().
 * The replacement keeps the name (and an auth scheme) so the text still says what was there.
 */
export const REDACTION_PATTERNS: readonly { re: RegExp; replace: string | ((...m: string[]) => string) }[] = [
  // Authorization / Proxy-Authorization headers in any quoting, with or without a scheme.
  {
    // A scheme followed by an already redacted value is left as it is (redacting twice changes nothing).
    re: new RegExp(String.raw`(?<![\w-])((?:proxy-)?authorization["']?\s*[:=]\s*["']?)(?:(${SCHEMES})[ \t]+|(?!(?:${SCHEMES})[ \t]))${VALUE}`, 'gi'),
    replace: (_m, name: string, scheme: string | undefined) => `${name}${scheme ? `${scheme} ` : ''}${R}`,
  },
  // A bearer token anywhere (a curl command line, an exception message).
  { re: /(?<![\w-])(bearer)[ \t]+[\w\-.~+/]+=*/gi, replace: `$1 ${R}` },
  // Basic credentials anywhere: only when the token really is base64 of "user:password".
  {
    re: /(?<![\w-])(basic)[ \t]+([A-Za-z0-9+/]{6,}={0,2})(?![\w+/=])/gi,
    replace: (m: string, scheme: string, token: string) => (looksLikeBasicCredentials(token) ? `${scheme} ${R}` : m),
  },
  // name=value / name: value / "name": "value", for the names above.
  { re: new RegExp(String.raw`(?<!\w)((?:${SECRET_NAMES})["']?\s*[:=]\s*["']?)${VALUE}`, 'gi'), replace: `$1${R}` },
  // JSON / Python dict keys that are secrets only when quoted as a key: "key1": "...", 'token': '...'.
  { re: new RegExp(String.raw`(["'](?:key[12]?|token|secret|credential)["']\s*:\s*["']?)${VALUE}`, 'gi'), replace: `$1${R}` },
  // Environment lines: HF_TOKEN=..., AZURE_CLIENT_SECRET=..., STORAGE_ACCOUNT_KEY=... (also in docker inspect's Env).
  // The match starts at the suffix (a cheap literal), the name before it stays as it is.
  { re: new RegExp(String.raw`(?<=[A-Z0-9])(_(?:TOKEN|SECRET|PASSWORD|PASSWD|PWD|KEY|SAS|CONNECTION_STRING)[ \t]*=[ \t]*["']?)${VALUE}`, 'g'), replace: `$1${R}` },
  // user:password@ in URLs (scheme://user:pass@host): the password goes, the user name stays readable.
  { re: /(?<![\w+.-])([a-z][\w+.-]*:\/\/[^\s:/@"']*:)[^\s/@"']+@/gi, replace: `$1${R}@` },
  // A userinfo without a password is the credential itself (scheme://TOKEN@host, as in a pip index or git
  // URL with a token): all of it goes.
  { re: /(?<![\w+.-])([a-z][\w+.-]*:\/\/)[^\s:/@"'<>]+@/gi, replace: `$1${R}@` },
  // JSON Web Tokens wherever they appear.
  { re: /(?<![\w-])eyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,}/g, replace: '<redacted-jwt>' },
];

/** Cheap pre-check: a line without any of these cannot hold a secret in the shapes above. */
const MAYBE_SECRET = /authoriz|bearer|basic|token|secret|passw|pwd|key|sig|ocp-apim|credential|:\/\/|eyJ/i;

function looksLikeBasicCredentials(token: string): boolean {
  if (token.length % 4 === 1) return false;
  const decoded = Buffer.from(token, 'base64').toString('latin1');
  // user:password, printable.
  return decoded.includes(':') && /^[\x20-\x7e]+$/.test(decoded);
}

/** Removes bearer tokens, keys, passwords and other credentials from text before it leaves the extension. */
export function redactSecrets(text: string): string {
  if (!MAYBE_SECRET.test(text)) return text;
  let out = text;
  for (const { re, replace } of REDACTION_PATTERNS) {
    re.lastIndex = 0;
    out = out.replace(re, replace as (substring: string, ...args: any[]) => string);
  }
  return out;
}
