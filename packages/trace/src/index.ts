// @ntmm/trace: a generic immutable event log with time travel, checkpoints, determinism checks,
// queries, trace files (JSON Lines and a compact binary encoding) and Perfetto/Chrome export.
// It knows no memory concepts: consumers plug in their event union and state model.
export { InvariantError } from './assert.js'
export { checkTraceEntries, checkTraceLog } from './checkTraceLog.js'
export {
  type BinaryBlockInfo,
  type BinaryDecodeOptions,
  type BinaryEncodeOptions,
  type BinaryStateInfo,
  type BinaryStateBlock,
  type BinaryStateBytes,
  type BinaryStateWriter,
  type BinaryTraceIndex,
  type BlockCompressor,
  bytesSource,
  decodeBinaryTrace,
  encodeBinaryTrace,
  openBinaryTrace,
  type RandomAccessSource,
  type StateBlock,
} from './binaryTrace.js'
export { encodeChromeTrace } from './chromeTraceExport.js'
export type { ColumnArray } from './columnStore.js'
export { type DecodeOptions, decodeJsonLines, encodeJsonLines } from './jsonLines.js'
export { encodePerfettoTrace, PERFETTO_FIELDS } from './perfettoExport.js'
export { replayRange } from './replayRange.js'
export { type EventPredicate, viewReader } from './scanRange.js'
export {
  decodeSnapshotValue,
  encodeSnapshotValue,
  MAX_SNAPSHOT_DEPTH,
  SnapshotBuffer,
  type SnapshotClass,
  type SnapshotEncodeOptions,
} from './snapshotCodec.js'
export { hashValue, StateHasher } from './stateHasher.js'
export {
  encodeStateBlock,
  encodeStateBlockAsync,
  logStateWriter,
  type RestoredState,
  restoreStateAt,
  type SnapshotBytes,
} from './traceStates.js'
export { type CheckpointPolicy, type ProgressCallback, Timeline, type TimelineOptions } from './timeline.js'
export { TimelineCursor } from './timelineCursor.js'
export {
  deflateRawCompressor,
  deflateRawStateCompressor,
  detectTraceEncoding,
  exportTraceFile,
  openBinaryTraceFile,
  type ReadTraceFileOptions,
  type ReplayFileResult,
  readTraceFile,
  replayTraceFile,
  streamTraceFile,
  type TraceEncoding,
  type WriteTraceFileOptions,
  writeLogFile,
  writeChunks,
  writeTraceFile,
} from './traceFile.js'
export {
  exportTraceFileChunks,
  type FileCauseSet,
  readCauseSet,
  streamTraceEntries,
  type TraceFileExportOptions,
} from './traceFileExport.js'
export { TraceFormatError, type TraceFormatErrorDetails } from './traceFormatError.js'
export {
  createTraceHeader,
  SUPPORTED_TRACE_VERSIONS,
  TRACE_FORMAT,
  TRACE_VERSION,
  type TraceHeader,
} from './traceHeader.js'
export {
  NO_CAUSE,
  type RowAppender,
  type RowBatch,
  type TraceEntry,
  TraceLog,
  type TraceLogMemory,
  type TraceLogOptions,
} from './traceLog.js'
export type { TraceModel } from './traceModel.js'
export { type QueryMatch, type SeqWindow, TraceQuery } from './traceQuery.js'
export {
  defineSchema,
  type FieldInfo,
  type HighVolumeKindSpec,
  type KindInfo,
  type LowVolumeKindSpec,
  type NumericFieldType,
  type SchemaDescription,
  type TraceEventBase,
  TraceSchema,
  type TraceSchemaSpec,
} from './traceSchema.js'
export {
  collectTrace,
  logEntries,
  type Trace,
  type TraceItem,
  type TraceReadResult,
  type TraceWriteInput,
} from './traceStream.js'
export {
  causeSet,
  type ExportEntries,
  type TraceEntryBatches,
  type TrackArgument,
  type TrackExportOptions,
  type TrackItem,
  type TrackMapping,
} from './trackMapping.js'
export {
  type DigestCheckpoint,
  firstDivergentEvent,
  recordDigests,
  type VerifyResult,
  verify,
} from './verify.js'
