import assert from "node:assert/strict";
import {test} from "node:test";
import {
    HttpError, challengeTokens, legacyLogprobs, llamacppLogprobs,
    parseCompletion, parseDecode, parseProcess, parseTokenize
} from "../lib/protocol.js";

function rejects(fn, status, pattern) {
    assert.throws(fn, err => {
        assert.ok(err instanceof HttpError, `not an HttpError: ${err}`);
        assert.equal(err.status, status);
        assert.match(err.message, pattern);
        return true;
    });
}

test("/process takes the 2023 defaults", () => {
    assert.deepEqual(parseProcess({prompt: "hi"}), {
        prompt: "hi", numSamples: 1, maxNewTokens: 50, topK: 200, temperature: 0.8, seed: null, echoPrompt: true
    });
    const r = parseProcess({prompt: "hi", max_new_tokens: 3, top_k: 5, temperature: 0, seed: 7, echo_prompt: false, extra: 1});
    assert.equal(r.maxNewTokens, 3);
    assert.equal(r.topK, 5);
    assert.equal(r.temperature, 0);
    assert.equal(r.seed, 7);
    assert.equal(r.echoPrompt, false);
});

test("/process rejects bad fields with 422 naming the field", () => {
    rejects(() => parseProcess({}), 422, /^prompt: is required/);
    rejects(() => parseProcess({prompt: 3}), 422, /^prompt: must be a string, got number 3/);
    rejects(() => parseProcess({prompt: "x", max_new_tokens: -1}), 422, /^max_new_tokens: must be at least 0/);
    rejects(() => parseProcess({prompt: "x", max_new_tokens: 1.5}), 422, /^max_new_tokens: must be an integer/);
    rejects(() => parseProcess({prompt: "x", temperature: "hot"}), 422, /^temperature: must be a number/);
    rejects(() => parseProcess({prompt: "x", temperature: -1}), 422, /^temperature: must be at least 0/);
    rejects(() => parseProcess({prompt: "x", num_samples: 2}), 422, /^num_samples: only 1 sample/);
    rejects(() => parseProcess({prompt: "x", echo_prompt: "no"}), 422, /^echo_prompt: must be true or false/);
    rejects(() => parseProcess([1]), 422, /body must be a JSON object/);
});

test("/tokenize and /decode check their fields", () => {
    assert.deepEqual(parseTokenize({text: "a"}), {text: "a", truncation: true, maxLength: 2048});
    assert.deepEqual(parseTokenize({text: "a", truncation: false, max_length: 4}), {text: "a", truncation: false, maxLength: 4});
    rejects(() => parseTokenize({text: "a", max_length: 0}), 422, /^max_length: must be at least 1/);
    assert.deepEqual(parseDecode({tokens: [1, 2]}), {tokens: [1, 2]});
    rejects(() => parseDecode({}), 422, /^tokens: is required/);
    rejects(() => parseDecode({tokens: "12"}), 422, /^tokens: must be an array/);
    rejects(() => parseDecode({tokens: [1, -2]}), 422, /^tokens\[1\]: must be a token id/);
});

test("/v1/completions takes OpenAI's defaults and rejects with 400", () => {
    const r = parseCompletion({prompt: ["hi"], stop: "\n"});
    assert.equal(r.prompt, "hi");
    assert.equal(r.maxTokens, 16);
    assert.equal(r.temperature, 1);
    assert.equal(r.logprobs, null);
    assert.deepEqual(r.stop, ["\n"]);
    rejects(() => parseCompletion({prompt: "x", stream: true}), 400, /^stream: streaming is not supported/);
    rejects(() => parseCompletion({prompt: "x", n: 2}), 400, /^n: only 1/);
    rejects(() => parseCompletion({prompt: "x", logprobs: 21}), 400, /^logprobs: must be between 0 and 20/);
    rejects(() => parseCompletion({prompt: ["a", "b"]}), 400, /^prompt: must be a string or an array of exactly one string/);
    rejects(() => parseCompletion({prompt: "x", stop: [""]}), 400, /^stop: /);
});

const entries = [
    {token: 5, text: " a", logprob: -1, top: [{token: 5, text: " a", logprob: -1}, {token: 6, text: " b", logprob: -2}]},
    {token: 8, text: "cd", logprob: -0.5, top: [{token: 9, text: "x", logprob: -0.4}, {token: 8, text: "cd", logprob: -0.5}]}
];

test("challenge tokens carry the top token as a one-entry map", () => {
    assert.deepEqual(challengeTokens(entries), [
        {text: " a", logprob: -1, top_logprob: {" a": -1}},
        {text: "cd", logprob: -0.5, top_logprob: {"x": -0.4}}
    ]);
});

test("legacy logprobs list tokens, logprobs, alternatives and offsets", () => {
    assert.deepEqual(legacyLogprobs(entries, 2, 0), {
        tokens: [" a", "cd"],
        token_logprobs: [-1, -0.5],
        top_logprobs: [{" a": -1, " b": -2}, {"x": -0.4, "cd": -0.5}],
        text_offset: [0, 2]
    });
});

test("llama.cpp logprobs list content items with their alternatives", () => {
    const out = llamacppLogprobs(entries, 1);
    assert.equal(out.content.length, 2);
    assert.deepEqual(out.content[0], {
        id: 5, token: " a", logprob: -1, bytes: [32, 97],
        top_logprobs: [{id: 5, token: " a", logprob: -1, bytes: [32, 97]}]
    });
    assert.deepEqual(out.content[1].top_logprobs.map(t => t.token), ["x"]);
});
