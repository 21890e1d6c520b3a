// The customer a simulation runs for, when the scenario names a stored one: their profile, band,
// suppression and the capped messages they really received before the start (marketing emails, and
// check-ins with a survey), with anything the scenario gives laid over it.
import { asChurnBand } from '../core/journey/definition.ts';
import type { ResolvedCustomer, SimulationCustomer } from '../core/journey/simulation-scenarios.ts';
import { customerFromProfile } from '../core/journey/simulation-scenarios.ts';
import { capHistory } from '../messaging/cap-history.ts';
import type { Database } from '../runtime/database.ts';

export class SimulationCustomerNotFoundError extends Error {
  constructor(readonly customerId: string) {
    super(`No customer with id '${customerId}'.`);
  }
}

/** A profile from the request, or a stored customer's (overridden by what the request gives). */
export async function resolveSimulationCustomer(
  db: Database,
  given: SimulationCustomer,
  start: number,
  defaultTimezone: string,
): Promise<ResolvedCustomer> {
  if (given.customerId === undefined) return customerFromProfile(given, defaultTimezone);
  const customer =
    (await db.customer.findUnique({ where: { externalId: given.customerId }, include: { churnScore: true } })) ??
    (await db.customer.findUnique({ where: { id: given.customerId }, include: { churnScore: true } }).catch(() => null));
  if (!customer) throw new SimulationCustomerNotFoundError(given.customerId);
  const [suppression, recent, surveys] = await Promise.all([
    customer.email ? db.suppression.findFirst({ where: { email: customer.email.toLowerCase() } }) : null,
    capHistory(db, customer.id, start, { before: true, capClass: 'marketing' }),
    capHistory(db, customer.id, start, { before: true, capClass: 'survey' }),
  ]);
  const band = customer.churnScore?.band;
  return {
    customerId: customer.externalId,
    timezone: given.timezone ?? customer.timezone ?? defaultTimezone,
    consent: given.consent ?? (customer.consent as Record<string, unknown>),
    churnBand: given.churnBand !== undefined ? given.churnBand : asChurnBand(band),
    attributes: given.attributes ?? (customer.attributes as Record<string, unknown>),
    tags: given.tags ?? customer.tags,
    suppressed: given.suppressed ?? suppression !== null,
    messageHistory: given.messageHistory ? given.messageHistory.map((at) => Date.parse(at)) : recent,
    surveyHistory: surveys,
    // The workflow's assignment key (workflows/journey.ts): the simulated customer takes the variants it really takes.
    assignmentKey: customer.id,
    variants: given.variants ?? {},
  };
}
