#!/usr/bin/env node
// Parse Adaptive Cards with the official JavaScript library (npm `adaptivecards`, pinned in
// package.json), the same object model the Teams clients render with.
//
// stdin:  a JSON list of cards.
// stdout: a JSON list, one entry per card: {"errors": [...], "warnings": [...]}.
//
// Each card is parsed for schema 1.5 (the highest Teams supports) and then validated by the
// library, which also reports duplicate element/input ids. Parsing and validation need no DOM;
// only rendering does, and rendering is not done here. Exit status 0 unless the script itself
// fails (unreadable input, missing package).
"use strict";

const path = require("path");

const AC = require(path.join(__dirname, "..", "..", "node_modules", "adaptivecards", "dist",
    "adaptivecards.js"));

// Events that point at bad style rather than a broken card.
const WARNINGS = new Set([AC.ValidationEvent.Hint, AC.ValidationEvent.Deprecated]);

function describe(source) {
    if (!source || typeof source.getJsonTypeName !== "function") {
        return "";
    }
    const id = source.id ? ` id="${source.id}"` : "";
    return ` (${source.getJsonTypeName()}${id})`;
}

function check(json) {
    const errors = [];
    const warnings = [];
    const events = [];
    const context = new AC.SerializationContext(AC.Versions.v1_5);
    const card = new AC.AdaptiveCard();
    try {
        card.parse(json, context);
        for (let i = 0; i < context.eventCount; i++) {
            events.push(context.getEventAt(i));
        }
        events.push(...card.validateProperties().validationEvents);
    } catch (error) {
        errors.push(`the parser failed: ${error && error.message ? error.message : error}`);
    }
    for (const event of events) {
        const phase = AC.ValidationPhase[event.phase];
        const kind = AC.ValidationEvent[event.event];
        const text = `${phase} ${kind}: ${event.message}${describe(event.source)}`;
        (WARNINGS.has(event.event) ? warnings : errors).push(text);
    }
    return { errors, warnings };
}

function main() {
    const chunks = [];
    process.stdin.on("data", (chunk) => chunks.push(chunk));
    process.stdin.on("end", () => {
        const cards = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        if (!Array.isArray(cards)) {
            throw new Error("stdin must be a JSON list of cards");
        }
        process.stdout.write(JSON.stringify(cards.map(check)));
    });
}

main();
