/**
 * Temporal's JSON history format (what `temporal workflow show -o json` and the Web UI's
 * "Download" write), to and from the History proto.
 *
 * Same behaviour as the SDK's `historyToJSON` / `historyFromJSON` (`@temporalio/common/lib/
 * proto-utils`), which cannot be used in this install: `@temporalio/common` and
 * `@temporalio/proto` each get their own nested copy of protobufjs 8 (the top-level slot holds
 * protobufjs 7 for `@grpc/proto-loader`), so the SDK's ProtoJSON codec rejects the proto's types
 * with "TypeError: type must be a Type". Here the codec is loaded from the protobufjs that
 * `@temporalio/proto` itself uses, which works whether or not npm de-duplicates the copies.
 */
import { createRequire } from 'node:module';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

export type History = proto.temporal.api.history.v1.IHistory;

interface ProtoJsonCodec {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
}

const protoRequire = createRequire(require.resolve('@temporalio/proto'));
const protojson = protoRequire('protobufjs/ext/protojson') as ProtoJsonCodec;
const historyType = (
  patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }
).lookupType('temporal.api.history.v1.History');

/** A history as pretty-printed JSON in the format the Temporal CLI and Web UI export. */
export function historyToJSON(history: History): string {
  const message = proto.temporal.api.history.v1.History.fromObject(history);
  return JSON.stringify(protojson.toJson(historyType, message), null, 2);
}

/**
 * Parses an exported history (already JSON.parse'd). Also accepts the older export form whose
 * enum values are PascalCase (`"eventType": "WorkflowExecutionStarted"`); unknown fields (a newer
 * server's) are ignored. Throws a TypeError saying what is wrong otherwise.
 */
export function historyFromJSON(json: unknown): History {
  if (
    typeof json !== 'object' ||
    json === null ||
    !Array.isArray((json as { events?: unknown }).events)
  ) {
    throw new TypeError('expected an object with an "events" array');
  }
  const events = (json as { events: unknown[] }).events.map(fixHistoryEvent);
  const loaded = protojson.fromJson(historyType, { events }, { ignoreUnknownFields: true });
  if (loaded === null || typeof loaded !== 'object') throw new TypeError('invalid history');
  return loaded;
}

type JsonObject = Record<string, unknown>;

function constantCase(s: string): string {
  return s.replace(/[^\b][A-Z]/g, (m) => `${m[0]}_${m[1]}`).toUpperCase();
}

function fixEnum(obj: JsonObject, attr: string, prefix: string): JsonObject {
  const value = obj[attr];
  if (typeof value !== 'string' || value === '') return {};
  return { [attr]: value.startsWith(prefix) ? value : `${prefix}_${constantCase(value)}` };
}

function fixHistoryEvent(raw: unknown, index: number): JsonObject {
  if (typeof raw !== 'object' || raw === null) {
    throw new TypeError(`event ${index + 1} is not an object`);
  }
  const event = raw as JsonObject;
  const key = Object.keys(event).find((k) => k.endsWith('EventAttributes'));
  if (!key) throw new TypeError(`event ${index + 1} has no …EventAttributes field`);
  const attributes = (event[key] ?? {}) as JsonObject;
  const taskQueue = attributes.taskQueue as JsonObject | undefined;
  const childFailure = attributes.childWorkflowExecutionFailureInfo as JsonObject | undefined;
  return {
    ...event,
    ...fixEnum(event, 'eventType', 'EVENT_TYPE'),
    [key]: {
      ...attributes,
      ...(taskQueue && {
        taskQueue: { ...taskQueue, ...fixEnum(taskQueue, 'kind', 'TASK_QUEUE_KIND') },
      }),
      ...fixEnum(attributes, 'parentClosePolicy', 'PARENT_CLOSE_POLICY'),
      ...fixEnum(attributes, 'workflowIdReusePolicy', 'WORKFLOW_ID_REUSE_POLICY'),
      ...fixEnum(attributes, 'initiator', 'CONTINUE_AS_NEW_INITIATOR'),
      ...fixEnum(attributes, 'retryState', 'RETRY_STATE'),
      ...(childFailure && {
        childWorkflowExecutionFailureInfo: {
          ...childFailure,
          ...fixEnum(childFailure, 'retryState', 'RETRY_STATE'),
        },
      }),
    },
  };
}
