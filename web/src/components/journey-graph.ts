// A journey's definition as a flow diagram: what each step does in a few words, where each step goes
// next (branch cases labelled by their condition, split variants by their key and share), where it ends, and the goal and exit events that
// can end it at any point. Pure: the page draws the SVG from the positions dagre computes here.
import { Graph, layout } from '@dagrejs/dagre';
import {
  allSteps,
  type Condition,
  type JourneyDefinition,
  type JourneyStep,
  type SplitVariant,
  type ValueFilter,
} from '../../../core/journey/definition.ts';

export type FlowNodeKind =
  | 'trigger'
  | 'wait'
  | 'waitUntil'
  | 'waitForEvent'
  | 'send'
  | 'branch'
  | 'split'
  | 'alert'
  | 'set'
  | 'exit'
  | 'end'
  | 'goal'
  | 'exitEvents';

export type FlowNode = {
  id: string;
  kind: FlowNodeKind;
  /** What it does, in a few words: "wait P3D", "send checkin", "branch on survey score". */
  label: string;
  /** The step's id, for steps. */
  stepId?: string;
};

export type FlowEdge = {
  from: string;
  to: string;
  /** Branch cases: their condition ("score ≤ 2"), "otherwise"; split variants: "a · 50%"; the goal and exits: "any time". */
  label?: string;
  /** The variant of a split this edge takes, with its share of the split's customers. */
  variant?: { key: string; share: string };
  /** An edge that is not a step of the path (the goal and exit events, which can happen at any point). */
  dashed?: boolean;
};

export type FlowGraph = { nodes: FlowNode[]; edges: FlowEdge[] };

/** A definition as the API returns it: the stored, complete version (or a draft that passed validation). */
export type DefinitionLike = Pick<JourneyDefinition, 'trigger' | 'steps'> & Partial<Pick<JourneyDefinition, 'goal' | 'exitEvents'>>;

export const TRIGGER_NODE = '(trigger)';
export const END_NODE = '(end)';
export const EXIT_NODE = '(exit)';
export const GOAL_NODE = '(goal)';
export const EXIT_EVENTS_NODE = '(exit-events)';
export const stepNodeId = (stepId: string) => `step:${stepId}`;

const ALL_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** `= 5`, `≤ 2`, `in a, b`, `exists`: a filter on one value, in words. */
export function describeFilter(filter: ValueFilter): string {
  if (typeof filter !== 'object' || filter === null) return `= ${String(filter)}`;
  const parts: string[] = [];
  if (filter.eq !== undefined) parts.push(`= ${String(filter.eq)}`);
  if (filter.ne !== undefined) parts.push(`≠ ${String(filter.ne)}`);
  if (filter.in !== undefined) parts.push(`in ${filter.in.map(String).join(', ')}`);
  if (filter.gte !== undefined) parts.push(`≥ ${filter.gte}`);
  if (filter.gt !== undefined) parts.push(`> ${filter.gt}`);
  if (filter.lte !== undefined) parts.push(`≤ ${filter.lte}`);
  if (filter.lt !== undefined) parts.push(`< ${filter.lt}`);
  if (filter.exists !== undefined) parts.push(filter.exists ? 'exists' : 'missing');
  return parts.join(' and ') || 'any';
}

/** A branch case's condition, in words: "score ≤ 2", "band high or medium", "tagged vip". */
export function describeCondition(condition: Condition): string {
  if ('survey' in condition) {
    const { answered, score } = condition.survey;
    if (score !== undefined) return `score ${describeFilter(score)}`;
    return answered === false ? 'not answered' : 'answered';
  }
  if ('churnBand' in condition) return `band ${condition.churnBand.in.join(' or ')}`;
  if ('attribute' in condition) return `${condition.attribute.name} ${describeFilter(condition.attribute.is)}`;
  if ('tag' in condition) return `tagged ${condition.tag}`;
  if ('event' in condition) return condition.event.happened === false ? `no ${condition.event.type}` : `${condition.event.type} happened`;
  if ('all' in condition) return condition.all.map(describeCondition).join(' and ');
  if ('any' in condition) return condition.any.map(describeCondition).join(' or ');
  return `not (${describeCondition(condition.not)})`;
}

/** What a branch looks at: "survey score", "churn band", "attribute plan", "order.delivered". */
function conditionSubjects(condition: Condition): string[] {
  if ('survey' in condition) return [condition.survey.score !== undefined ? 'survey score' : 'survey answer'];
  if ('churnBand' in condition) return ['churn band'];
  if ('attribute' in condition) return [`attribute ${condition.attribute.name}`];
  if ('tag' in condition) return ['tag'];
  if ('event' in condition) return [condition.event.type];
  if ('all' in condition) return condition.all.flatMap(conditionSubjects);
  if ('any' in condition) return condition.any.flatMap(conditionSubjects);
  return conditionSubjects(condition.not);
}

/** ' on weekdays', ' on mon–wed, fri', or nothing for every day. */
export function describeDays(days: readonly string[]): string {
  const indexes = ALL_DAYS.map((day, index) => (days.includes(day) ? index : -1)).filter((index) => index >= 0);
  if (indexes.length === ALL_DAYS.length) return '';
  if (indexes.join() === '0,1,2,3,4') return ' on weekdays';
  if (indexes.join() === '5,6') return ' at weekends';
  const runs: number[][] = [];
  for (const index of indexes) {
    const run = runs.at(-1);
    if (run && run.at(-1) === index - 1) run.push(index);
    else runs.push([index]);
  }
  const name = (index: number | undefined) => ALL_DAYS[index ?? 0];
  return ` on ${runs.map((run) => (run.length > 2 ? `${name(run[0])}–${name(run.at(-1))}` : run.map(name).join(', '))).join(', ')}`;
}

/** Each variant's share of a split's customers, in per cent: "50%", "33.3%". */
export function variantShares(variants: readonly Pick<SplitVariant, 'key' | 'weight'>[]): { key: string; share: string }[] {
  const total = variants.reduce((sum, variant) => sum + variant.weight, 0);
  return variants.map((variant) => ({
    key: variant.key,
    share: `${total > 0 ? Number(((100 * variant.weight) / total).toFixed(1)) : 0}%`,
  }));
}

/** A step in a few words: "wait P3D", "send checkin with a CSAT survey", "branch on survey score", "A/B split: a 50%, b 50%". */
export function describeStep(step: JourneyStep): string {
  if ('wait' in step) return `wait ${step.wait.duration}`;
  if ('waitUntil' in step) {
    const on = describeDays(step.waitUntil.days ?? ALL_DAYS);
    return `wait until ${step.waitUntil.from}–${step.waitUntil.to}${on}`;
  }
  if ('waitForEvent' in step) return `wait for ${step.waitForEvent.event} (up to ${step.waitForEvent.timeout})`;
  if ('send' in step) return `send ${step.send.template}${step.send.survey ? ` with a ${step.send.survey.kind.toUpperCase()} survey` : ''}`;
  if ('branch' in step) {
    const subjects = [...new Set(step.branch.cases.flatMap((c) => conditionSubjects(c.when)))];
    return `branch on ${subjects.join(', ')}`;
  }
  if ('alert' in step) return `alert a success manager: ${step.alert.kind}`;
  if ('set' in step) return 'tag' in step.set ? `tag ${step.set.tag}` : `set ${step.set.attribute} = ${String(step.set.value)}`;
  if ('split' in step) {
    const shares = variantShares(step.split.variants).map(({ key, share }) => `${key} ${share}`);
    return `A/B split: ${shares.join(', ')}`;
  }
  return step.exit.reason ? `exit: ${step.exit.reason}` : 'exit';
}

export function stepKind(step: JourneyStep): FlowNodeKind {
  for (const kind of ['wait', 'waitUntil', 'waitForEvent', 'send', 'branch', 'split', 'alert', 'set', 'exit'] as const) {
    if (kind in step) return kind;
  }
  return 'exit';
}

export function describeTrigger(trigger: JourneyDefinition['trigger']): string {
  if ('event' in trigger) {
    const where = trigger.where ? Object.entries(trigger.where).map(([name, filter]) => `${name} ${describeFilter(filter)}`) : [];
    return `when ${trigger.event}${where.length > 0 ? ` where ${where.join(' and ')}` : ''}`;
  }
  if ('churnBand' in trigger) return `when the churn band enters ${trigger.churnBand.entering}`;
  const inactivity = trigger.inactivity;
  return 'noOrderFor' in inactivity
    ? `when there is no order for ${inactivity.noOrderFor}`
    : `when overdue ×${inactivity.overdueFactor} the customer's usual gap`;
}

/** The nodes and edges of a definition's flow, in step order (the trigger first). */
export function journeyFlow(definition: DefinitionLike): FlowGraph {
  const nodes: FlowNode[] = [{ id: TRIGGER_NODE, kind: 'trigger', label: describeTrigger(definition.trigger) }];
  const edges: FlowEdge[] = [];
  const steps = definition.steps;
  // Where "next" leads from each step: the following step of its list; from the last step of a split's
  // variant, whatever follows the split.
  const nextOf = new Map<string, string>();
  const follow = (list: readonly JourneyStep[], after: string) => {
    list.forEach((step, index) => {
      const following = list[index + 1];
      const next = following ? stepNodeId(following.id) : after;
      nextOf.set(step.id, next);
      if ('split' in step) for (const variant of step.split.variants) follow(variant.steps, next);
    });
  };
  follow(steps, END_NODE);
  const targetOf = (goto: string, stepId: string): string => {
    if (goto === 'exit') return EXIT_NODE;
    if (goto === 'next') return nextOf.get(stepId) ?? END_NODE;
    return stepNodeId(goto);
  };
  let needsEnd = steps.length === 0;
  const first = steps[0];
  edges.push({ from: TRIGGER_NODE, to: first ? stepNodeId(first.id) : END_NODE });

  for (const { step } of allSteps(definition)) {
    const id = stepNodeId(step.id);
    nodes.push({ id, kind: stepKind(step), label: describeStep(step), stepId: step.id });
    if ('exit' in step) continue;
    if ('branch' in step) {
      for (const branchCase of step.branch.cases) {
        edges.push({ from: id, to: targetOf(branchCase.goto, step.id), label: describeCondition(branchCase.when) });
      }
      edges.push({ from: id, to: targetOf(step.branch.otherwise ?? 'next', step.id), label: 'otherwise' });
    } else if ('split' in step) {
      const shares = variantShares(step.split.variants);
      step.split.variants.forEach((variant, index) => {
        const firstOfVariant = variant.steps[0];
        edges.push({
          from: id,
          to: firstOfVariant ? stepNodeId(firstOfVariant.id) : targetOf('next', step.id),
          label: `${variant.key} · ${shares[index]?.share}`,
          variant: { key: variant.key, share: shares[index]?.share ?? '' },
        });
      });
    } else {
      edges.push({ from: id, to: targetOf('next', step.id) });
    }
  }
  for (const edge of edges) {
    if (edge.to === END_NODE) needsEnd = true;
  }
  if (needsEnd) nodes.push({ id: END_NODE, kind: 'end', label: 'done' });
  if (edges.some((edge) => edge.to === EXIT_NODE)) nodes.push({ id: EXIT_NODE, kind: 'exit', label: 'exit' });

  if (definition.goal) {
    nodes.push({ id: GOAL_NODE, kind: 'goal', label: `goal: ${definition.goal.event} within ${definition.goal.within}` });
    edges.push({ from: TRIGGER_NODE, to: GOAL_NODE, label: 'any time', dashed: true });
  }
  if (definition.exitEvents && definition.exitEvents.length > 0) {
    nodes.push({ id: EXIT_EVENTS_NODE, kind: 'exitEvents', label: `exit on ${definition.exitEvents.join(', ')}` });
    edges.push({ from: TRIGGER_NODE, to: EXIT_EVENTS_NODE, label: 'any time', dashed: true });
  }
  return { nodes, edges };
}

export type Point = { x: number; y: number };
export type PlacedNode = FlowNode & { x: number; y: number; width: number; height: number };
export type PlacedEdge = FlowEdge & { points: Point[]; labelAt?: Point; labelWidth?: number };
export type FlowLayout = { width: number; height: number; nodes: PlacedNode[]; edges: PlacedEdge[] };

/** Rough text widths for the SVG's 13 px system font: dagre needs sizes before anything is drawn. */
export const LABEL_CHAR_WIDTH = 7.2;
const STEP_ID_CHAR_WIDTH = 6.4;
const EDGE_LABEL_CHAR_WIDTH = 6.6;
export const NODE_HEIGHT = 48;
const MAX_NODE_WIDTH = 380;

export const nodeWidth = (node: FlowNode) =>
  Math.min(
    MAX_NODE_WIDTH,
    Math.max(120, Math.ceil(node.label.length * LABEL_CHAR_WIDTH), Math.ceil((node.stepId?.length ?? 0) * STEP_ID_CHAR_WIDTH)) + 28,
  );

/** The flow laid out top to bottom by dagre: node centres, edge routes and where each edge's label sits. */
export function layoutFlow(flow: FlowGraph): FlowLayout {
  const graph = new Graph({ multigraph: true });
  graph.setGraph({ rankdir: 'TB', nodesep: 36, ranksep: 44, edgesep: 16, marginx: 12, marginy: 12 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of flow.nodes) graph.setNode(node.id, { width: nodeWidth(node), height: NODE_HEIGHT });
  flow.edges.forEach((edge, index) => {
    const label = edge.label ? { width: Math.ceil(edge.label.length * EDGE_LABEL_CHAR_WIDTH) + 12, height: 18, labelpos: 'c' } : {};
    graph.setEdge(edge.from, edge.to, label, `e${index}`);
  });
  layout(graph);
  const nodes = flow.nodes.map((node) => {
    const placed = graph.node(node.id) as { x: number; y: number; width: number; height: number };
    return { ...node, x: placed.x, y: placed.y, width: placed.width, height: placed.height };
  });
  const edges = flow.edges.map((edge, index) => {
    const placed = graph.edge(edge.from, edge.to, `e${index}`) as { points?: Point[]; x?: number; y?: number; width?: number };
    return {
      ...edge,
      points: placed.points ?? [],
      ...(edge.label && placed.x !== undefined && placed.y !== undefined
        ? { labelAt: { x: placed.x, y: placed.y }, labelWidth: placed.width ?? 0 }
        : {}),
    };
  });
  const size = graph.graph() as { width?: number; height?: number };
  return { width: Math.ceil(size.width ?? 0), height: Math.ceil(size.height ?? 0), nodes, edges };
}

/**
 * The flow as a numbered list of sentences, for those who do not see the diagram:
 * "2. let-it-settle: wait P2D. Then: 3." and "4. choose: branch on survey score. If score ≤ 2: 6; otherwise: 5."
 */
const edgeWords = (edge: FlowEdge) => {
  if (edge.variant) return `Variant ${edge.variant.key} (${edge.variant.share} of customers)`;
  return edge.label === 'otherwise' ? 'Otherwise' : `If ${edge.label}`;
};

export function describeFlow(definition: DefinitionLike): string[] {
  const position = new Map(allSteps(definition).map(({ step }, index) => [step.id, index + 1]));
  const flow = journeyFlow(definition);
  const nameOf = (nodeId: string) => {
    if (nodeId === END_NODE) return 'done';
    if (nodeId === EXIT_NODE) return 'exit';
    const stepId = nodeId.slice('step:'.length);
    return `step ${position.get(stepId) ?? '?'} (${stepId})`;
  };
  const lines = [`Starts ${describeTrigger(definition.trigger)}.`];
  for (const node of flow.nodes) {
    if (!node.stepId) continue;
    const out = flow.edges.filter((edge) => edge.from === node.id);
    const then =
      out.length === 0
        ? ' The enrollment ends here.'
        : out.length === 1 && !out[0]?.label
          ? ` Then ${nameOf(out[0]?.to ?? END_NODE)}.`
          : ` ${out.map((edge) => `${edgeWords(edge)}: ${nameOf(edge.to)}`).join('; ')}.`;
    lines.push(`${node.stepId}: ${node.label}.${then}`);
  }
  if (definition.goal)
    lines.push(`Goal: ${definition.goal.event} within ${definition.goal.within} of entering ends the enrollment as a conversion.`);
  if (definition.exitEvents && definition.exitEvents.length > 0) lines.push(`Exits at once on ${definition.exitEvents.join(', ')}.`);
  return lines;
}
