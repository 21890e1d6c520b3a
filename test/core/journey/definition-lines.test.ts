// An editor shows each error of a definition beside its line: the error's path, walked through the
// text the marketer wrote, YAML or JSON.
import { describe, expect, it } from 'vitest';
import { definitionLines, pathSegments } from '../../../core/journey/definition-lines.ts';

const yaml = `key: winback
name: Win-back
trigger:
  inactivity:
    noOrderFor: P60D
steps:
  - id: first
    send:
      template: winback
  - id: pause
    wait:
      duraton: P14D
  - id: choose
    branch:
      cases:
        - when:
            churnBand:
              inn: [high]
          goto: nowhere
`;

describe('the line of an error path in a definition text', () => {
  it('splits a path into fields and indexes', () => {
    expect(pathSegments('steps[3].branch.cases[0].when.churnBand.inn')).toEqual([
      'steps',
      3,
      'branch',
      'cases',
      0,
      'when',
      'churnBand',
      'inn',
    ]);
    expect(pathSegments('(root)')).toEqual([]);
    expect(pathSegments('key')).toEqual(['key']);
  });

  it('points an unknown field at its own key, and a wrong value at its field', () => {
    expect(
      definitionLines(yaml, ['steps[1].wait.duraton', 'steps[2].branch.cases[0].when.churnBand.inn', 'steps[2].branch.cases[0].goto']),
    ).toEqual([12, 18, 19]);
  });

  it('points a missing field at the field holding the object that lacks it (the top level: line 1)', () => {
    expect(definitionLines(yaml, ['steps[1].wait.duration', 'steps[0].send.survey', 'goal'])).toEqual([11, 8, 1]);
  });

  it('knows no line for the whole document, or for a text that does not parse', () => {
    expect(definitionLines(yaml, ['(root)'])).toEqual([undefined]);
    expect(definitionLines('key: [unclosed', ['key'])).toEqual([undefined]);
  });

  it("points into a split's variants: a variant's weight, and a step inside it", () => {
    const split = `key: ab
name: AB
trigger: { event: order.placed }
steps:
  - id: subject-test
    split:
      variants:
        - key: a
          weight: 0
          steps:
            - { id: email-a, send: { template: winback } }
        - key: b
          weight: 1
          steps:
            - id: wait-b
              wait: { duraton: P1D }
`;
    expect(
      definitionLines(split, [
        'steps[0].split.variants[0].weight',
        'steps[0].split.variants[1].steps[0].wait.duraton',
        'steps[0].split.variants',
      ]),
    ).toEqual([9, 16, 7]);
  });

  it('reads JSON text the same way', () => {
    const json = JSON.stringify({ key: 'k', name: 'n', steps: [{ id: 'a', wait: { duration: 'soon' } }] }, null, 2);
    expect(definitionLines(json, ['steps[0].wait.duration', 'name'])).toEqual([8, 3]);
  });
});
