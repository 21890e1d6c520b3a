// The interpreter's view of a definition: one flat list of steps that its cursor walks. A definition
// without splits is its own list, index for index (the cursors of running enrollments stay valid). A
// split is compiled in place: the split step records where each variant's block starts, the blocks
// follow it one after the other, and each ends with an internal jump to the step after the split.
// The stored definition stays as the marketer wrote it; this list is derived from it, and the same
// definition always gives the same list.
import type { JourneyDefinition, OrdinaryStep, SplitStep } from './definition.ts';

/** A split, with the index of the first step of each variant's block. */
export type FlatSplitStep = { id: string; split: { variants: { key: string; weight: number; start: number }[] } };

/** The end of a variant's block: on to the step after the split. Never logged; its id is no step id. */
export type JumpStep = { id: string; jump: { to: number } };

export type FlatStep = OrdinaryStep | FlatSplitStep | JumpStep;

const compiled = new WeakMap<Pick<JourneyDefinition, 'steps'>, FlatStep[]>();

/** The definition's steps as one list (memoised per definition object). */
export function flatSteps(definition: Pick<JourneyDefinition, 'steps'>): FlatStep[] {
  let flat = compiled.get(definition);
  if (!flat) {
    flat = compile(definition.steps);
    compiled.set(definition, flat);
  }
  return flat;
}

function compile(steps: readonly (OrdinaryStep | SplitStep)[]): FlatStep[] {
  const flat: FlatStep[] = [];
  for (const step of steps) {
    if (!('split' in step)) {
      flat.push(step);
      continue;
    }
    const variants: FlatSplitStep['split']['variants'] = [];
    flat.push({ id: step.id, split: { variants } });
    const jumps: JumpStep[] = [];
    for (const variant of step.split.variants) {
      variants.push({ key: variant.key, weight: variant.weight, start: flat.length });
      flat.push(...variant.steps);
      const jump: JumpStep = { id: `(${step.id}:${variant.key}:end)`, jump: { to: -1 } };
      jumps.push(jump);
      flat.push(jump);
    }
    for (const jump of jumps) jump.jump.to = flat.length;
  }
  return flat;
}

/** The index of the step with this id in the flat list (-1 when there is none). */
export function flatIndexOf(definition: Pick<JourneyDefinition, 'steps'>, stepId: string): number {
  return flatSteps(definition).findIndex((step) => step.id === stepId);
}
