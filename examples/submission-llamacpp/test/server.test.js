// The server over the real model in ../shared/models (skipped when it is
// missing, except under CI=true).

import assert from "node:assert/strict";
import {existsSync} from "node:fs";
import {dirname, join} from "node:path";
import {after, before, describe, test} from "node:test";
import {fileURLToPath} from "node:url";
import {createApp} from "../lib/app.js";
import {Engine} from "../lib/engine.js";

const here = dirname(fileURLToPath(import.meta.url));
// Like podium/internal/sharedtest: $PODIUM_SHARED, else shared/ beside the checkout.
const shared = process.env.PODIUM_SHARED || join(here, "../../../../shared");
const modelPath = process.env.MODEL_PATH || join(shared, "models/wordnet-tiny-llama-1m-ctx1024-f32.gguf");
const haveModel = existsSync(modelPath);
if (!haveModel && process.env.CI === "true")
    throw new Error(`the test model ${modelPath} is missing`);

describe("server over the real model", {skip: haveModel ? false : `no model at ${modelPath}`}, () => {
    let engine, legacy, llamacpp;

    async function listen(app) {
        await new Promise(resolve => app.listen(0, "127.0.0.1", resolve));
        return `http://127.0.0.1:${app.address().port}`;
    }

    before(async () => {
        engine = await Engine.load({modelPath, threads: 1});
        const apps = [
            createApp(engine, {modelName: "tiny", maxBody: 1 << 20}),
            createApp(engine, {modelName: "tiny", logprobsFormat: "llamacpp"})
        ];
        legacy = {app: apps[0], url: await listen(apps[0])};
        llamacpp = {app: apps[1], url: await listen(apps[1])};
    });

    after(async () => {
        legacy?.app.close();
        llamacpp?.app.close();
        await engine?.close();
    });

    async function post(path, body, base = legacy.url) {
        const res = await fetch(base + path, {method: "POST", body: typeof body === "string" ? body : JSON.stringify(body)});
        return {status: res.status, body: await res.json()};
    }

    async function ok(path, body, base) {
        const r = await post(path, body, base);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        return r.body;
    }

    const prompt = "oversee (verb): watch and direct.\nharbor (noun):";

    test("/tokenize puts BOS first and honours truncation and max_length", async () => {
        const full = await ok("/tokenize", {text: prompt});
        assert.equal(full.tokens[0], 1);
        assert.ok(full.tokens.length > 10);
        assert.equal(typeof full.request_time, "number");
        assert.deepEqual((await ok("/tokenize", {text: prompt, max_length: 5})).tokens, full.tokens.slice(0, 5));
        assert.deepEqual((await ok("/tokenize", {text: prompt, max_length: 5, truncation: false})).tokens, full.tokens);
    });

    test("/decode inverts /tokenize", async () => {
        for (const text of [prompt, "Question: 2 + 2 = ?\nAnswer:", "naïve café ☕"]) {
            const {tokens} = await ok("/tokenize", {text});
            assert.equal((await ok("/decode", {tokens})).text, text);
        }
        const r = await post("/decode", {tokens: [1, 99999]});
        assert.equal(r.status, 422);
        assert.match(r.body.error.message, /tokens\[1\]: 99999 is not a token id/);
    });

    test("/process at temperature 0 is repeatable, with consistent logprobs", async () => {
        const req = {prompt, max_new_tokens: 20, temperature: 0, echo_prompt: false};
        const a = await ok("/process", req);
        const b = await ok("/process", {...req, seed: 99});
        assert.deepEqual(b.tokens, a.tokens);
        assert.equal(a.text, b.text);
        assert.ok(a.tokens.length > 0 && a.tokens.length <= 20);
        assert.equal(a.tokens.map(t => t.text).join(""), a.text);
        const sum = a.tokens.reduce((s, t) => s + t.logprob, 0);
        assert.ok(Math.abs(a.logprob - sum) < 1e-9);
        for (const t of a.tokens) {
            assert.ok(t.logprob < 0 && Number.isFinite(t.logprob));
            // Greedy: the token is the top one.
            assert.deepEqual(t.top_logprob, {[t.text]: t.logprob});
        }
    });

    test("/process logprobs are the model's own: scoring the completion as a prompt gives them back", async () => {
        const gen = await ok("/process", {prompt, max_new_tokens: 8, temperature: 0.9, seed: 5, echo_prompt: false});
        const scored = await ok("/process", {prompt: prompt + gen.text, max_new_tokens: 0, echo_prompt: true});
        assert.equal(scored.text, prompt + gen.text);
        const tail = scored.tokens.slice(-gen.tokens.length);
        assert.deepEqual(tail.map(t => t.text), gen.tokens.map(t => t.text));
        for (let i = 0; i < tail.length; i++)
            assert.ok(Math.abs(tail[i].logprob - gen.tokens[i].logprob) < 1e-4, `token ${i}: ${tail[i].logprob} vs ${gen.tokens[i].logprob}`);
    });

    test("/process honours seed, temperature, top_k and max_new_tokens", async () => {
        const req = {prompt, max_new_tokens: 12, temperature: 1.0, echo_prompt: false};
        const a = await ok("/process", {...req, seed: 1});
        assert.deepEqual(await ok("/process", {...req, seed: 1}).then(r => r.tokens), a.tokens);
        const texts = new Set([a.text]);
        for (const seed of [2, 3, 4, 5])
            texts.add((await ok("/process", {...req, seed})).text);
        assert.ok(texts.size >= 3, `seeds gave only ${texts.size} different completions`);
        // top_k 1 is greedy whatever the temperature.
        const greedy = await ok("/process", {...req, temperature: 0});
        assert.equal((await ok("/process", {...req, top_k: 1, seed: 8})).text, greedy.text);
        assert.equal((await ok("/process", {...req, max_new_tokens: 3, seed: 1})).tokens.length, 3);
    });

    test("/process echoes the prompt unless echo_prompt is false", async () => {
        const r = await ok("/process", {prompt, max_new_tokens: 4, temperature: 0});
        const bare = await ok("/process", {prompt, max_new_tokens: 4, temperature: 0, echo_prompt: false});
        assert.equal(r.text, prompt + bare.text);
        // The prompt is evaluated in one batch here and token by token there:
        // the logprobs agree to float32 precision.
        const tail = r.tokens.slice(-4);
        assert.deepEqual(tail.map(t => t.text), bare.tokens.map(t => t.text));
        for (let i = 0; i < 4; i++)
            assert.ok(Math.abs(tail[i].logprob - bare.tokens[i].logprob) < 1e-4);
        assert.ok(r.tokens.length > 4);
    });

    test("/process refuses what does not fit the context", async () => {
        const r = await post("/process", {prompt, max_new_tokens: 1020});
        assert.equal(r.status, 400);
        assert.match(r.body.error.message, /do not fit the context of 1024/);
    });

    test("/v1/completions returns legacy logprobs and cuts at stop sequences", async () => {
        const req = {prompt, max_tokens: 30, temperature: 0, logprobs: 3};
        const full = await ok("/v1/completions", req);
        const ch = full.choices[0];
        assert.equal(full.object, "text_completion");
        assert.ok(["length", "stop"].includes(ch.finish_reason));
        assert.equal(ch.logprobs.tokens.join(""), ch.text);
        assert.equal(ch.logprobs.token_logprobs.length, ch.logprobs.tokens.length);
        for (const top of ch.logprobs.top_logprobs)
            assert.ok(Object.keys(top).length >= 1 && Object.keys(top).length <= 3);
        // usage counts the EOS token too, which has no text and is not listed.
        const eos = ch.finish_reason === "stop" ? 1 : 0;
        assert.equal(full.usage.completion_tokens, ch.logprobs.tokens.length + eos);
        // Stop at the text of the third token: the completion ends before it.
        const stop = ch.logprobs.tokens[2];
        const cut = await ok("/v1/completions", {...req, stop: [stop]});
        assert.equal(cut.choices[0].finish_reason, "stop");
        assert.equal(cut.choices[0].text, ch.text.slice(0, ch.text.indexOf(stop)));
        assert.ok(!cut.choices[0].text.includes(stop));
        // A stop sequence across two tokens cuts inside the first of them.
        const [t3, t4] = [ch.logprobs.tokens[3], ch.logprobs.tokens[4]];
        const across = t3.slice(-1) + t4.slice(0, 1);
        const at = ch.text.indexOf(across);
        const cross = await ok("/v1/completions", {...req, stop: across});
        assert.equal(cross.choices[0].finish_reason, "stop");
        assert.equal(cross.choices[0].text, ch.text.slice(0, at));
        assert.equal(cross.choices[0].logprobs.tokens.join(""), ch.text.slice(0, at));
    });

    test("/v1/completions in llama.cpp's shape", async () => {
        const r = await ok("/v1/completions", {prompt, max_tokens: 5, temperature: 0, logprobs: 2}, llamacpp.url);
        const content = r.choices[0].logprobs.content;
        assert.equal(content.map(c => c.token).join(""), r.choices[0].text);
        for (const c of content) {
            assert.equal(typeof c.id, "number");
            assert.equal(c.top_logprobs.length, 2);
            assert.equal(c.top_logprobs[0].token, c.token);
        }
    });

    test("bad requests get clear errors", async () => {
        let r = await post("/process", "{not json");
        assert.equal(r.status, 400);
        assert.match(r.body.error.message, /not valid JSON/);
        r = await post("/nowhere", {});
        assert.equal(r.status, 404);
        r = await fetch(legacy.url + "/process");
        assert.equal(r.status, 405);
        r = await post("/process", {prompt: "x".repeat(2 << 20)});
        assert.equal(r.status, 413);
        r = await post("/v1/completions", {prompt: "x", logprobs: "yes"});
        assert.equal(r.status, 400);
        assert.equal(r.body.error.param, "logprobs");
    });
});
