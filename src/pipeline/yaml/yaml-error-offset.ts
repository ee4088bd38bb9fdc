/**
 * Where to point a user at for a YAML syntax error the parser reports at `offset`.
 *
 * The YAML library reports an unclosed flow collection or quoted string where it gave up, often
 * the end of the file or the next key, which says nothing about the cause. Ruby's Psych, which
 * GitLab uses, names where the collection ("while parsing a flow sequence at line 2 column 11")
 * or the string began; so do we: the unmatched `[`/`{`, or the opening quote, before `offset`.
 * Other errors are reported where the library found them.
 */
export function yamlErrorOffset(text: string, offset: number, message: string): number {
  const end = Math.min(offset, text.length);
  if (/^Flow (sequence|map)\b/.test(message)) return unmatchedOpener(text, end) ?? offset;
  const quote = /^Missing closing (["'])quote/.exec(message)?.[1];
  if (quote !== undefined) {
    const at = text.lastIndexOf(quote, end - 1);
    return at >= 0 ? at : offset;
  }
  return offset;
}

/** The nearest `[` or `{` before `end` that no bracket between them closes. */
function unmatchedOpener(text: string, end: number): number | undefined {
  let depth = 0;
  for (let i = end - 1; i >= 0; i--) {
    const c = text[i];
    if (c === ']' || c === '}') depth++;
    else if (c === '[' || c === '{') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return undefined;
}
