// Stored journey definitions reach the interpreter parsed through the schema, never cast: a version that
// no longer parses fails an enrollment's start clearly (a non-retryable activity failure) and stops
// routing, rather than running a definition the interpreter was not written for.
import { ApplicationFailure } from '@temporalio/activity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJourneyActivities } from '../../activities/journey-activities.ts';
import { ingestEvents } from '../../ingestion/ingest.ts';
import { activeJourneys, parseDefinitionText, publishJourney, StoredDefinitionError } from '../../journey-store/journey-versions.ts';
import { OutboxTransport } from '../../messaging/outbox-transport.ts';
import { TemplateStore } from '../../messaging/template-store.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { customerUpserted } from '../support/events.ts';
import { testActivityConfig } from '../support/temporal.ts';

let database: TestDatabase;
let customerId: string;
beforeAll(async () => {
  database = await createTestDatabase();
  await ingestEvents({ db: database.db, route: null }, [customerUpserted('stored-1')]);
  customerId = (await database.db.customer.findUniqueOrThrow({ where: { externalId: 'stored-1' } })).id;
});
afterAll(async () => {
  await database?.drop();
});

const definition = parseDefinitionText(`
key: stored
name: Stored
trigger: { event: order.placed }
entity: order
steps:
  - id: wait
    wait: { duration: P1D }
`);

/** Writes a version the way no publish would: by hand, past the schema. */
async function storeByHand(version: number, stored: unknown) {
  await database.db.journeyVersion.create({
    data: { journeyKey: 'stored', version, definition: stored as object, checksum: `by-hand-${version}` },
  });
  await database.db.journey.update({ where: { key: 'stored' }, data: { currentVersion: version } });
}

const enter = (version: number, workflowId: string) =>
  createJourneyActivities({
    db: database.db,
    transport: new OutboxTransport(database.db),
    templates: new TemplateStore(),
    config: testActivityConfig,
  }).enterJourney({
    workflowId,
    journeyKey: 'stored',
    version,
    customerId,
    entityKey: 'order:1',
    triggerEventId: null,
    group: 'treatment',
    at: Date.now(),
  });

describe('stored journey definitions', () => {
  it('are parsed on the way to the interpreter: the schema’s defaults are filled in', async () => {
    await publishJourney(database.db, definition);
    // Stored without the fields that have defaults (an older schema, or a hand-written row).
    const { category: _category, exitEvents: _exitEvents, ...bare } = definition;
    await storeByHand(2, bare);
    const entered = await enter(2, 'journey/stored/a');
    expect(entered.definition).toEqual(definition);
    expect((await activeJourneys(database.db)).find((journey) => journey.key === 'stored')?.definition).toEqual(definition);
  });

  it('that do not parse fail the enrollment’s start without a retry, and stop routing with the reason', async () => {
    await storeByHand(3, { ...definition, steps: [{ id: 'wait', wait: { duration: 'soon' } }] });
    const failure = await enter(3, 'journey/stored/b').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ nonRetryable: true, type: 'JourneyDefinitionInvalid' });
    expect((failure as Error).message).toMatch(/journey stored version 3 does not parse: steps\[0\]\.wait\.duration/);
    expect(await database.db.enrollment.count({ where: { workflowId: 'journey/stored/b' } })).toBe(0);
    await expect(activeJourneys(database.db)).rejects.toBeInstanceOf(StoredDefinitionError);
  });
});
