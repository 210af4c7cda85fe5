// Regular expressions over untrusted text must run in linear time on any line. V8's engine backtracks, so
// `a.*b` retries its scan from every occurrence of `a` (quadratic on a line full of `a`s without a `b`).

/** A RegExp that also carries the plain form of the pattern (for tools without lookaround, e.g. grep). */
export interface SeqRegExp extends RegExp {
  readonly plain: string;
}

/**
 * `a`, then later on the same line `b` (what /a.*b/ means), in linear time: the first `a` of the line is
 * found once inside a lookahead (atomic in JavaScript) and `b` is searched once after it; a later `a` could
 * not help, since any `b` after it is also after the first one. Flags come from `a`; `m` is added so a
 * multi-line text is tried once per line. Do not reference capture groups of `a` or `b` by number: the
 * lookahead takes group 1.
 */
export function seq(a: RegExp, b: RegExp): SeqRegExp {
  const flags = [...new Set([...a.flags.replace(/[gy]/g, ''), 'm'])].join('');
  const re = new RegExp(`^(?=(.*?(?:${a.source})))\\1.*?(?:${b.source})`, flags) as RegExp & { plain: string };
  Object.defineProperty(re, 'plain', { value: `(?:${a.source}).*(?:${b.source})`, enumerable: false });
  return re as SeqRegExp;
}
