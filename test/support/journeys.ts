import { type JourneyDefinition, validateJourneyDefinition } from '../../core/journey/definition.ts';

/** A valid definition with test defaults (key, name, an order trigger), or a thrown list of errors. */
export function definition(raw: Record<string, unknown>): JourneyDefinition {
  const result = validateJourneyDefinition({ key: 'test-journey', name: 'Test', trigger: { event: 'order.placed' }, ...raw });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.definition;
}
