/**
 * llm-bakeoff's library API: the same pieces the `bakeoff` CLI is built from, for programs that
 * want to drive a bake-off themselves (load a scenario, run it, render its reports).
 */
export { loadScenario, parseScenarioText } from './scenario/load.js';
export { validateScenario, formatPath, type Problem, type Validation } from './scenario/validate.js';
export type { Scenario, Target, Workload, Load, Timeouts, MockProfile } from './scenario/schema.js';
export { planScenario, type Plan, type TargetPlan } from './runner/plan.js';
export { parseDurationMs, formatDurationMs } from './scenario/duration.js';

export { runScenario } from './runner/run-scenario.js';
export type { RunDeps } from './runner/run-context.js';
export type { RunOutput, RunStart } from './metrics/run-output.js';
export type { DroppedArrival } from './metrics/recorder.js';
export type { ShardOf } from './summary/shard-tag.js';
export { runRecordOutput, type RunRecordOf } from './runner/run-record.js';
export { Progress, type ProgressView } from './output/progress.js';
export { LiveMetrics, type LiveMetricsOptions } from './output/live-metrics.js';
export { serveMetrics, type MetricsServer } from './output/metrics-server.js';
export { runInWorkers, workersFor, type WorkersRun } from './runner/workers.js';
export { readInputs, type Inputs, type InputsLoad } from './runner/load-inputs.js';
export { usableCores, fileDescriptorLimit } from './runner/machine.js';
export { startMockServer, type MockServer, type MockServerOptions } from './mock/server.js';
export { startMockInWorker } from './mock/worker-host.js';

export { chatClient, type Endpoint, type ChatCall, type ClientDeps, type Hit } from './client/chat-client.js';
export { openaiChat } from './client/openai-chat.js';
export type { ProtocolAdapter } from './client/protocol.js';
export type { ChatMessage } from './workload/chat-message.js';
export { SseDecoder, type SseEvent } from './client/sse.js';
export { transport } from './client/transport.js';

export { type RequestResult, type AttemptResult, type RouteOutcome, ttftMs, e2eMs, tpotMs, headersMs } from './metrics/request-result.js';
export { ERROR_KINDS, type ErrorKind } from './scenario/error-kinds.js';
export { Recorder } from './metrics/recorder.js';
export { summarizeRun } from './summary/summarize-run.js';
export { HISTOGRAM_RANGE, newHistogram, recordMs, encodeHistogram, decodeHistogram, latencyStats } from './metrics/histogram.js';
export { SUMMARY_SCHEMA, type RunSummary } from './summary/run-summary.js';
export type { GroupSummary } from './metrics/group-summary.js';
export { goodputPlanOf, sloVerdict, missedText, type GoodputPlan, type GoodputSummary } from './metrics/goodput.js';
export { monotonicClock, type Clock } from './metrics/clock.js';

export { consoleTable } from './report/console-table.js';
export { summaryCsv } from './report/summary-csv.js';
export { requestRow, requestsCsvWriter, REQUEST_COLUMNS, type RowSink } from './output/requests-csv.js';

export { tokenizer, type Tokenizer } from './workload/tokenizer.js';
export { ENCODINGS, type EncodingName } from './scenario/encodings.js';
export { promptSynthesizer } from './workload/prompt.js';
