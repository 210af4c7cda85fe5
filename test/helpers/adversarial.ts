// Adversarial inputs for a regular expression: long runs of every character class the pattern uses, with
// and without the literals that would complete a match. A backtracking engine goes quadratic (or worse)
// on exactly these when two quantified parts can share characters, or when a pattern retries a long scan
// from every start position. Used by the linear-time tests of every pattern that reads untrusted text.

/** Parts of a pattern's source: representative characters of its classes, and its literal runs. */
export function patternParts(re: RegExp): { chars: string[]; literals: string[] } {
  const src = re.source;
  const chars = new Set<string>();
  const literals: string[] = [];
  let lit = '';
  const flush = () => {
    if (lit.length >= 2) literals.push(lit);
    lit = '';
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      const n = src[i + 1] ?? '';
      i++;
      const cls = ESCAPE_CLASSES[n];
      if (cls) {
        flush();
        cls.forEach((x) => chars.add(x));
      } else if (n === 'b' || n === 'B') {
        flush();
      } else if (n === 'x') {
        lit += String.fromCharCode(parseInt(src.slice(i + 1, i + 3), 16));
        i += 2;
      } else if (n === 'u') {
        lit += String.fromCharCode(parseInt(src.slice(i + 1, i + 5), 16));
        i += 4;
      } else if (/\d/.test(n)) {
        flush();
      } else {
        lit += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n;
      }
      continue;
    }
    if (c === '[') {
      flush();
      const end = classEnd(src, i);
      classMembers(src.slice(i + 1, end)).forEach((x) => chars.add(x));
      i = end;
      continue;
    }
    if (c === '.') {
      flush();
      ['a', ' ', '0'].forEach((x) => chars.add(x));
      continue;
    }
    if (c === '{' && /^\{\d*,?\d*\}/.test(src.slice(i))) {
      // A quantifier applies to the last literal character: it is not part of the run.
      lit = lit.slice(0, -1);
      flush();
      i = src.indexOf('}', i);
      continue;
    }
    if ('*+?'.includes(c)) {
      if (c !== '?' || !'*+?}'.includes(src[i - 1] ?? '')) lit = lit.slice(0, -1);
      flush();
      continue;
    }
    if ('()|^$'.includes(c)) {
      flush();
      if (c === '(' && src[i + 1] === '?') {
        // (?: (?= (?! (?<= (?<! (?<name>
        i += src[i + 2] === '<' && src[i + 3] !== '=' && src[i + 3] !== '!' ? src.indexOf('>', i) - i : src[i + 2] === '<' ? 3 : 2;
      }
      continue;
    }
    lit += c;
  }
  flush();
  return { chars: [...chars], literals: [...new Set(literals)] };
}

const ESCAPE_CLASSES: Record<string, string[]> = {
  d: ['0'],
  D: ['a', ' '],
  w: ['a', '0', '_'],
  W: [' ', '-', '/'],
  s: [' ', '\t'],
  S: ['a', '0', '/'],
};

function classEnd(src: string, start: number): number {
  let i = start + 1;
  if (src[i] === '^') i++;
  if (src[i] === ']') i++;
  for (; i < src.length; i++) {
    if (src[i] === '\\') i++;
    else if (src[i] === ']') return i;
  }
  return src.length - 1;
}

function classMembers(body: string): string[] {
  const negated = body.startsWith('^');
  const inner = negated ? body.slice(1) : body;
  const members: string[] = [];
  for (let i = 0; i < inner.length; i++) {
    let c = inner[i]!;
    if (c === '\\') {
      const n = inner[++i] ?? '';
      if (ESCAPE_CLASSES[n]) {
        members.push(...ESCAPE_CLASSES[n]!);
        continue;
      }
      c = n === 'n' ? '\n' : n === 't' ? '\t' : n;
    }
    if (inner[i + 1] === '-' && i + 2 < inner.length) {
      members.push(c, inner[i + 2] === '\\' ? inner[i + 3]! : inner[i + 2]!);
      i += inner[i + 2] === '\\' ? 3 : 2;
      continue;
    }
    members.push(c);
  }
  if (!negated) return [...new Set(members)].filter((m) => m !== '\n').slice(0, 6);
  const re = new RegExp(`[${body}]`);
  return ['a', '0', ' ', '-', '.', '/', 'x', '_', ':'].filter((x) => re.test(x)).slice(0, 4);
}

/** Adversarial lines of about `length` characters for the pattern (deduplicated, deterministic). */
export function adversarialLines(re: RegExp, length: number): string[] {
  const { chars, literals } = patternParts(re);
  const lits = literals.sort((a, b) => b.length - a.length).slice(0, 8);
  const out = new Set<string>();
  const fill = (unit: string) => unit.repeat(Math.max(1, Math.floor(length / Math.max(1, unit.length))));
  for (const c of chars) {
    out.add(fill(c));
    for (const d of chars) if (d !== c) out.add(fill(c + d));
    for (const l of lits) {
      const run = c.repeat(Math.max(1, length - l.length));
      out.add(l + run);
      out.add(run + l);
      out.add(l + run + l);
      out.add(fill(l + c));
      out.add(fill(c + l));
      out.add(fill(l + c.repeat(16)));
    }
  }
  for (const l of lits) out.add(fill(l + ' '));
  if (lits.length > 1) out.add(fill(lits.join(' ')));
  return [...out];
}

/** A realistic log line of about `length` characters (the reference a pattern is compared against). */
export function normalLine(length: number): string {
  const unit = '2026-03-02 08:00:01,123 | root | INFO | Scoring request 7f3a took 12.5 ms, batch 4, shape=(1, 20) from 10.0.3.7; ';
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

/** CPU time of one execution of fn, in milliseconds: other processes on a busy machine do not count. */
export function cpuTime(fn: () => unknown): number {
  const t0 = process.cpuUsage();
  fn();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000;
}

/** Fastest of `runs` executions of fn, in CPU milliseconds. */
export function fastest(fn: () => unknown, runs = 3): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) best = Math.min(best, cpuTime(fn));
  return best;
}
