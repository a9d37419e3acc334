// Child process for memory.test.mjs: a fresh instance (its heap has never grown), GPT-2 small's
// shape with 2 blocks; prints the heap around stateDict() and loadStateDict() as JSON.
// argv: the package entry's file URL.
const { init } = await import(process.argv[2]);
const attn = await init({ warmUp: false });
const cfg = { ...attn.GPT_CONFIG_124M, n_layers: 2 };
attn.manualSeed(123);
const a = new attn.GPTModel(cfg);
const built = attn.memory();
const sd = a.stateDict();
const afterRead = attn.memory();
a.free();
const b = new attn.GPTModel(cfg);
const rebuilt = attn.memory();
b.loadStateDict(sd);
const afterLoad = attn.memory();
const same = Object.entries(b.stateDict()).every(([k, t]) => t.data.every((v, i) => Object.is(v, sd[k].data[i])));
const largest = Math.max(...Object.values(sd).map((t) => t.data.byteLength));
const total = Object.values(sd).reduce((n, t) => n + t.data.byteLength, 0);
console.log(JSON.stringify({ built, afterRead, rebuilt, afterLoad, same, largest, total }));
