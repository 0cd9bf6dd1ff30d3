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

const perRound = rounds.map(({ ours, theirs }) => ({
  ours_raw_genai_loop: ours.rawDecodeTokensPerSecond,
  ours_library_loop: ours.libraryDecodeTokensPerSecond,
  ours_chat_client: ours.decodeTokensPerSecond,
  transformers_js: theirs.decode_tokens_per_second,
  ratio_raw_genai_loop: ours.rawDecodeTokensPerSecond / theirs.decode_tokens_per_second,
  ratio_library_loop: ours.libraryDecodeTokensPerSecond / theirs.decode_tokens_per_second,
  ratio_chat_client: ours.decodeTokensPerSecond / theirs.decode_tokens_per_second,
  ours_ttft_cold_ms: ours.timeToFirstTokenColdMs,
  transformers_js_ttft_ms: theirs.time_to_first_token_ms,
}));

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
    ours_raw_genai_loop: median(perRound.map((r) => r.ours_raw_genai_loop)),
    ours_library_loop: median(perRound.map((r) => r.ours_library_loop)),
    ours_chat_client: median(perRound.map((r) => r.ours_chat_client)),
    transformers_js: median(perRound.map((r) => r.transformers_js)),
  },
  median_decode_ratio: {
    raw_genai_loop: median(perRound.map((r) => r.ratio_raw_genai_loop)),
    library_loop: median(perRound.map((r) => r.ratio_library_loop)),
    chat_client: median(perRound.map((r) => r.ratio_chat_client)),
  },
  target_decode_ratio: 1.5,
};
summary.target_met = summary.same_greedy_tokens && summary.median_decode_ratio.chat_client >= 1.5;
process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
