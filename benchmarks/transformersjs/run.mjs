// Greedy PaliGemma generation with transformers.js (offline) on a folder written by
// `paligemma convert --layout transformers-js`. Prints one JSON object on stdout (progress goes to stderr).
//
//   node run.mjs --model DIR --image FILE [--prompt "caption en"] [--tokens 16] [--runs 2] [--threads 1]
//
// Timing per run (after one warm-up): the request starts at `processor(image, prompt)`; "first token" is the first
// generated token reaching the streamer (vision encoder + embeddings + prefill + one sampling step); decode
// tokens/s = (tokens − 1) / (last − first token time), the definition `paligemma bench` uses. Medians over runs.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import {
  env,
  AutoProcessor,
  PaliGemmaForConditionalGeneration,
  RawImage,
  BaseStreamer,
} from '@huggingface/transformers';

function parseArgs(argv) {
  const args = { prompt: 'caption en', tokens: 16, runs: 2, threads: 1 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`Option --${key} needs a value.`);
    args[key] = ['tokens', 'runs', 'threads'].includes(key) ? Number.parseInt(value, 10) : value;
  }
  if (!args.model || !args.image) {
    throw new Error('Usage: node run.mjs --model DIR --image FILE [--prompt TEXT] [--tokens N] [--runs N] [--threads N]');
  }
  for (const key of ['tokens', 'runs', 'threads']) {
    if (!Number.isInteger(args[key]) || args[key] < 1) throw new Error(`--${key} must be a positive integer, got ${args[key]}.`);
  }
  return args;
}

/** Records the time at which each generated token arrives (the first put() carries the prompt). */
class TimingStreamer extends BaseStreamer {
  constructor() {
    super();
    this.promptSeen = false;
    this.times = [];
  }
  put(value) {
    if (!this.promptSeen) {
      this.promptSeen = true;
      return;
    }
    this.times.push(performance.now());
  }
  end() {}
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const log = (message) => process.stderr.write(`[transformers.js] ${message}\n`);

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const folder = path.resolve(args.model);

  // Offline: only local files, resolved as <localModelPath>/<model id>/...
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = path.dirname(folder) + path.sep;
  const modelId = path.basename(folder);

  log(`loading ${folder} with ${args.threads} intra-op thread(s)`);
  let clock = performance.now();
  const processor = await AutoProcessor.from_pretrained(modelId);
  const model = await PaliGemmaForConditionalGeneration.from_pretrained(modelId, {
    device: 'cpu',
    session_options: { intraOpNumThreads: args.threads, interOpNumThreads: 1 },
  });
  const loadMs = performance.now() - clock;
  const image = await RawImage.read(path.resolve(args.image));

  // The processor expands the leading "<image>" to N image tokens, inserts <bos> after them and appends "\n";
  // add_special_tokens: false keeps the tokenizer from prepending a second <bos> (Gemma's post-processor would),
  // so the ids equal this library's prompt ids (<image>×N, <bos>, prefix, "\n").
  const generateOnce = async () => {
    const streamer = new TimingStreamer();
    const start = performance.now();
    const inputs = await processor(image, '<image>' + args.prompt, { add_special_tokens: false });
    const output = await model.generate({ ...inputs, max_new_tokens: args.tokens, do_sample: false, streamer });
    const end = performance.now();
    const promptLength = inputs.input_ids.dims.at(-1);
    const ids = Array.from(output.slice(null, [promptLength, null]).data, Number);
    const t = streamer.times;
    return {
      promptIds: Array.from(inputs.input_ids.data, Number),
      ids,
      ttftMs: t[0] - start,
      decodeTps: t.length > 1 ? (t.length - 1) / ((t[t.length - 1] - t[0]) / 1000) : 0,
      totalMs: end - start,
    };
  };

  log('warm-up');
  const first = await generateOnce();
  const runs = [];
  for (let r = 0; r < args.runs; r++) {
    log(`run ${r + 1}/${args.runs}`);
    runs.push(await generateOnce());
  }

  const installed = (name) =>
    JSON.parse(readFileSync(new URL(`./node_modules/${name}/package.json`, import.meta.url), 'utf8')).version;
  const versions = {
    node: process.versions.node,
    transformers: installed('@huggingface/transformers'),
    onnxruntime_node: installed('onnxruntime-node'),
  };
  const eos = new Set([model.generation_config?.eos_token_id ?? model.config.eos_token_id].flat());
  const shown = first.ids.filter((id) => !eos.has(id));
  const result = {
    model: folder,
    dtype: model.config['transformers.js_config']?.dtype ?? 'fp32',
    threads: args.threads,
    runs: args.runs,
    versions,
    load_ms: loadMs,
    prompt_tokens: first.promptIds.length,
    prompt_token_ids: first.promptIds,
    token_ids: first.ids,
    text: processor.tokenizer.decode(shown, { skip_special_tokens: false }),
    same_tokens_every_run: runs.every((run) => JSON.stringify(run.ids) === JSON.stringify(first.ids)),
    generated_tokens: first.ids.length,
    time_to_first_token_ms: median(runs.map((run) => run.ttftMs)),
    decode_tokens_per_second: median(runs.map((run) => run.decodeTps)),
    total_ms: median(runs.map((run) => run.totalMs)),
  };
  await model.dispose();
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

main().catch((error) => {
  process.stderr.write(`[transformers.js] ${error?.stack ?? error}\n`);
  process.exit(1);
});
