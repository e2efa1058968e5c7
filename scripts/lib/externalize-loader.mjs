// Moves the inline module script Trunk writes into each built index.html (it imports
// the wasm-bindgen loader and starts the wasm) into a file of its own, so the
// server's Content-Security-Policy allows scripts from the origin only: no
// 'unsafe-inline', no hashes to keep in step with every build. Fails when any other
// inline script, event-handler attribute or inline style is left in a page.
//
//   node scripts/lib/externalize-loader.mjs DIR PUBLIC_URL
//
// DIR holds index.html; PUBLIC_URL is where DIR is served ("/", "/apply/").
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [dir, publicUrl] = process.argv.slice(2);
if (!dir || !publicUrl || !publicUrl.endsWith("/")) {
    console.error("usage: externalize-loader.mjs DIR PUBLIC_URL/");
    process.exit(2);
}
const page = join(dir, "index.html");
let html = readFileSync(page, "utf8");
const inline = /<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi;
let moved = 0;
html = html.replace(inline, (whole, attrs, body) => {
    if (/\bsrc\s*=/i.test(attrs)) return whole;
    if (!/\btype\s*=\s*["']?module["']?/i.test(attrs) || moved > 0) {
        console.error(`${page}: an inline script that is not Trunk's loader: ${whole.slice(0, 120)}`);
        process.exit(1);
    }
    moved += 1;
    const name = `boot-${createHash("sha256").update(body).digest("hex").slice(0, 16)}.js`;
    writeFileSync(join(dir, name), body.trim() + "\n");
    return `<script type="module" src="${publicUrl}${name}"></script>`;
});
if (moved !== 1) {
    console.error(`${page}: Trunk's inline loader was not found (did the Trunk version change?)`);
    process.exit(1);
}
// Whatever else the strict policy would block, found here rather than in a browser.
const blocked = [
    [/<style\b/i, "an inline <style>"],
    [/\sstyle\s*=/i, "a style attribute"],
    [/\son[a-z]+\s*=/i, "an event-handler attribute"],
    [/javascript:/i, "a javascript: URL"],
];
for (const [pattern, what] of blocked) {
    if (pattern.test(html)) {
        console.error(`${page}: ${what} would be refused by the Content-Security-Policy`);
        process.exit(1);
    }
}
writeFileSync(page, html);
console.log(`externalize-loader: ${page} loads ${publicUrl}boot-*.js`);
