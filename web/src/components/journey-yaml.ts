// A stored definition written back as the YAML a marketer would write: fields in the order of the
// schema (key and name first, steps last; in a step its id first), not the order the database keeps
// them in (PostgreSQL's jsonb sorts keys by length). The editor and the version diff both use it, so
// a diff shows what changed, not how keys were stored. And where a line of the text is, for the
// editor to select the line an error points at.
import { Document, isScalar, visit } from 'yaml';
import { journeyDefinitionSchema } from '../../../core/journey/definition.ts';

const topLevelOrder = Object.keys(journeyDefinitionSchema.shape);

/** Inside steps, triggers and conditions: the order the fields read naturally in. */
const nestedOrder = [
  'id',
  'wait',
  'waitUntil',
  'waitForEvent',
  'send',
  'branch',
  'alert',
  'set',
  'exit',
  'step',
  'answered',
  'score',
  'event',
  'where',
  'entering',
  'from',
  'to',
  'days',
  'duration',
  'timeout',
  'noOrderFor',
  'overdueFactor',
  'minOrders',
  'within',
  'policy',
  'cooldown',
  'template',
  'survey',
  'maxDelay',
  'cases',
  'when',
  'goto',
  'otherwise',
  'kind',
  'title',
  'attribute',
  'name',
  'is',
  'tag',
  'value',
  'reason',
];

function ordered(value: unknown, order: readonly string[]): unknown {
  if (Array.isArray(value)) return value.map((item) => ordered(item, nestedOrder));
  if (value === null || typeof value !== 'object') return value;
  const rank = (key: string) => {
    const index = order.indexOf(key);
    return index === -1 ? order.length : index;
  };
  const entries = Object.entries(value as Record<string, unknown>);
  // Known fields in their order; any other field after them, as it came.
  const sorted = entries
    .map((entry, position) => ({ entry, position }))
    .sort((a, b) => rank(a.entry[0]) - rank(b.entry[0]) || a.position - b.position)
    .map(({ entry: [key, child] }) => [key, ordered(child, nestedOrder)] as const);
  return Object.fromEntries(sorted);
}

/** A definition as YAML text, fields in the schema's order, lists of words on one line, long lines never folded. */
export function definitionYaml(definition: unknown): string {
  const document = new Document(ordered(definition, topLevelOrder));
  visit(document, {
    Seq(_key, node) {
      if (node.items.every((item) => isScalar(item))) node.flow = true;
    },
  });
  return document.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** The start and end offsets of a 1-based line of `text`. */
export function lineRange(text: string, line: number): [number, number] {
  let start = 0;
  for (let current = 1; current < line; current++) {
    const next = text.indexOf('\n', start);
    if (next === -1) break;
    start = next + 1;
  }
  const end = text.indexOf('\n', start);
  return [start, end === -1 ? text.length : end];
}
