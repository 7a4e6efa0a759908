// Hand scanners for the few text shapes a regular expression reads in time growing with the square
// of a run of characters: a trailing class (`[.,]+$`, tried at every character of the run), a
// parenthesised comment that never closes, an address inside a token of '@' and '.'. Each keeps
// exactly the matches of the expression it replaces (named in its comment) in one pass.

/** `text.replace(/[chars]+$/, '')` */
export function withoutTrailing(text: string, chars: string): string {
  let end = text.length;
  while (end > 0 && chars.includes(text[end - 1]!)) end -= 1;
  return end === text.length ? text : text.slice(0, end);
}

/** `text.replace(/^[leading]+|[trailing]+$/g, '')` */
export function withoutEnds(text: string, leading: string, trailing: string): string {
  let start = 0;
  while (start < text.length && leading.includes(text[start]!)) start += 1;
  let end = text.length;
  while (end > start && trailing.includes(text[end - 1]!)) end -= 1;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/** `text.replace(/\([^)]*\)/g, '')`: comments dropped; a '(' that never closes stays. */
export function withoutComments(text: string): string {
  let kept = '';
  let copied = 0;
  for (let open = text.indexOf('('); open !== -1; open = text.indexOf('(', copied)) {
    const close = text.indexOf(')', open + 1);
    // No ')' after this '(' means none after any later '(' either.
    if (close === -1) break;
    kept += text.slice(copied, open);
    copied = close + 1;
  }
  return copied === 0 ? text : kept + text.slice(copied);
}

/** The characters ECMAScript counts as \s. */
export function isWhiteSpaceCode(code: number): boolean {
  return code <= 32 ? code === 32 || (code >= 9 && code <= 13) : code >= 160 && (code === 160 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff);
}

/** A character of `[^\s<>()"',;:[\]]`: one that can stand in an address token. */
function isAddressChar(text: string, at: number): boolean {
  const code = text.charCodeAt(at);
  return !isWhiteSpaceCode(code) && !'<>()"\',;:[]'.includes(text[at]!);
}

/** [A-Za-z0-9-]; false past the end. */
function isLabelChar(text: string, at: number): boolean {
  const code = text.charCodeAt(at);
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 45;
}

/**
 * The first match of
 * `/(?<![^\s<>()"',;:[\]])(?:[^\s<>()"',;:[\]]+@[^\s<>()"',;:[\]]+\.[A-Za-z0-9-]+|[^\s<>()"',;:[\]]+@\[[0-9.]+\])/`.
 * In a token, that expression backtracks from each '@' to the token's end: a token of "@." pairs
 * took time growing with the square of its length. Here a token is read once: the address runs from
 * the token's start to the label after its last '.'-and-label, with an '@' at least two characters
 * before that '.'; else the token must end in '@' and a bracketed literal follow.
 */
export function firstAddress(text: string): string | undefined {
  let start = 0;
  while (start < text.length) {
    while (start < text.length && !isAddressChar(text, start)) start += 1;
    let end = start;
    while (end < text.length && isAddressChar(text, end)) end += 1;
    if (end === start) return undefined;
    const found = addressInToken(text, start, end);
    if (found !== undefined) return found;
    start = end;
  }
  return undefined;
}

function addressInToken(text: string, start: number, end: number): string | undefined {
  let lastDot = -1;
  for (let at = end - 2; at > start; at -= 1) {
    if (text.charCodeAt(at) === 46 && isLabelChar(text, at + 1)) {
      lastDot = at;
      break;
    }
  }
  if (lastDot !== -1) {
    let at = lastDot - 2;
    while (at > start && text.charCodeAt(at) !== 64) at -= 1;
    if (at > start) {
      let labelEnd = lastDot + 1;
      while (isLabelChar(text, labelEnd)) labelEnd += 1;
      return text.slice(start, labelEnd);
    }
  }
  if (end - start >= 2 && text[end - 1] === '@' && text[end] === '[') {
    let close = end + 1;
    while (close < text.length && ((text.charCodeAt(close) >= 48 && text.charCodeAt(close) <= 57) || text.charCodeAt(close) === 46)) close += 1;
    if (close > end + 1 && text[close] === ']') return text.slice(start, close + 1);
  }
  return undefined;
}
