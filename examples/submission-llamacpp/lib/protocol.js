// Request validation and response shapes for the challenge protocol
// (/process, /tokenize, /decode) and OpenAI's /v1/completions.

// An error that becomes an HTTP response: {"error": {message, type, param}}.
export class HttpError extends Error {
    constructor(status, message, param = null) {
        super(message);
        this.status = status;
        this.param = param;
    }
}

// Field checks. `status` is 422 for the challenge endpoints (FastAPI's
// validation status) and 400 for the OpenAI ones (OpenAI's).
class Fields {
    constructor(body, status) {
        if (body === null || typeof body !== "object" || Array.isArray(body))
            throw new HttpError(status, "the request body must be a JSON object");
        this.body = body;
        this.status = status;
    }

    fail(name, message) {
        throw new HttpError(this.status, `${name}: ${message}`, name);
    }

    has(name) {
        return this.body[name] !== undefined && this.body[name] !== null;
    }

    string(name, {required = false, def = undefined} = {}) {
        if (!this.has(name)) {
            if (required)
                this.fail(name, "is required");
            return def;
        }
        const v = this.body[name];
        if (typeof v !== "string")
            this.fail(name, `must be a string, got ${describe(v)}`);
        return v;
    }

    integer(name, {def, min = -Infinity, max = Infinity, nullable = false}) {
        if (!this.has(name))
            return this.body[name] === null && nullable ? null : def;
        const v = this.body[name];
        if (typeof v !== "number" || !Number.isSafeInteger(v))
            this.fail(name, `must be an integer, got ${describe(v)}`);
        if (v < min || v > max)
            this.fail(name, range(min, max, v));
        return v;
    }

    number(name, {def, min = -Infinity, max = Infinity}) {
        if (!this.has(name))
            return def;
        const v = this.body[name];
        if (typeof v !== "number" || !Number.isFinite(v))
            this.fail(name, `must be a number, got ${describe(v)}`);
        if (v < min || v > max)
            this.fail(name, range(min, max, v));
        return v;
    }

    boolean(name, {def}) {
        if (!this.has(name))
            return def;
        const v = this.body[name];
        if (typeof v !== "boolean")
            this.fail(name, `must be true or false, got ${describe(v)}`);
        return v;
    }
}

function describe(v) {
    if (v === null)
        return "null";
    if (Array.isArray(v))
        return "an array";
    if (typeof v === "string")
        return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v)}`;
    return `${typeof v} ${JSON.stringify(v)}`;
}

function range(min, max, v) {
    if (max === Infinity)
        return `must be at least ${min}, got ${v}`;
    if (min === -Infinity)
        return `must be at most ${max}, got ${v}`;
    return `must be between ${min} and ${max}, got ${v}`;
}

// POST /process. Defaults as in the 2023 challenge's ProcessRequest.
export function parseProcess(body) {
    const f = new Fields(body, 422);
    const req = {
        prompt: f.string("prompt", {required: true}),
        numSamples: f.integer("num_samples", {def: 1, min: 1}),
        maxNewTokens: f.integer("max_new_tokens", {def: 50, min: 0}),
        topK: f.integer("top_k", {def: 200, min: 0, nullable: true}),
        temperature: f.number("temperature", {def: 0.8, min: 0}),
        seed: f.integer("seed", {def: null, nullable: true}),
        // Like the 2023 servers: the prompt is echoed unless echo_prompt is false.
        echoPrompt: f.boolean("echo_prompt", {def: true})
    };
    if (req.numSamples !== 1)
        f.fail("num_samples", `only 1 sample per request is supported, got ${req.numSamples}`);
    return req;
}

// POST /tokenize.
export function parseTokenize(body) {
    const f = new Fields(body, 422);
    return {
        text: f.string("text", {required: true}),
        truncation: f.boolean("truncation", {def: true}),
        maxLength: f.integer("max_length", {def: 2048, min: 1})
    };
}

// POST /decode.
export function parseDecode(body) {
    const f = new Fields(body, 422);
    if (!f.has("tokens"))
        f.fail("tokens", "is required");
    const tokens = body.tokens;
    if (!Array.isArray(tokens))
        f.fail("tokens", `must be an array of token ids, got ${describe(tokens)}`);
    for (const [i, t] of tokens.entries()) {
        if (typeof t !== "number" || !Number.isSafeInteger(t) || t < 0)
            throw new HttpError(422, `tokens[${i}]: must be a token id (an integer >= 0), got ${describe(t)}`, "tokens");
    }
    return {tokens};
}

// The most alternatives per token /v1/completions lists (vLLM's default cap).
export const MAX_LOGPROBS = 20;

// POST /v1/completions. Defaults as in OpenAI's legacy completions API.
export function parseCompletion(body) {
    const f = new Fields(body, 400);
    let prompt = body.prompt;
    if (Array.isArray(prompt)) {
        if (prompt.length !== 1 || typeof prompt[0] !== "string")
            f.fail("prompt", "must be a string or an array of exactly one string");
        prompt = prompt[0];
    } else {
        prompt = f.string("prompt", {required: true});
    }
    let stop = [];
    if (f.has("stop")) {
        stop = typeof body.stop === "string" ? [body.stop] : body.stop;
        if (!Array.isArray(stop) || stop.some(s => typeof s !== "string" || s.length === 0))
            f.fail("stop", "must be a non-empty string or an array of non-empty strings");
    }
    if (f.boolean("stream", {def: false}))
        f.fail("stream", "streaming is not supported; send stream: false");
    const req = {
        model: f.string("model", {def: null}),
        prompt,
        maxTokens: f.integer("max_tokens", {def: 16, min: 0}),
        temperature: f.number("temperature", {def: 1, min: 0}),
        topP: f.number("top_p", {def: 1, min: 0, max: 1}),
        // llama.cpp's and vLLM's extension; 0 or -1 disables it.
        topK: f.integer("top_k", {def: 0, min: -1}),
        n: f.integer("n", {def: 1, min: 1}),
        bestOf: f.integer("best_of", {def: 1, min: 1}),
        echo: f.boolean("echo", {def: false}),
        logprobs: f.integer("logprobs", {def: null, min: 0, max: MAX_LOGPROBS, nullable: true}),
        seed: f.integer("seed", {def: null, nullable: true}),
        stop
    };
    if (req.topP === 0)
        f.fail("top_p", "must be greater than 0");
    if (req.n !== 1)
        f.fail("n", `only 1 completion per request is supported, got ${req.n}`);
    if (req.bestOf !== 1)
        f.fail("best_of", `only best_of 1 is supported, got ${req.bestOf}`);
    return req;
}

// The challenge's Token list: {text, logprob, top_logprob: {text: logprob}}.
export function challengeTokens(entries) {
    return entries.filter(e => e.logprob != null).map(e => ({
        text: e.text,
        logprob: e.logprob,
        top_logprob: Object.fromEntries(e.top.slice(0, 1).map(t => [t.text, t.logprob]))
    }));
}

// Logprobs of /v1/completions in the legacy shape (OpenAI, vLLM):
// {tokens, token_logprobs, top_logprobs: [{text: logprob}], text_offset}.
export function legacyLogprobs(entries, n, offset) {
    const out = {tokens: [], token_logprobs: [], top_logprobs: [], text_offset: []};
    let pos = offset;
    for (const e of entries) {
        out.tokens.push(e.text);
        out.token_logprobs.push(e.logprob);
        // Several tokens can share a text (byte pieces); keep the likeliest.
        const top = {};
        for (const t of e.top.slice(0, n)) {
            if (!(t.text in top))
                top[t.text] = t.logprob;
        }
        out.top_logprobs.push(e.logprob == null ? null : top);
        out.text_offset.push(pos);
        pos += e.text.length;
    }
    return out;
}

// Logprobs of /v1/completions in llama.cpp server's shape:
// {content: [{id, token, logprob, bytes, top_logprobs: [{id, token, logprob, bytes}]}]}.
export function llamacppLogprobs(entries, n) {
    const item = t => ({id: t.token, token: t.text, logprob: t.logprob, bytes: [...Buffer.from(t.text, "utf8")]});
    return {
        content: entries.filter(e => e.logprob != null).map(e => ({
            ...item(e),
            top_logprobs: e.top.slice(0, n).map(item)
        }))
    };
}
