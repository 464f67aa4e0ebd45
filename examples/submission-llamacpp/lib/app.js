// HTTP routes over an Engine, with Node's built-in http module.

import {appendFileSync} from "node:fs";
import {createServer} from "node:http";
import {
    HttpError, challengeTokens, legacyLogprobs, llamacppLogprobs,
    parseCompletion, parseDecode, parseProcess, parseTokenize
} from "./protocol.js";

// options: modelName, maxBody (bytes), promptLog (file or null),
// logprobsFormat ("legacy" or "llamacpp").
export function createApp(engine, options) {
    const {modelName, maxBody = 16 << 20, promptLog = null, logprobsFormat = "legacy"} = options;
    let completions = 0;

    // Each prompt the model is asked to continue, one JSON line each, so
    // that tests can check what a scorer sent.
    function logPrompt(endpoint, prompt, maxNewTokens) {
        if (promptLog != null)
            appendFileSync(promptLog, JSON.stringify({endpoint, prompt, max_new_tokens: maxNewTokens}) + "\n");
    }

    const routes = {
        async "/process"(body) {
            const req = parseProcess(body);
            const promptTokens = engine.tokenizeBare(req.prompt);
            logPrompt("/process", req.prompt, req.maxNewTokens);
            const r = await engine.generate(promptTokens, {
                maxNewTokens: req.maxNewTokens,
                temperature: req.temperature,
                topK: req.topK ?? 0,
                seed: req.seed,
                echo: req.echoPrompt,
                top: 1
            });
            const completion = r.completion.map(e => e.text).join("");
            const tokens = challengeTokens(req.echoPrompt ? [...r.prompt, ...r.completion] : r.completion);
            return {
                text: req.echoPrompt ? req.prompt + completion : completion,
                tokens,
                logprob: tokens.reduce((s, t) => s + t.logprob, 0),
                // The model's time, not the time spent waiting for it.
                request_time: r.seconds
            };
        },

        async "/tokenize"(body) {
            const req = parseTokenize(body);
            const start = performance.now();
            let tokens = engine.tokenize(req.text);
            if (req.truncation && tokens.length > req.maxLength)
                tokens = tokens.slice(0, req.maxLength);
            return {tokens, request_time: (performance.now() - start) / 1000};
        },

        async "/decode"(body) {
            const req = parseDecode(body);
            const start = performance.now();
            const text = engine.decode(req.tokens);
            return {text, request_time: (performance.now() - start) / 1000};
        },

        async "/v1/completions"(body) {
            const req = parseCompletion(body);
            const promptTokens = engine.tokenizeBare(req.prompt);
            logPrompt("/v1/completions", req.prompt, req.maxTokens);
            const n = req.logprobs ?? 0;
            const r = await engine.generate(promptTokens, {
                maxNewTokens: req.maxTokens,
                temperature: req.temperature,
                topK: req.topK > 0 ? req.topK : 0,
                topP: req.topP,
                seed: req.seed,
                echo: req.echo && req.logprobs != null,
                top: Math.max(1, n),
                stop: req.stop
            });
            const generated = r.completion.filter(e => !e.eos);
            const completion = generated.map(e => e.text).join("");
            const entries = req.echo ? [...r.prompt, ...generated] : generated;
            let logprobs = null;
            if (req.logprobs != null) {
                logprobs = logprobsFormat === "llamacpp"
                    ? llamacppLogprobs(entries, n)
                    : legacyLogprobs(entries, n, 0);
            }
            completions++;
            return {
                id: `cmpl-${completions}`,
                object: "text_completion",
                created: Math.floor(Date.now() / 1000),
                model: req.model ?? modelName,
                choices: [{
                    index: 0,
                    text: req.echo ? req.prompt + completion : completion,
                    logprobs,
                    finish_reason: r.finishReason
                }],
                usage: {
                    prompt_tokens: engine.used(promptTokens),
                    completion_tokens: r.completion.length,
                    total_tokens: engine.used(promptTokens) + r.completion.length
                }
            };
        }
    };

    const getRoutes = {
        "/health": () => ({status: "ok"}),
        "/v1/models": () => ({object: "list", data: [{id: modelName, object: "model", owned_by: "podium"}]})
    };

    return createServer(async (request, response) => {
        const path = new URL(request.url, "http://localhost").pathname;
        try {
            if (request.method === "GET" && getRoutes[path]) {
                send(response, 200, getRoutes[path]());
                return;
            }
            const route = routes[path];
            if (route == null) {
                if (getRoutes[path])
                    throw new HttpError(405, `${path} takes GET`);
                throw new HttpError(404, `no endpoint ${path}; the endpoints are POST ${Object.keys(routes).join(", ")}`);
            }
            if (request.method !== "POST")
                throw new HttpError(405, `${path} takes POST with a JSON body, not ${request.method}`);
            const body = await readJson(request, maxBody);
            send(response, 200, await route(body));
        } catch (err) {
            if (err instanceof HttpError) {
                send(response, err.status, {error: {message: err.message, type: "invalid_request_error", param: err.param}});
            } else {
                console.error(`${request.method} ${path}:`, err);
                send(response, 500, {error: {message: String(err?.message ?? err), type: "server_error", param: null}});
            }
        }
    });
}

async function readJson(request, maxBody) {
    const chunks = [];
    let size = 0;
    for await (const chunk of request) {
        size += chunk.length;
        if (size > maxBody)
            throw new HttpError(413, `the request body is larger than ${maxBody} bytes`);
        chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString("utf8");
    if (text.trim() === "")
        throw new HttpError(400, "the request body is empty; send a JSON object");
    try {
        return JSON.parse(text);
    } catch (err) {
        throw new HttpError(400, `the request body is not valid JSON: ${err.message}`);
    }
}

function send(response, status, value) {
    const body = JSON.stringify(value);
    response.writeHead(status, {"content-type": "application/json", "content-length": Buffer.byteLength(body)});
    response.end(body);
}
