// The statechart inspectors as their own entry point (`btc-statechart/inspector`): our own page,
// which works offline, and a bridge to Stately's hosted UI.
export { type MachineDefinition, machineDefinition, type StateJson, type StateType } from './definition.js';
export { type Headline } from './headline.js';
export { HTTP_LIMITS, type HttpLimits } from './http-guard.js';
export { type HubLimits } from './hub.js';
export { type EmittedRecord, type InspectorRecord, type Json, type SnapshotRecord, summarise } from './serialise.js';
export {
  DEFAULT_INSPECTOR_HOST,
  DEFAULT_INSPECTOR_PORT,
  type Inspector,
  type InspectorOptions,
  startInspector,
} from './server.js';
export {
  STATELY_INSPECT_URL,
  type StatelyInspector,
  type StatelyInspectorOptions,
  startStatelyInspector,
} from './stately.js';
export { type TimerRecord } from './timers.js';
