// The flow diagram of a journey: the SVG drawn from dagre's layout (journey-graph.ts), with how many
// enrollments reached each step when stats are given, and the same flow as an ordered list for those
// who do not see the drawing.
import { useId, useMemo } from 'react';
import { allSteps } from '../../../core/journey/definition.ts';
import {
  type DefinitionLike,
  describeFlow,
  journeyFlow,
  layoutFlow,
  type PlacedEdge,
  type PlacedNode,
  type Point,
} from './journey-graph.ts';

const MAX_LABEL_CHARS = 48;
const clip = (text: string, max = MAX_LABEL_CHARS) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function pathOf(points: Point[]): string {
  return points.map((point, index) => `${index === 0 ? 'M' : 'L'}${point.x.toFixed(1)},${point.y.toFixed(1)}`).join(' ');
}

function FlowNodeShape({ node, entered }: { node: PlacedNode; entered: number | undefined }) {
  const left = node.x - node.width / 2;
  const top = node.y - node.height / 2;
  const secondLine = node.stepId ? (entered !== undefined ? `${node.stepId} · ${entered} entered` : node.stepId) : null;
  return (
    <g className={`flow-node flow-${node.kind}`}>
      <title>{`${node.label}${node.stepId ? ` (step ${node.stepId})` : ''}`}</title>
      <rect x={left} y={top} width={node.width} height={node.height} rx={node.kind === 'trigger' || node.kind === 'end' ? 22 : 8} />
      <text x={node.x} y={secondLine ? node.y - 4 : node.y + 4} textAnchor="middle" className="flow-label">
        {clip(node.label)}
      </text>
      {secondLine ? (
        <text x={node.x} y={node.y + 14} textAnchor="middle" className="flow-step-id">
          {clip(secondLine)}
        </text>
      ) : null}
    </g>
  );
}

function FlowEdgeLine({ edge, arrowId }: { edge: PlacedEdge; arrowId: string }) {
  return (
    <g className={`flow-edge${edge.dashed ? ' flow-edge-dashed' : ''}`}>
      <path d={pathOf(edge.points)} markerEnd={`url(#${arrowId})`} />
      {edge.label && edge.labelAt ? (
        <g className="flow-edge-label">
          <rect x={edge.labelAt.x - (edge.labelWidth ?? 0) / 2} y={edge.labelAt.y - 9} width={edge.labelWidth ?? 0} height={18} rx={4} />
          <text x={edge.labelAt.x} y={edge.labelAt.y + 4} textAnchor="middle">
            {edge.label}
          </text>
        </g>
      ) : null}
    </g>
  );
}

export function JourneyFlow({
  definition,
  name,
  enteredByStep,
}: {
  definition: DefinitionLike;
  name: string;
  enteredByStep?: Map<string, number>;
}) {
  const ids = useId();
  const arrowId = `${ids}-arrow`;
  const listId = `${ids}-steps`;
  const placed = useMemo(() => layoutFlow(journeyFlow(definition)), [definition]);
  const sentences = useMemo(() => describeFlow(definition), [definition]);
  const stepCount = useMemo(() => allSteps(definition).length, [definition]);
  return (
    <div className="journey-flow">
      <div className="flow-scroll">
        <svg
          role="img"
          aria-label={`Flow diagram of ${name}: ${stepCount} steps. The steps are listed in words below the diagram.`}
          aria-describedby={listId}
          width={placed.width}
          height={placed.height}
          viewBox={`0 0 ${placed.width} ${placed.height}`}
          className="flow-svg"
        >
          <defs>
            <marker id={arrowId} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M 0 0 L 10 5 L 0 10 z" className="flow-arrow" />
            </marker>
          </defs>
          {placed.edges.map((edge, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: edges have no identity but their order in the definition
            <FlowEdgeLine key={index} edge={edge} arrowId={arrowId} />
          ))}
          {placed.nodes.map((node) => (
            <FlowNodeShape key={node.id} node={node} entered={node.stepId ? enteredByStep?.get(node.stepId) : undefined} />
          ))}
        </svg>
      </div>
      <div className="flow-legend muted" aria-hidden="true">
        <span className="journey-legend-item journey-legend-send">send</span>
        <span className="journey-legend-item journey-legend-wait">wait</span>
        <span className="journey-legend-item journey-legend-branch">branch</span>
        <span className="journey-legend-item journey-legend-split">A/B split</span>
        <span className="journey-legend-item journey-legend-goal">goal</span>
        <span className="journey-legend-item journey-legend-exit">exit</span>
        <span className="journey-legend-dashed">dashed: can happen at any time</span>
      </div>
      <ol id={listId} className="visually-hidden" aria-label={`The steps of ${name} in words`}>
        {sentences.map((sentence) => (
          <li key={sentence}>{sentence}</li>
        ))}
      </ol>
    </div>
  );
}
