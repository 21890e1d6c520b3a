// Signals of the journey workflow, defined once and imported by the workflow and by the
// clients that send them.
import { defineSignal } from '@temporalio/workflow';
import type { JourneyEventInput } from '../core/journey/interpreter.ts';

/** An event about the enrollment's customer and entity (a trigger repeat, an exit event, a goal...). */
export const journeyEventSignal = defineSignal<[JourneyEventInput]>('journeyEvent');

/** A journey was paused, resumed or archived; running enrollments hold, go on, or end. */
export type JourneyControl = { action: 'pause' | 'resume' | 'archive' };
export const journeyControlSignal = defineSignal<[JourneyControl]>('journeyControl');

/**
 * The customer's journeys were paused or resumed (POST /v1/customers/:id/journeys/pause|resume). Held
 * apart from the journey's own pause: resuming a journey never releases a customer's pause, nor the
 * other way round.
 */
export type CustomerControl = { action: 'pause' | 'resume' };
export const customerControlSignal = defineSignal<[CustomerControl]>('customerControl');
