// The reasons of a churn-risk score as plain sentences a success manager reads ("No order for 94 days;
// usually orders every 30"). A score keeps only what a sentence needs (`ReasonSpec`) and writes the
// sentences of the factors it gives as reasons: scoring a million customers should not build seven
// million strings.

export type ReasonSpec =
  | { readonly kind: 'dropout'; readonly pAlive: number }
  | { readonly kind: 'quiet'; readonly expected: number; readonly pOrder: number; readonly horizonDays?: number }
  | { readonly kind: 'overdue'; readonly since: number; readonly gap: number; readonly own: boolean }
  | { readonly kind: 'recency'; readonly since: number }
  | { readonly kind: 'frequency'; readonly orders: number; readonly days: number; readonly newer?: boolean }
  | { readonly kind: 'tenure'; readonly days: number; readonly newer: boolean; readonly orders?: number }
  | { readonly kind: 'detractor'; readonly survey: 'csat' | 'nps'; readonly score: number; readonly latest: boolean; readonly ago: number }
  | { readonly kind: 'tickets'; readonly count: number; readonly oldestAge: number }
  | { readonly kind: 'refunds'; readonly count: number }
  | { readonly kind: 'engagement'; readonly drop: number; readonly recent: number; readonly previous: number; readonly windowDays: number }
  | { readonly kind: 'baseline'; readonly share: number; readonly horizonDays: number };

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function percent(p: number): string {
  if (p > 0 && p < 0.005) return 'under 1%';
  if (p < 1 && p > 0.995) return 'over 99%';
  return `${Math.round(p * 100)}%`;
}

function daysAgoText(days: number): string {
  return days <= 0 ? 'today' : days === 1 ? 'yesterday' : `${days} days ago`;
}

export function reasonText(spec: ReasonSpec): string {
  switch (spec.kind) {
    case 'dropout':
      return `Their purchase pattern suggests they may have stopped buying (${percent(spec.pAlive)} chance they are still an active customer)`;
    case 'quiet': {
      const horizon = spec.horizonDays ?? 90;
      return spec.pOrder < 0.1
        ? `Unlikely to order in the next ${horizon} days (${percent(spec.pOrder)} chance)`
        : `Expected to place ${spec.expected.toFixed(1)} orders in the next ${horizon} days (${percent(spec.pOrder)} chance of any)`;
    }
    case 'recency':
      return `No order for ${plural(spec.since, 'day')}`;
    case 'frequency':
      return spec.orders <= 1 ? 'Has ordered only once' : `Only ${plural(spec.orders, 'order')} in ${plural(spec.days, 'day')}`;
    case 'tenure':
      if (spec.newer) return `A new customer: first order ${spec.days <= 0 ? 'today' : `${plural(spec.days, 'day')} ago`}`;
      return spec.orders === 1
        ? `Their only order was ${plural(spec.days, 'day')} ago`
        : `A long-standing customer (first order ${plural(spec.days, 'day')} ago), and long-standing customers here order less often`;
    case 'overdue': {
      const gap = Math.max(1, Math.round(spec.gap));
      return spec.own
        ? `No order for ${plural(spec.since, 'day')}; usually orders every ${gap === 1 ? 'day' : gap}`
        : `Only one order, ${spec.since === 0 ? 'today' : `${plural(spec.since, 'day')} ago`}; repeat customers usually reorder within ${plural(gap, 'day')}`;
    }
    case 'detractor':
      if (spec.survey === 'csat') {
        return spec.latest
          ? `Rated their last order ${spec.score} out of 5`
          : `Rated an order ${spec.score} out of 5 ${daysAgoText(spec.ago)}`;
      }
      return `Answered ${spec.score} out of 10 when asked whether they would recommend us (${daysAgoText(spec.ago)})`;
    case 'tickets':
      return `${plural(spec.count, 'open support ticket')}${spec.count > 1 ? ', the oldest' : ''} opened ${spec.oldestAge <= 0 ? 'today' : `${plural(spec.oldestAge, 'day')} ago`}`;
    case 'refunds':
      return `${plural(spec.count, 'refund')} in the last 90 days`;
    case 'baseline':
      return `Nothing sets them apart: ${percent(spec.share)} of this business's customers place no order within ${plural(spec.horizonDays, 'day')}`;
    case 'engagement':
      return `Email engagement down ${percent(spec.drop)}: ${plural(spec.recent, 'open or click', 'opens and clicks')} in the last ${spec.windowDays} days, against ${spec.previous} in the ${spec.windowDays} days before`;
  }
}
