// The model: loading, tokenizing and generating with per-token logprobs.

import {getLlama} from "node-llama-cpp";
import {HttpError} from "./protocol.js";
import {Rng, randomSeed, sample} from "./sampler.js";

// How many preceding tokens the detokenizer sees to place spaces correctly.
const DETOKENIZE_CONTEXT = 4;
// The smallest positive float32: llama.cpp's probabilities are float32.
const MIN_PROBABILITY = 1.401298464324817e-45;

export class Engine {
    // Load the model and create a context with `parallel` sequences of
    // `contextSize` tokens each. gpu: false (CPU), "auto", "cuda", "vulkan"...
    static async load({modelPath, contextSize, threads, gpu = false, parallel = 1, logLevel = "warn"}) {
        const llama = await getLlama({gpu, build: "never", logLevel});
        const model = await llama.loadModel({modelPath});
        const size = contextSize ?? model.trainContextSize;
        if (size > model.trainContextSize)
            throw new Error(`context ${size} is larger than the model's own (${model.trainContextSize})`);
        const context = await model.createContext({contextSize: size, sequences: parallel, threads});
        return new Engine(llama, model, context, size);
    }

    constructor(llama, model, context, contextSize) {
        this.llama = llama;
        this.model = model;
        this.context = context;
        this.contextSize = contextSize;
        this.vocabSize = 0;
        for (const _ of model.iterateAllTokens())
            this.vocabSize++;
        this.bos = model.tokens.shouldPrependBosToken ? model.tokens.bos : null;
        this.free = [];
        for (let i = 0; i < context.totalSequences; i++)
            this.free.push(context.getSequence());
        this.waiting = [];
    }

    get gpu() {
        return this.llama.gpu;
    }

    async close() {
        await this.context.dispose();
        await this.model.dispose();
        await this.llama.dispose();
    }

    // Tokens of text as the model sees it, BOS first when the model wants one.
    tokenize(text) {
        const tokens = this.model.tokenize(text, false);
        return this.bos == null ? tokens : [this.bos, ...tokens];
    }

    // Tokens of text without BOS.
    tokenizeBare(text) {
        return this.model.tokenize(text, false);
    }

    // Text of tokens. Control tokens (BOS, EOS) have no text.
    decode(tokens) {
        for (const [i, t] of tokens.entries()) {
            if (!Number.isInteger(t) || t < 0 || t >= this.vocabSize)
                throw new HttpError(422, `tokens[${i}]: ${t} is not a token id (the vocabulary has ${this.vocabSize})`, "tokens");
        }
        const kept = tokens.filter(t => !this.model.isSpecialToken(t));
        return this.model.detokenize(kept, false);
    }

    // Text of one token following `previous` tokens.
    piece(token, previous) {
        if (this.model.isSpecialToken(token))
            return "";
        return this.model.detokenize([token], false, previous.slice(-DETOKENIZE_CONTEXT));
    }

    // Tokens a prompt of `promptTokens` (no BOS) takes in the context.
    used(promptTokens) {
        return promptTokens.length + (this.bos == null ? 0 : 1);
    }

    async acquire() {
        if (this.free.length > 0)
            return this.free.pop();
        return new Promise(resolve => this.waiting.push(resolve));
    }

    release(seq) {
        const next = this.waiting.shift();
        if (next)
            next(seq);
        else
            this.free.push(seq);
    }

    // Generate a continuation of promptTokens (no BOS).
    //
    // opts: maxNewTokens, temperature, topK, topP, seed (null: random),
    // echo (score the prompt tokens too), top (how many alternatives per
    // token, at least 1), stop (strings that end the completion).
    //
    // Returns {prompt: [entry], completion: [entry], finishReason, seconds}.
    // An entry is {token, text, logprob, top: [{token, text, logprob}]}; the
    // prompt entries are there only with echo. Logprobs are the model's own
    // (log-softmax of its logits), before temperature, top-k and top-p.
    // seconds is the model's time, without the wait for a free sequence.
    async generate(promptTokens, opts) {
        const {maxNewTokens, temperature, topK = 0, topP = 1, echo = false, top = 1, stop = []} = opts;
        const need = this.used(promptTokens) + maxNewTokens;
        if (need > this.contextSize) {
            throw new HttpError(400,
                `the prompt is ${this.used(promptTokens)} tokens and ${maxNewTokens} new tokens were asked for: ` +
                `${need} tokens do not fit the context of ${this.contextSize}`, "prompt");
        }
        const rng = new Rng(opts.seed ?? randomSeed());
        const input = this.bos == null ? [...promptTokens] : [this.bos, ...promptTokens];
        const result = {prompt: [], completion: [], finishReason: "length", seconds: 0};
        if (input.length === 0)
            throw new HttpError(400, "the prompt is empty and the model has no BOS token to start from", "prompt");
        if (!echo && maxNewTokens === 0)
            return result;

        // The full distribution is needed to sample at a temperature and to
        // list more than one alternative; greedy decoding needs only the
        // probability of the chosen (top) token.
        const needMap = temperature > 0 || top > 1;
        const seq = await this.acquire();
        const start = performance.now();
        let iter = null;
        try {
            await seq.clearHistory();
            let dist; // {probabilities?: Map, token, confidence}
            if (echo) {
                const items = input.map(t => [t, {generateNext: {probabilities: true}}]);
                const out = await seq.controlledEvaluate(items);
                if (this.bos == null && input.length > 0)
                    result.prompt.push({token: input[0], text: this.piece(input[0], []), logprob: null, top: []});
                for (let i = 1; i < input.length; i++) {
                    const probs = out[i - 1]?.next?.probabilities;
                    result.prompt.push(this.entry(input[i], probs.get(input[i]) ?? 0, probs, top, input.slice(0, i)));
                }
                const last = out[input.length - 1]?.next?.probabilities;
                dist = {probabilities: last};
                if (maxNewTokens === 0)
                    return result;
            } else {
                iter = seq.evaluateWithMetadata(input, {probabilities: needMap, confidence: !needMap},
                    {temperature: 0, yieldEogToken: true});
                const r = await iter.next();
                if (r.done)
                    throw new Error("the model produced no next token");
                dist = r.value;
            }

            const context = [...input];
            const stopper = new StopMatcher(stop);
            let text = "";
            for (let step = 0; step < maxNewTokens; step++) {
                let token, p;
                if (dist.probabilities) {
                    token = sample(dist.probabilities, {temperature, topK, topP}, rng);
                    p = dist.probabilities.get(token) ?? 0;
                } else {
                    token = dist.token;
                    p = dist.confidence;
                }
                const e = this.entry(token, p, dist.probabilities, top, context);
                context.push(token);
                if (this.model.isEogToken(token)) {
                    e.eos = true;
                    result.completion.push(e);
                    result.finishReason = "stop";
                    break;
                }
                const cut = stopper.find(text, e.text);
                if (cut >= 0) {
                    // The completion ends where the stop sequence starts,
                    // which may be in an earlier token.
                    result.completion.push(e);
                    result.completion = cutAt(result.completion, cut);
                    result.finishReason = "stop";
                    break;
                }
                text += e.text;
                result.completion.push(e);
                if (step === maxNewTokens - 1)
                    break;
                const r = iter == null
                    ? await (iter = seq.evaluateWithMetadata([token], {probabilities: needMap, confidence: !needMap},
                        {temperature: 0, yieldEogToken: true})).next()
                    : await iter.next(token);
                if (r.done)
                    throw new Error("the model stopped producing tokens");
                dist = r.value;
            }
            return result;
        } finally {
            if (iter != null)
                await iter.return();
            result.seconds = (performance.now() - start) / 1000;
            this.release(seq);
        }
    }

    // One token's record: its text, logprob and the top alternatives.
    entry(token, p, probabilities, top, previous) {
        const e = {token, text: this.piece(token, previous), logprob: logOf(p), top: []};
        if (probabilities) {
            for (const [t, q] of probabilities) {
                if (e.top.length >= top)
                    break;
                e.top.push({token: t, text: this.piece(t, previous), logprob: logOf(q)});
            }
        } else {
            // Greedy: the chosen token is the top one.
            e.top.push({token, text: e.text, logprob: e.logprob});
        }
        return e;
    }
}

// The entries whose text makes up the first n characters, the last one
// shortened to end there.
function cutAt(entries, n) {
    const out = [];
    let pos = 0;
    for (const e of entries) {
        if (pos >= n)
            break;
        if (pos + e.text.length > n)
            e.text = e.text.slice(0, n - pos);
        out.push(e);
        pos += e.text.length;
    }
    return out;
}

// log(p), finite even when p underflowed to 0 (JSON has no -Infinity).
function logOf(p) {
    return Math.log(Math.max(p, MIN_PROBABILITY));
}

// Finds the earliest stop sequence in the text generated so far.
class StopMatcher {
    constructor(stops) {
        this.stops = stops.filter(s => s.length > 0);
        this.longest = Math.max(0, ...this.stops.map(s => s.length));
    }

    // Position in (text + piece) where a stop sequence starts, if it ends in
    // piece; -1 when none does.
    find(text, piece) {
        if (this.stops.length === 0)
            return -1;
        const from = Math.max(0, text.length - this.longest + 1);
        const window = text.slice(from) + piece;
        let best = -1;
        for (const s of this.stops) {
            const i = window.indexOf(s);
            if (i >= 0 && (best < 0 || i < best))
                best = i;
        }
        return best < 0 ? -1 : from + best;
    }
}
