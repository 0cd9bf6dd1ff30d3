// Compares `paligemma bench --json` results with `run.mjs` results of the same rounds: prompt ids, greedy token ids,
// decode ratios per round and their medians.
// Usage: node compare.mjs OURS_1.json TRANSFORMERSJS_1.json [OURS_2.json TRANSFORMERSJS_2.json ...]
// Prints one JSON object; exit code 0 whatever the outcome (2 on bad arguments).
import { readFileSync } from 'node:fs';

const paths = process.argv.slice(2);
if (paths.length === 0 || paths.length % 2 !== 0) {
  process.stderr.write('Usage: node compare.mjs OURS.json TRANSFORMERSJS.json [OURS.json TRANSFORMERSJS.json ...]\n');
  process.exit(2);
}

const read = (path) => JSON.parse(readFileSync(path, 'utf8'));
const rounds = [];
for (let i = 0; i < paths.length; i += 2) rounds.push({ ours: read(paths[i]), theirs: read(paths[i + 1]) });

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const firstDifference = (a, b) => {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return -1;
};

// The chat client is timed on streamed text: its figures are per token only when every generated id streams text at
// once (`chatStreamsEveryToken`). Random weights pick special tokens and byte ids whose text comes later or never;
// then its first-to-last span is short and its TTFT late, and its figures are not available (null).
const chat = (ours) => (ours.decodeTokensPerSecond > 0 && ours.chatStreamsEveryToken !== false ? ours.decodeTokensPerSecond : null);
const perRound = rounds.map(({ ours, theirs }) => ({
  ours_raw_genai_loop: ours.rawDecodeTokensPerSecond,
  ours_library_loop: ours.libraryDecodeTokensPerSecond,
  ours_chat_client: chat(ours),
  transformers_js: theirs.decode_tokens_per_second,
  ratio_raw_genai_loop: ours.rawDecodeTokensPerSecond / theirs.decode_tokens_per_second,
  ratio_library_loop: ours.libraryDecodeTokensPerSecond / theirs.decode_tokens_per_second,
  ratio_chat_client: chat(ours) === null ? null : chat(ours) / theirs.decode_tokens_per_second,
  ours_ttft_chat_cold_ms: chat(ours) === null ? null : ours.timeToFirstTokenColdMs,
  ours_ttft_vision_plus_raw_loop_ms: ours.visionMs + ours.rawTimeToFirstTokenMs,
  transformers_js_ttft_ms: theirs.time_to_first_token_ms,
}));
const medianOf = (key) => {
  const values = perRound.map((r) => r[key]).filter((v) => v !== null);
  return values.length ? median(values) : null;
};

const { ours, theirs } = rounds[0];
const summary = {
  model: ours.model,
  precision: ours.precision,
  transformers_js_dtype: theirs.dtype,
  threads: { ours: ours.threads, transformers_js: theirs.threads },
  runs_per_round: { ours: ours.runs, transformers_js: theirs.runs },
  rounds: rounds.length,
  versions: theirs.versions,
  prompt_tokens: ours.promptTokenIds.length,
  same_prompt_ids: rounds.every((r) => same(r.ours.promptTokenIds, r.theirs.prompt_token_ids)),
  same_greedy_tokens: rounds.every((r) => same(r.ours.outputTokenIds, r.theirs.token_ids)),
  first_differing_token: firstDifference(ours.outputTokenIds, theirs.token_ids),
  distinct_tokens: new Set(ours.outputTokenIds).size,
  ours_token_ids: ours.outputTokenIds,
  transformers_js_token_ids: theirs.token_ids,
  per_round: perRound,
  median_decode_tokens_per_second: {
    ours_raw_genai_loop: medianOf('ours_raw_genai_loop'),
    ours_library_loop: medianOf('ours_library_loop'),
    ours_chat_client: medianOf('ours_chat_client'),
    transformers_js: medianOf('transformers_js'),
  },
  median_decode_ratio: {
    raw_genai_loop: medianOf('ratio_raw_genai_loop'),
    library_loop: medianOf('ratio_library_loop'),
    chat_client: medianOf('ratio_chat_client'),
  },
  median_time_to_first_token_ms: {
    ours_vision_plus_raw_loop: medianOf('ours_ttft_vision_plus_raw_loop_ms'),
    ours_chat_client_cold: medianOf('ours_ttft_chat_cold_ms'),
    transformers_js: medianOf('transformers_js_ttft_ms'),
  },
  target_decode_ratio: 1.5,
};
// The target is on what users get: the chat client, or the library loop when the chat client streamed no text.
const decisive = summary.median_decode_ratio.chat_client ?? summary.median_decode_ratio.library_loop;
summary.target_met = summary.same_greedy_tokens && decisive >= 1.5;
process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
