// What PostgreSQL cannot store, found before it is sent there: a NUL character (text and jsonb refuse
// it) and a lone UTF-16 surrogate (jsonb refuses it: it is not Unicode), in any string or object key;
// and nesting deeper than a stated limit (a recursive reader would run out of stack). The walk is
// iterative, so a hostile value cannot exhaust the stack here either.

export type UnstorableText = { path: string; message: string };

/** Deeper JSON than this is refused wherever the engine stores or reads JSON it was sent. */
export const MAX_JSON_DEPTH = 32;

const NUL = '\u0000';

/** The first reason `text` cannot be stored, or null. */
export function textProblem(text: string): string | null {
  if (text.includes(NUL)) return 'must not contain a NUL character (\\u0000)';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return 'must be valid Unicode: it holds a lone surrogate';
    }
    if (code >= 0xdc00 && code <= 0xdfff) return 'must be valid Unicode: it holds a lone surrogate';
  }
  return null;
}

const pathOf = (parent: string, key: string | number) =>
  typeof key === 'number'
    ? `${parent}[${key}]`
    : /^[A-Za-z_$][\w$]*$/.test(key)
      ? parent
        ? `${parent}.${key}`
        : key
      : `${parent}[${JSON.stringify(key)}]`;

/** The first string, key or nesting in `value` that cannot be stored, with its path; null when all can. */
export function findUnstorableText(value: unknown, options: { root?: string; maxDepth?: number } = {}): UnstorableText | null {
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: options.root ?? '', depth: 0 }];
  while (stack.length > 0) {
    const { value: current, path, depth } = stack.pop() as { value: unknown; path: string; depth: number };
    if (typeof current === 'string') {
      const problem = textProblem(current);
      if (problem) return { path: path || '(body)', message: problem };
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= maxDepth) return { path: path || '(body)', message: `nests deeper than ${maxDepth} levels` };
    const entries: [string | number, unknown][] = Array.isArray(current)
      ? current.map((item, index) => [index, item])
      : Object.entries(current);
    for (const [key] of entries) {
      const problem = typeof key === 'string' ? textProblem(key) : null;
      if (problem) return { path: pathOf(path, key), message: `is a key that ${problem}` };
    }
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i] as [string | number, unknown];
      stack.push({ value: child, path: pathOf(path, key), depth: depth + 1 });
    }
  }
  return null;
}
