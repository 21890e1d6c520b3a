// Builders for events as a business would send them.
let counter = 0;
const nextId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++counter}`;

export function customerUpserted(customerId: string, properties: Record<string, unknown> = {}, occurredAt = new Date()) {
  return {
    id: nextId('cust'),
    type: 'customer.upserted',
    customerId,
    occurredAt: occurredAt.toISOString(),
    properties: { email: `${customerId}@example.com`, name: 'Ada Lovelace', ...properties },
  };
}

export function orderPlaced(customerId: string, orderId: string, properties: Record<string, unknown> = {}, occurredAt = new Date()) {
  return {
    id: nextId('order'),
    type: 'order.placed',
    customerId,
    occurredAt: occurredAt.toISOString(),
    properties: {
      orderId,
      total: 129.5,
      currency: 'EUR',
      items: [
        { name: 'Linen shirt', quantity: 2, price: 49.75 },
        { name: 'Canvas tote', quantity: 1, price: 30 },
      ],
      ...properties,
    },
  };
}

export function orderEvent(type: string, customerId: string, orderId: string, occurredAt = new Date()) {
  return { id: nextId(type), type, customerId, occurredAt: occurredAt.toISOString(), properties: { orderId } };
}
