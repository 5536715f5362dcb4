/**
 * Columnar exports of a read plan: an Arrow IPC stream (apache-arrow's
 * RecordBatchStreamWriter) or a Parquet file (parquet-wasm: the Rust arrow-rs
 * writer compiled to WebAssembly), one record batch / row group in memory at
 * a time. Each yields the bytes to send, in order; a failure anywhere is
 * thrown, never turned into a short but well-formed file.
 */
import { AsyncByteQueue, RecordBatch, RecordBatchStreamWriter, Schema, Table, tableToIPC, Utf8 } from 'apache-arrow';
import type * as ParquetWasm from 'parquet-wasm';
import { BATCH_ROWS, columnarSchema, recordBatches } from './columnar-batches';
import type { ReadPlan } from '../read-plan';

export const COLUMNAR_FORMATS = ['parquet', 'arrow'] as const;
export type ColumnarFormat = (typeof COLUMNAR_FORMATS)[number];

export const COLUMNAR_MEDIA_TYPES: Record<ColumnarFormat, string> = {
  parquet: 'application/vnd.apache.parquet',
  arrow: 'application/vnd.apache.arrow.stream',
};
/** `.arrows` is the extension registered for the Arrow IPC stream format. */
export const COLUMNAR_EXTENSIONS: Record<ColumnarFormat, string> = { parquet: 'parquet', arrow: 'arrows' };

/** A Parquet row group may also end earlier, once its encoded columns reach this size. */
const ROW_GROUP_BYTES = 32 * 1024 * 1024;
const PARQUET_MAGIC = Buffer.from('PAR1');

export function columnarExport(plan: ReadPlan, format: ColumnarFormat): AsyncGenerator<Uint8Array> {
  const schema = columnarSchema(plan);
  const batches = recordBatches(schema, plan.rows);
  return format === 'arrow' ? arrowStream(batches) : parquetFile(schema, batches);
}

/** Hands over, synchronously, what the writer wrote: its own queue would buffer the whole stream if read late. */
class TakenBytes extends AsyncByteQueue {
  private chunks: Uint8Array[] = [];

  override write(value: Uint8Array): void {
    if (value.byteLength > 0) this.chunks.push(value);
  }

  take(): Buffer {
    const bytes = Buffer.concat(this.chunks);
    this.chunks = [];
    return bytes;
  }
}

async function* arrowStream(batches: AsyncGenerator<RecordBatch>): AsyncGenerator<Uint8Array> {
  const sink = new TakenBytes();
  const writer = new RecordBatchStreamWriter().reset(sink);
  for await (const batch of batches) {
    writer.write(batch);
    yield sink.take();
  }
  writer.finish();
  yield sink.take();
}

let parquetWasm: Promise<typeof ParquetWasm> | undefined;

/** Loaded on first use: compiling its 5 MB of WebAssembly is for services that export Parquet. */
function loadParquetWasm(): Promise<typeof ParquetWasm> {
  parquetWasm ??= import('parquet-wasm');
  return parquetWasm;
}

/**
 * The batches through parquet-wasm's streaming writer. That writer skips
 * batches it fails to read or write and ends its output as if all were well,
 * so this keeps its own account: a failure of the batches is rethrown once the
 * output ends, and output that does not end with the Parquet footer's magic
 * is an error too.
 */
async function* parquetFile(schema: Schema, batches: AsyncGenerator<RecordBatch>): AsyncGenerator<Uint8Array> {
  const wasm = await loadParquetWasm();
  const state: { failure?: Error; done: boolean } = { done: false };
  let feed: ReadableStreamDefaultController | undefined;
  const input = new ReadableStream(
    {
      start: (controller) => void (feed = controller),
      // Pulled only as the writer needs a batch: one batch is in WebAssembly memory at a time.
      pull: async (controller) => {
        try {
          const next = await batches.next();
          if (state.done) return;
          if (next.done) {
            state.done = true;
            controller.close();
          } else {
            // Into WebAssembly memory through Arrow IPC; the table is freed now, not when the garbage collector gets to it.
            const table = wasm.Table.fromIPCStream(tableToIPC(new Table(next.value), 'stream'));
            controller.enqueue(table.recordBatch(0));
            table.free();
          }
        } catch (error) {
          if (state.done) return;
          state.failure = error instanceof Error ? error : new Error(String(error));
          controller.error(error);
        }
      },
    },
    { highWaterMark: 0 },
  );
  // Dictionaries pay for repeated strings; for timestamps and measurements the writer would fill one only to give it up
  // (seven times slower, and larger, for a million points of three numbers).
  let builder = new wasm.WriterPropertiesBuilder()
    .setCompression(wasm.Compression.SNAPPY)
    .setMaxRowGroupSize(BATCH_ROWS)
    .setMaxRowGroupBytes(ROW_GROUP_BYTES)
    .setKeyValueMetadata(new Map(schema.metadata))
    .setDictionaryEnabled(false);
  for (const field of schema.fields) if (field.type instanceof Utf8) builder = builder.setColumnDictionaryEnabled(field.name, true);
  const properties = builder.build();
  let tail = Buffer.alloc(0);
  try {
    // It fails at once when the first batch does not come: with the failure of the batches, if that is why.
    const output = (await wasm.transformParquetStream(input, properties).catch((error: unknown) => {
      throw state.failure ?? error;
    })) as ReadableStream<Uint8Array>;
    for await (const chunk of output) {
      tail = Buffer.concat([tail, chunk.subarray(-PARQUET_MAGIC.length)]).subarray(-PARQUET_MAGIC.length);
      yield chunk;
    }
    if (state.failure !== undefined) throw state.failure;
    if (!state.done || !tail.equals(PARQUET_MAGIC)) throw new Error('the Parquet writer ended its output before the footer');
  } finally {
    // A download abandoned midway: end the writer's input, so that it finishes and frees its memory.
    if (!state.done && state.failure === undefined) {
      state.done = true;
      feed?.close();
      await batches.return(undefined);
    }
  }
}
