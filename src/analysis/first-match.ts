// Which of an ordered list of patterns is the first to match a text, without running most of them.
//
// Every pattern of the reason table is a long alternation of phrases; run one after another over a
// diagnostic that matches none of them (the common case), they cost tens of microseconds per text.
// Each pattern is read once for the literal strings one of which any match must contain ("relay",
// "quota", ...); one scan of the text finds which literals it holds, and a pattern none of whose
// literals is there is not run. A pattern is skipped only when it cannot match, so the answer is
// the one running every pattern in order would give.

/** What is known of the strings a piece of a pattern matches. */
interface Literals {
  /** The piece matches exactly one of these strings. */
  exact?: string[];
  /** Every match contains one of these strings; undefined when nothing is known. */
  required?: string[];
}

const UNKNOWN: Literals = {};
const EMPTY: Literals = { exact: [''] };
const MAX_EXACT = 32;

class Unsupported extends Error {}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])];
}

function shortest(strings: string[]): number {
  let min = Infinity;
  for (const s of strings) min = Math.min(min, s.length);
  return min;
}

/** The more selective of two requirements: longer shortest literal, then fewer literals. */
function better(a: string[] | undefined, b: string[] | undefined): string[] | undefined {
  if (!a || shortest(a) === 0) return b && shortest(b) > 0 ? b : undefined;
  if (!b || shortest(b) === 0) return a;
  const la = shortest(a);
  const lb = shortest(b);
  if (la !== lb) return la > lb ? a : b;
  return a.length <= b.length ? a : b;
}

const requirementOf = (piece: Literals) => piece.exact ?? piece.required;

/** Characters that stand for themselves wherever they are: not one of \\ ^ $ . | ? * + ( ) [ ] { }. */
function isPlain(code: number): boolean {
  return code > 0x7e ? true : code >= 0x20 && !'\\^$.|?*+()[]{}'.includes(String.fromCharCode(code));
}

/** `*`, `+`, `?` or `{`: what follows a quantified atom. */
const isQuantifier = (code: number) => code === 0x2a || code === 0x2b || code === 0x3f || code === 0x7b;

/** Reads a regular expression source (no flags) into the literals its matches must contain. */
class SourceReader {
  private at = 0;
  constructor(private readonly source: string) {}

  read(): Literals {
    const result = this.alternation();
    if (this.at !== this.source.length) throw new Unsupported(`unexpected ${this.source[this.at]}`);
    return result;
  }

  private alternation(): Literals {
    const branches = [this.sequence()];
    while (this.source[this.at] === '|') {
      this.at += 1;
      branches.push(this.sequence());
    }
    if (branches.length === 1) return branches[0]!;
    // One set for all the branches: a wording rule joins hundreds of phrases, and a union per
    // branch copied the ones before it every time.
    if (branches.every((branch) => branch.exact)) {
      const exact = new Set<string>();
      for (const branch of branches) for (const literal of branch.exact!) exact.add(literal);
      if (exact.size <= MAX_EXACT) return { exact: [...exact] };
    }
    const required = new Set<string>();
    for (const branch of branches) {
      const needed = requirementOf(branch);
      if (!needed || shortest(needed) === 0) return UNKNOWN;
      for (const literal of needed) required.add(literal);
    }
    return { required: [...required] };
  }

  private sequence(): Literals {
    let exact: string[] | undefined = [''];
    let allExact = true;
    let best: string[] | undefined;
    while (this.at < this.source.length && this.source[this.at] !== '|' && this.source[this.at] !== ')') {
      const item = this.plainRun() ?? this.quantified();
      if (item.exact && exact && exact.length * item.exact.length <= MAX_EXACT) {
        exact = exact.flatMap((head) => item.exact!.map((tail) => head + tail));
        continue;
      }
      allExact = false;
      best = better(best, exact);
      if (item.exact) exact = item.exact;
      else {
        best = better(best, item.required);
        exact = [''];
      }
    }
    if (allExact) return { exact };
    return { required: better(best, exact) };
  }

  /**
   * A run of plain characters, none of them quantified, read as one string: the same literals as
   * reading it a character at a time, without an array per character (the tables hold thousands).
   */
  private plainRun(): Literals | undefined {
    const start = this.at;
    let end = start;
    while (end < this.source.length && isPlain(this.source.charCodeAt(end)) && !isQuantifier(this.source.charCodeAt(end + 1))) end += 1;
    if (end === start) return undefined;
    this.at = end;
    return { exact: [this.source.slice(start, end)] };
  }

  private quantified(): Literals {
    const atom = this.atom();
    const next = this.source[this.at];
    let min: number;
    let max: number;
    if (next === '*' || next === '+' || next === '?') {
      this.at += 1;
      min = next === '+' ? 1 : 0;
      max = next === '?' ? 1 : Infinity;
    } else {
      const braces = next === '{' ? /^\{(\d+)(,?)(\d*)\}/.exec(this.source.slice(this.at)) : null;
      if (!braces) return atom;
      this.at += braces[0].length;
      min = Number(braces[1]);
      max = braces[2] ? (braces[3] ? Number(braces[3]) : Infinity) : min;
    }
    if (this.source[this.at] === '?') this.at += 1; // lazy: the same strings
    if (min === 1 && max === 1) return atom;
    if (min === 0 && max === 1) return atom.exact ? { exact: union([''], atom.exact) } : UNKNOWN;
    if (min === 0) return UNKNOWN;
    return { required: requirementOf(atom) };
  }

  private atom(): Literals {
    const char = this.source[this.at]!;
    this.at += 1;
    switch (char) {
      case '(':
        return this.group();
      case '[':
        this.skipClass();
        return UNKNOWN;
      case '\\':
        return this.escape();
      case '.':
        return UNKNOWN;
      case '^':
      case '$':
        return EMPTY;
      case '*':
      case '+':
      case '?':
      case ')':
      case '|':
        throw new Unsupported(`unexpected ${char}`);
      default:
        return { exact: [char] };
    }
  }

  private group(): Literals {
    let zeroWidth = false;
    if (this.source[this.at] === '?') {
      const kind = this.source.slice(this.at, this.at + 3);
      if (kind.startsWith('?:')) this.at += 2;
      else if (kind.startsWith('?=') || kind.startsWith('?!')) {
        this.at += 2;
        zeroWidth = true;
      } else if (kind === '?<=' || kind === '?<!') {
        this.at += 3;
        zeroWidth = true;
      } else if (kind.startsWith('?<')) {
        const close = this.source.indexOf('>', this.at);
        if (close === -1) throw new Unsupported('unterminated group name');
        this.at = close + 1;
      } else throw new Unsupported(`group ${kind}`);
    }
    const inner = this.alternation();
    if (this.source[this.at] !== ')') throw new Unsupported('unterminated group');
    this.at += 1;
    // A lookaround consumes nothing; what it asks of the text is left out (that only skips less).
    return zeroWidth ? EMPTY : inner;
  }

  private skipClass(): void {
    if (this.source[this.at] === '^') this.at += 1;
    while (this.at < this.source.length && this.source[this.at] !== ']') this.at += this.source[this.at] === '\\' ? 2 : 1;
    if (this.at >= this.source.length) throw new Unsupported('unterminated class');
    this.at += 1;
  }

  private escape(): Literals {
    const char = this.source[this.at];
    if (char === undefined) throw new Unsupported('trailing backslash');
    this.at += 1;
    if (char === 'b' || char === 'B') return EMPTY;
    if ('dDsSwW'.includes(char)) return UNKNOWN;
    if (char === 'n') return { exact: ['\n'] };
    if (char === 't') return { exact: ['\t'] };
    // Back-references, \x, \u, \c, \k, \p and the rest: rare in wording tables, not worth reading.
    if (/[0-9A-Za-z]/.test(char)) throw new Unsupported(`escape \\${char}`);
    return { exact: [char] };
  }
}

/**
 * The literals one of which every match of `pattern` contains, or undefined when none are known
 * (the pattern is then always run).
 */
export function requiredLiterals(pattern: RegExp): string[] | undefined {
  if (pattern.flags.replace(/[dgmsy]/g, '') !== '') return undefined;
  try {
    const literals = requirementOf(new SourceReader(pattern.source).read());
    return literals && shortest(literals) > 0 ? literals : undefined;
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}

/** Drops each literal that contains another: a text holding it holds the shorter one too. */
function minimalCover(literals: string[]): string[] {
  const sorted = [...new Set(literals)].sort((a, b) => a.length - b.length);
  const kept: string[] = [];
  for (const literal of sorted) if (!kept.some((shorter) => literal.includes(shorter))) kept.push(literal);
  return kept;
}

// Literals are indexed by one trigram each, the one whose bucket the fewest literals share, so
// that the scan over a text looks up one small bucket per position.
const TABLE_BITS = 12;

const trigramHash = (a: number, b: number, c: number) => (Math.imul(Math.imul(Math.imul(a, 0xc2b2ae35) ^ b, 0x85ebca6b) ^ c, 0x9e3779b1) >>> (32 - TABLE_BITS));

const literalTrigramHash = (literal: string, at: number) => trigramHash(literal.charCodeAt(at), literal.charCodeAt(at + 1), literal.charCodeAt(at + 2));

interface IndexedLiteral {
  rule: number;
  literal: string;
  /** Where the indexing trigram sits inside the literal. */
  offset: number;
}

/** An ordered list of (label, pattern) rules: the label of the first pattern that matches a text. */
export class FirstMatch<T> {
  private readonly labels: T[];
  private readonly patterns: RegExp[];
  /** Rules run whatever the text: no literal of three or more characters is known for them. */
  private readonly unfiltered: boolean[];
  private readonly buckets: Array<IndexedLiteral[] | undefined> = new Array(1 << TABLE_BITS);
  private readonly possible: Uint8Array;

  constructor(rules: ReadonlyArray<readonly [T, RegExp]>) {
    this.labels = rules.map(([label]) => label);
    this.patterns = rules.map(([, pattern]) => pattern);
    this.possible = new Uint8Array(rules.length);
    const literalsByRule = this.patterns.map((pattern) => {
      const literals = requiredLiterals(pattern);
      return literals && literals.every((literal) => literal.length >= 3) ? minimalCover(literals) : undefined;
    });
    this.unfiltered = literalsByRule.map((literals) => literals === undefined);
    // How many literal trigrams fall in each bucket: a literal is filed under its least shared one.
    const bucketLoad = new Uint32Array(1 << TABLE_BITS);
    for (const literals of literalsByRule) {
      for (const literal of literals ?? []) for (let i = 0; i + 3 <= literal.length; i += 1) bucketLoad[literalTrigramHash(literal, i)]! += 1;
    }
    literalsByRule.forEach((literals, rule) => {
      for (const literal of literals ?? []) {
        let offset = 0;
        let lightest = bucketLoad[literalTrigramHash(literal, 0)]!;
        for (let i = 1; i + 3 <= literal.length; i += 1) {
          const load = bucketLoad[literalTrigramHash(literal, i)]!;
          if (load < lightest) [offset, lightest] = [i, load];
        }
        (this.buckets[literalTrigramHash(literal, offset)] ??= []).push({ rule, literal, offset });
      }
    });
  }

  find(text: string): T | undefined {
    const possible = this.possible;
    possible.fill(0);
    const buckets = this.buckets;
    let a = -1;
    let b = text.length > 0 ? text.charCodeAt(0) : -1;
    let c = text.length > 1 ? text.charCodeAt(1) : -1;
    for (let i = 2; i < text.length; i += 1) {
      a = b;
      b = c;
      c = text.charCodeAt(i);
      const bucket = buckets[trigramHash(a, b, c)];
      if (bucket === undefined) continue;
      for (const entry of bucket) {
        const start = i - 2 - entry.offset;
        if (possible[entry.rule] === 0 && start >= 0 && text.startsWith(entry.literal, start)) possible[entry.rule] = 1;
      }
    }
    for (let rule = 0; rule < this.patterns.length; rule += 1) {
      if ((possible[rule] === 1 || this.unfiltered[rule]) && this.patterns[rule]!.test(text)) return this.labels[rule];
    }
    return undefined;
  }
}
