/**
 * What the firmware's own certificate check (src/tls/verify.ts) costs inside the XS
 * engine: computrons and heap slots to verify a 2-certificate RSA-2048 chain and a
 * 2-certificate ECDSA chain (P-256 leaf, P-384 intermediate), parsing anchors included,
 * with a stub signature primitive: the chain logic alone, since the signatures are the
 * board's (the SDK's crypto does them on the device whichever check runs).
 * Run: npx tsx tools/bench/xs-tls-verify.ts
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleForXs } from "../xs-bundle";
import { XsMachine } from "../xsnap";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ENTRY = `
import { verifyChain } from "./src/tls/verify";
import { parseCertificate } from "./src/tls/x509";
import { tlsFixtures as f } from "./host-tests/portable/tls-fixtures";
const stub = () => true;
const c = f.certs;
const chains = {
	none: undefined,
	rsa: { chain: [c.rsaLeaf, c.rsaInter], anchors: [c.rsaRoot] },
	ecdsa: { chain: [c.ecLeaf, c.ecInter], anchors: [c.ecRoot] },
};
globalThis.runBatch = (id, count) => {
	const one = chains[id];
	for (let i = 0; i < count; i++) {
		if (id === "parse") parseCertificate(c.rsaLeaf);
		else if (one) verifyChain({ ...one, host: "broker.test", now: f.now, verifySignature: stub });
	}
};
`;

const COUNT = 10;
const dir = mkdtempSync(join(tmpdir(), "xs-tls-"));
const xs = new XsMachine();
try {
	const path = join(dir, "tls.js");
	writeFileSync(path, await bundleForXs(ENTRY, ROOT));
	await xs.runScript(path);
	const batch = async (id: string) => {
		const before = (await xs.evaluate("gc()")).meter.currentHeapCount;
		const meter = (await xs.evaluate(`runBatch(${JSON.stringify(id)}, ${COUNT})`)).meter;
		const slots = meter.currentHeapCount - before;
		if (slots < 0) throw new Error("a collection ran during the batch");
		return { compute: meter.compute, slots };
	};
	const none = await batch("none");
	for (const id of ["rsa", "ecdsa", "parse"]) {
		const run = await batch(id);
		const computrons = Math.round((run.compute - none.compute) / COUNT);
		const slots = Math.round((run.slots - none.slots) / COUNT);
		console.log(`${id}: ${computrons} computrons, ${slots} slots (${slots * 16} bytes at 16 per slot) per ${id === "parse" ? "parseCertificate (the RSA leaf)" : "verifyChain"}`);
	}
} finally {
	await xs.close();
	rmSync(dir, { recursive: true, force: true });
}
