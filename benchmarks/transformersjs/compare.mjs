// Compares a `paligemma bench --json` result with a `run.mjs` result: prompt ids, greedy token ids, decode ratio.
// Usage: node compare.mjs OURS.json TRANSFORMERSJS.json   (prints one JSON object; exit code 0 either way)
import { readFileSync } from 'node:fs';

const [oursPath, theirsPath] = process.argv.slice(2);
if (!oursPath || !theirsPath) {
  process.stderr.write('Usage: node compare.mjs OURS.json TRANSFORMERSJS.json\n');
  process.exit(2);
}

const ours = JSON.parse(readFileSync(oursPath, 'utf8'));
const theirs = JSON.parse(readFileSync(theirsPath, 'utf8'));
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const firstDifference = (a, b) => {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return -1;
};

const summary = {
  model: ours.model,
  precision: ours.precision,
  transformers_js_dtype: theirs.dtype,
  threads: { ours: ours.threads, transformers_js: theirs.threads },
  runs: { ours: ours.runs, transformers_js: theirs.runs },
  versions: theirs.versions,
  prompt_tokens: ours.promptTokenIds.length,
  same_prompt_ids: same(ours.promptTokenIds, theirs.prompt_token_ids),
  generated_tokens: { ours: ours.outputTokenIds.length, transformers_js: theirs.token_ids.length },
  same_greedy_tokens: same(ours.outputTokenIds, theirs.token_ids),
  first_differing_token: firstDifference(ours.outputTokenIds, theirs.token_ids),
  ours_token_ids: ours.outputTokenIds,
  transformers_js_token_ids: theirs.token_ids,
  decode_tokens_per_second: {
    ours_raw_genai_loop: ours.rawDecodeTokensPerSecond,
    ours_library_loop: ours.libraryDecodeTokensPerSecond,
    ours_chat_client: ours.decodeTokensPerSecond,
    transformers_js: theirs.decode_tokens_per_second,
  },
  decode_ratio: {
    raw_genai_loop: ours.rawDecodeTokensPerSecond / theirs.decode_tokens_per_second,
    library_loop: ours.libraryDecodeTokensPerSecond / theirs.decode_tokens_per_second,
    chat_client: ours.decodeTokensPerSecond / theirs.decode_tokens_per_second,
  },
  time_to_first_token_ms: {
    ours_chat_client_cold: ours.timeToFirstTokenColdMs,
    ours_raw_loop_after_vision: ours.rawTimeToFirstTokenMs,
    ours_vision: ours.visionMs,
    transformers_js_including_vision: theirs.time_to_first_token_ms,
  },
  target_decode_ratio: 1.5,
};
summary.target_met = summary.same_greedy_tokens && summary.decode_ratio.chat_client >= 1.5;
process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
