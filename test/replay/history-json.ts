// Workflow histories to and from the JSON that Temporal's tools write (`temporal workflow show -o json`).
//
// The SDK's own helpers (`historyToJSON`, `historyFromJSON` of @temporalio/common) are used when they
// work. In this install they do not: @grpc/proto-loader keeps protobufjs 7 at the top of node_modules, so
// npm gives @temporalio/common and @temporalio/proto a protobufjs 8 each, and the JSON extension of the
// first refuses the message types built by the second ("type must be a Type"). The fallback does what the
// helpers do, with the JSON extension of the copy that built the types.
import { createRequire } from 'node:module';
import { type History, historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils.js';

type ProtoJson = { toJson(type: unknown, message: unknown): unknown; fromJson(type: unknown, json: unknown): unknown };
type HistoryClass = { fromObject(object: unknown): unknown };

let fallback: { json: ProtoJson; type: unknown; History: HistoryClass } | undefined;
function protoJson() {
  if (fallback) return fallback;
  const requireHere = createRequire(import.meta.url);
  const requireFromProto = createRequire(requireHere.resolve('@temporalio/proto'));
  const proto = requireFromProto('@temporalio/proto') as { temporal: { api: { history: { v1: { History: HistoryClass } } } } };
  const { patchProtobufRoot } = requireFromProto('@temporalio/proto/lib/patch-protobuf-root') as {
    patchProtobufRoot(root: unknown): { lookupType(name: string): unknown };
  };
  fallback = {
    json: requireFromProto('protobufjs/ext/protojson') as ProtoJson,
    type: patchProtobufRoot(proto).lookupType('temporal.api.history.v1.History'),
    History: proto.temporal.api.history.v1.History,
  };
  return fallback;
}

const twoCopies = (error: unknown) => error instanceof TypeError && error.message === 'type must be a Type';

/** The history as pretty-printed JSON. */
export function historyToJson(history: History): string {
  try {
    return historyToJSON(history);
  } catch (error) {
    if (!twoCopies(error)) throw error;
    const { json, type, History } = protoJson();
    return JSON.stringify(json.toJson(type, History.fromObject(history)), null, 2);
  }
}

/** A history read back from its JSON, ready for `Worker.runReplayHistories`. */
export function historyFromJson(text: string): History {
  const parsed: unknown = JSON.parse(text);
  try {
    return historyFromJSON(parsed);
  } catch (error) {
    if (!twoCopies(error)) throw error;
    const { json, type } = protoJson();
    return json.fromJson(type, parsed) as History;
  }
}
