#!/usr/bin/env node
// A sample submission for the challenge protocol, over node-llama-cpp.
// Usage: node server.js --model FILE.gguf [--port 8080] [--host 127.0.0.1]
// Run with --help for every option.

import {basename} from "node:path";
import {parseArgs} from "node:util";
import {createApp} from "./lib/app.js";
import {Engine} from "./lib/engine.js";

const usage = `usage: node server.js --model FILE.gguf [options]

Serves POST /process, /tokenize, /decode (the 2023 challenge protocol) and
POST /v1/completions (OpenAI-compatible), plus GET /health and /v1/models.

options (each also read from the environment variable in brackets):
  --model FILE         GGUF model to load [MODEL_PATH] (required)
  --host ADDR          address to listen on [HOST] (default 127.0.0.1; 0.0.0.0 in a container)
  --port N             port to listen on, 0 for any free one [PORT] (default 8080)
  --context N          context length in tokens [CONTEXT] (default: the model's own)
  --threads N          CPU threads per evaluation [THREADS] (default 1; 0 = all cores)
  --gpu KIND           false, auto, cuda, vulkan or metal [GPU] (default false: CPU only)
  --parallel N         requests evaluated at once, each with its own context [PARALLEL] (default 1)
  --logprobs-format F  /v1/completions logprobs: legacy or llamacpp [LOGPROBS_FORMAT] (default legacy)
  --prompt-log FILE    append each prompt received, as a JSON line [PROMPT_LOG]
  --max-body BYTES     largest request body accepted [MAX_BODY] (default 16777216)
  --help               show this help`;

function fail(message) {
    console.error(`server.js: ${message}\n\n${usage}`);
    process.exit(2);
}

let args;
try {
    args = parseArgs({
        options: {
            "model": {type: "string"},
            "host": {type: "string"},
            "port": {type: "string"},
            "context": {type: "string"},
            "threads": {type: "string"},
            "gpu": {type: "string"},
            "parallel": {type: "string"},
            "logprobs-format": {type: "string"},
            "prompt-log": {type: "string"},
            "max-body": {type: "string"},
            "help": {type: "boolean", short: "h"}
        }
    }).values;
} catch (err) {
    fail(err.message);
}
if (args.help) {
    console.log(usage);
    process.exit(0);
}

const env = process.env;
const option = (name, envName, def) => args[name] ?? (env[envName] ? env[envName] : def);
function integer(name, envName, def, min) {
    const raw = option(name, envName, undefined);
    if (raw === undefined)
        return def;
    const v = Number(raw);
    if (!Number.isSafeInteger(v) || v < min)
        fail(`--${name} (or ${envName}) must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
    return v;
}

const modelPath = option("model", "MODEL_PATH", undefined);
if (!modelPath)
    fail("--model (or MODEL_PATH) is required");
const host = option("host", "HOST", "127.0.0.1");
const port = integer("port", "PORT", 8080, 0);
const contextSize = integer("context", "CONTEXT", undefined, 1);
const threads = integer("threads", "THREADS", 1, 0);
const parallel = integer("parallel", "PARALLEL", 1, 1);
const maxBody = integer("max-body", "MAX_BODY", 16 << 20, 1);
let gpu = option("gpu", "GPU", "false");
if (!["false", "auto", "cuda", "vulkan", "metal"].includes(gpu))
    fail(`--gpu must be false, auto, cuda, vulkan or metal, got ${JSON.stringify(gpu)}`);
gpu = gpu === "false" ? false : gpu;
const logprobsFormat = option("logprobs-format", "LOGPROBS_FORMAT", "legacy");
if (!["legacy", "llamacpp"].includes(logprobsFormat))
    fail(`--logprobs-format must be legacy or llamacpp, got ${JSON.stringify(logprobsFormat)}`);
const promptLog = option("prompt-log", "PROMPT_LOG", null);

let engine;
try {
    engine = await Engine.load({modelPath, contextSize, threads, gpu, parallel});
} catch (err) {
    console.error(`server.js: cannot load ${modelPath}: ${err.message}`);
    process.exit(1);
}
const modelName = basename(modelPath).replace(/\.gguf$/i, "");
const server = createApp(engine, {modelName, maxBody, promptLog, logprobsFormat});

server.on("error", err => {
    console.error(`server.js: cannot listen on ${host}:${port}: ${err.message}`);
    process.exit(1);
});
server.listen(port, host, () => {
    const address = server.address();
    const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
    console.error(`model ${modelName}: context ${engine.contextSize} tokens, vocabulary ${engine.vocabSize}, ` +
        `gpu ${engine.gpu || "none"}, threads ${threads}, parallel ${parallel}`);
    // Tests and scripts wait for this line.
    console.log(`listening on http://${shown}:${address.port}`);
});

async function shutdown() {
    server.close();
    server.closeAllConnections();
    await engine.close();
    process.exit(0);
}
process.once("SIGINT", shutdown);
process.once("SIGTERM", shutdown);
