// Where in a YAML (or JSON) definition text an error's path points: the line an editor shows beside
// the error. The errors themselves come from the schema (definition.ts), which knows nothing of text;
// this reads the same text again with its node ranges and walks the path as far as it exists, so a
// missing field points at the object that lacks it and an unknown field at its own key.
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';

/** `steps[0].branch.cases[1].goto` -> ['steps', 0, 'branch', 'cases', 1, 'goto']; `(root)`/`(body)` -> []. */
export function pathSegments(path: string): (string | number)[] {
  if (path.startsWith('(')) return [];
  const segments: (string | number)[] = [];
  for (const match of path.matchAll(/\[(\d+)\]|([^.[\]]+)/g)) {
    segments.push(match[1] !== undefined ? Number(match[1]) : (match[2] as string));
  }
  return segments;
}

const keyText = (key: unknown): unknown => (isScalar(key) ? key.value : key);

/**
 * The 1-based line of each path in `text` (undefined when the text does not parse, or the path names
 * the whole document). Paths that end at a field point at the field's key.
 */
export function definitionLines(text: string, paths: readonly string[]): (number | undefined)[] {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, logLevel: 'silent', keepSourceTokens: false });
  if (document.errors.length > 0 || !document.contents) return paths.map(() => undefined);
  const lineAt = (offset: number | undefined) => (offset === undefined ? undefined : lineCounter.linePos(offset).line);
  const startOf = (node: Node | null | undefined) => node?.range?.[0];

  return paths.map((path) => {
    const segments = pathSegments(path);
    if (segments.length === 0) return undefined;
    let node: unknown = document.contents;
    let offset = startOf(node as Node);
    for (const segment of segments) {
      if (isMap(node)) {
        const pair = node.items.find((item) => String(keyText(item.key)) === String(segment));
        if (!pair) break;
        offset = startOf(pair.key as Node) ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment] as Node | undefined;
        if (!item) break;
        offset = startOf(item) ?? offset;
        node = item;
      } else break;
    }
    return lineAt(offset);
  });
}
