// The input modes: where the pipeline's inputs come from. Each is a record; the page shows the
// chapter-3 pipeline for whatever a mode feeds it. A mode lists the parameters it owns (rows of
// params.js), says how many tokens a state has, and feeds the pipeline { tokens, x (T × d_in) }.
// Its panel (mount) edits those parameters through the store.
//
// The next modes ("Your sentence": text -> GPT-2 tokens -> seeded embeddings; "Inside a GPT
// model") are more records here, with their parameters in params.js and their panels in their
// own folders. A mode may also give `prepare(attn)` (async: load a tokenizer or weights before its
// first compute) and `compute(attn, state)` (its own result, e.g. a model's head, in the shape of
// chapter3/compute.js's).
import { mountEmbeddings } from './embeddings/panel.js';

export const INPUT_MODES = [
  {
    id: 'embeddings',
    label: 'Token embeddings',
    params: ['tokens', 'x'],
    length: (s) => s.x.length,
    feed: (s) => ({ tokens: s.tokens, x: s.x }),
    mount: mountEmbeddings,
  },
];

export const inputMode = (id) => INPUT_MODES.find((m) => m.id === id) ?? INPUT_MODES[0];
