// Token sampling over a probability distribution, with a seeded generator.
//
// The model's raw next-token distribution comes from node-llama-cpp as a Map
// token -> probability, sorted from the most to the least likely token.
// Sampling happens here, not in llama.cpp, so that the logprobs we report are
// always the model's own (before temperature and top-k) and a seed gives the
// same tokens on every machine.

import {randomInt} from "node:crypto";

const MASK64 = (1n << 64n) - 1n;

// SplitMix64: a small, well-known 64-bit generator. Good enough for sampling,
// and fully determined by its seed.
export class Rng {
    constructor(seed) {
        this.state = BigInt.asUintN(64, BigInt(seed));
    }

    next64() {
        this.state = (this.state + 0x9e3779b97f4a7c15n) & MASK64;
        let z = this.state;
        z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
        z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
        return z ^ (z >> 31n);
    }

    // A float in [0, 1) with 53 random bits.
    float() {
        return Number(this.next64() >> 11n) / 2 ** 53;
    }
}

// A seed for requests that give none.
export function randomSeed() {
    return randomInt(0, 2 ** 48 - 1);
}

// The most likely token: the first entry of the sorted map.
export function argmax(probabilities) {
    let best = -1;
    let bestP = -1;
    for (const [token, p] of probabilities) {
        // The map is sorted, but be robust to ties and unsorted input:
        // the highest probability wins, then the lowest token id.
        if (p > bestP || (p === bestP && token < best)) {
            best = token;
            bestP = p;
        }
    }
    return best;
}

// Sample a token. temperature 0 means greedy. topK <= 0 or null keeps all
// tokens; topP >= 1 or null keeps all.
export function sample(probabilities, {temperature, topK, topP}, rng) {
    if (probabilities.size === 0)
        throw new Error("empty probability distribution");
    if (temperature === 0)
        return argmax(probabilities);

    let entries = candidates(probabilities, topK != null && topK > 0 ? topK : Infinity);
    if (entries.length === 0)
        return argmax(probabilities);

    // p^(1/T), computed in log space and shifted by the maximum for stability.
    const maxLog = Math.log(entries[0][1]);
    let weights = entries.map(([, p]) => Math.exp((Math.log(p) - maxLog) / temperature));
    let total = weights.reduce((s, w) => s + w, 0);

    if (topP != null && topP < 1) {
        let kept = 0;
        let cum = 0;
        while (kept < weights.length) {
            cum += weights[kept];
            kept++;
            if (cum / total >= topP)
                break;
        }
        entries = entries.slice(0, kept);
        weights = weights.slice(0, kept);
        total = cum;
    }

    let r = rng.float() * total;
    for (let i = 0; i < entries.length; i++) {
        r -= weights[i];
        if (r < 0)
            return entries[i][0];
    }
    return entries[entries.length - 1][0];
}

// The k likeliest tokens with a positive probability, likeliest first.
// node-llama-cpp documents its maps as sorted, likeliest first, so this
// reads only k entries; a map found out of order is sorted here.
function candidates(probabilities, k) {
    const out = [];
    let prev = Infinity;
    for (const entry of probabilities) {
        if (entry[1] > prev)
            return sortedCandidates(probabilities, k); // not sorted after all
        prev = entry[1];
        if (entry[1] <= 0 || out.length >= k)
            break;
        out.push(entry);
    }
    return out;
}

function sortedCandidates(probabilities, k) {
    const all = [...probabilities].filter(([, p]) => p > 0);
    all.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    return all.slice(0, k);
}
