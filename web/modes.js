// The input modes: where the pipeline's inputs come from. Each is a record; the page shows the
// chapter-3 pipeline for whatever a mode feeds it. A mode lists the parameters it owns (rows of
// params.js), says how many tokens a state has, and feeds the pipeline { tokens, x (T × d_in) }.
// Its panel (mount) edits those parameters through the store.
//
// The next modes ("Your sentence": text -> GPT-2 tokens -> seeded embeddings; "Inside a GPT
// model") are more records here, with their parameters in params.js and their panels in their
// own folders. The store computes synchronously: what loads asynchronously (the tokenizer's data,
// a model's weights) is loaded by the mode's panel, which then calls store.set. A mode may give
// `compute(attn, state)` in place of feeding the chapter-3 variants (a model's layer and head),
// returning a result in the shape of chapter3/compute.js's, which the pipeline draws as it is.
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
