import assert from "node:assert/strict";
import {test} from "node:test";
import {Rng, argmax, sample} from "../lib/sampler.js";

const dist = new Map([[7, 0.5], [3, 0.3], [9, 0.15], [1, 0.05]]);

test("the same seed draws the same numbers, another seed others", () => {
    const a = new Rng(42), b = new Rng(42), c = new Rng(43);
    const xs = Array.from({length: 5}, () => a.float());
    assert.deepEqual(Array.from({length: 5}, () => b.float()), xs);
    assert.notDeepEqual(Array.from({length: 5}, () => c.float()), xs);
    for (const x of xs)
        assert.ok(x >= 0 && x < 1);
});

test("temperature 0 is greedy and ignores the generator", () => {
    for (let seed = 0; seed < 20; seed++)
        assert.equal(sample(dist, {temperature: 0, topK: 0, topP: 1}, new Rng(seed)), 7);
});

test("argmax breaks ties by the lowest token id", () => {
    assert.equal(argmax(new Map([[5, 0.4], [2, 0.4], [8, 0.2]])), 2);
});

test("top_k 1 is greedy at any temperature", () => {
    for (let seed = 0; seed < 20; seed++)
        assert.equal(sample(dist, {temperature: 5, topK: 1, topP: 1}, new Rng(seed)), 7);
});

test("top_k 2 never picks beyond the two likeliest", () => {
    const seen = new Set();
    for (let seed = 0; seed < 200; seed++)
        seen.add(sample(dist, {temperature: 1, topK: 2, topP: 1}, new Rng(seed)));
    assert.deepEqual([...seen].sort(), [3, 7]);
});

test("an unsorted distribution samples as its sorted self", () => {
    const unsorted = new Map([[1, 0.05], [9, 0.15], [3, 0.3], [7, 0.5]]);
    for (let seed = 0; seed < 50; seed++) {
        const opts = {temperature: 0.7, topK: 2, topP: 1};
        assert.equal(sample(unsorted, opts, new Rng(seed)), sample(dist, opts, new Rng(seed)));
    }
});

test("top_p 0.75 keeps the fewest tokens that make up 75%", () => {
    const seen = new Set();
    for (let seed = 0; seed < 200; seed++)
        seen.add(sample(dist, {temperature: 1, topK: 0, topP: 0.75}, new Rng(seed)));
    assert.deepEqual([...seen].sort(), [3, 7]);
});

test("temperature 1 follows the distribution", () => {
    const counts = new Map();
    const rng = new Rng(1);
    const n = 20000;
    for (let i = 0; i < n; i++) {
        const t = sample(dist, {temperature: 1, topK: 0, topP: 1}, rng);
        counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    for (const [t, p] of dist)
        assert.ok(Math.abs(counts.get(t) / n - p) < 0.015, `token ${t}: ${counts.get(t) / n} vs ${p}`);
});

test("a low temperature sharpens the distribution", () => {
    let top = 0;
    const rng = new Rng(2);
    for (let i = 0; i < 2000; i++)
        top += sample(dist, {temperature: 0.2, topK: 0, topP: 1}, rng) === 7 ? 1 : 0;
    // 0.5^5 / (0.5^5 + 0.3^5 + ...) is about 0.93.
    assert.ok(top / 2000 > 0.9, `top token share ${top / 2000}`);
});
