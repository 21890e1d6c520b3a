// The choices a customer controls: which kinds of email they get. A message's kind follows from what it
// is, never from a setting a journey could get wrong:
//
//   marketing   the marketing category (win-back, review requests, offers)
//   checkins    any other message that asks for an answer (a check-in with a survey)
//   service     everything else (the apology of a service recovery, a personal note from the account
//               owner): exempt from the choices, like a receipt, and sent without an unsubscribe link
//
// Choices are stored in Customer.consent (`marketing`, `checkins`) and, for "everything", as a
// suppression with reason `unsubscribed`, which stops every marketing and check-in email.

export const preferenceCategories = ['marketing', 'checkins'] as const;
export type PreferenceCategory = (typeof preferenceCategories)[number];
export type MessageKind = PreferenceCategory | 'service';

export function messageKind(message: { category: string; surveyKind?: string | null }): MessageKind {
  if (message.category === 'marketing') return 'marketing';
  return message.surveyKind ? 'checkins' : 'service';
}

/** The consent key each category is stored under in Customer.consent. */
export const consentKey: Record<PreferenceCategory, string> = { marketing: 'marketing', checkins: 'checkins' };

/**
 * Whether the customer's choices allow this kind of email. Marketing needs an explicit yes (consent is
 * given, not assumed); check-ins go out unless the customer said no; service messages always do.
 */
export function choicesAllow(kind: MessageKind, consent: unknown, unsubscribedFromEverything: boolean): boolean {
  if (kind === 'service') return true;
  if (unsubscribedFromEverything) return false;
  const given = consent && typeof consent === 'object' && !Array.isArray(consent) ? (consent as Record<string, unknown>) : {};
  return kind === 'marketing' ? given[consentKey.marketing] === true : given[consentKey.checkins] !== false;
}

/** Why a message of this kind is not sent to the customer, or null: the reason kept on the skipped message. */
export function choiceSkipReason(kind: MessageKind, consent: unknown, unsubscribedFromEverything: boolean): string | null {
  if (choicesAllow(kind, consent, unsubscribedFromEverything)) return null;
  if (unsubscribedFromEverything) return 'unsubscribed';
  return kind === 'marketing' ? 'no_marketing_consent' : 'unsubscribed_from_checkins';
}
