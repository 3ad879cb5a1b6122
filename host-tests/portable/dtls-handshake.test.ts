/**
 * The DTLS layer, client against server in memory: the PSK handshake with its cookie
 * exchange, application data both ways, a wrong key or identity ending in a typed error
 * with nothing handed up, resumption in one round trip, the RFC 6347 4.2.4 timers on the
 * fake clock, a 30 % loss link, replays and strangers dropped.
 */
import { describe, it, check } from "./test-api";
import { text } from "./bytes";
import { CLIENT, Pair, SERVER, events, same } from "../../testkit/portable/dtls-pair";
import { seededRandom } from "../../testkit/portable/seeded-random";
import * as hm from "../../src/dtls/handshake-messages";
import * as r from "../../src/dtls/record";
import type { SessionState } from "../../src/dtls/connection";

const ping = (pair: Pair, bytes = text("GET /lamp")) => pair.clientProbe.outbox.push({ ...SERVER, bytes });

/** The handshake message types of a datagram's clear records, "ccs" for a ChangeCipherSpec, "enc" for epoch 1. */
function kinds(bytes: Uint8Array): string[] {
	return r.decodeRecords(bytes).map((record) => {
		if (record.type === r.ContentType.CHANGE_CIPHER_SPEC) return "ccs";
		if (record.epoch > 0) return record.type === r.ContentType.APPLICATION_DATA ? "data" : "enc";
		if (record.type === r.ContentType.ALERT) return `alert ${record.fragment[1]}`;
		return hm.decodeFragments(record.fragment).map((f) => String(f.type)).join("+");
	});
}

describe("dtls handshake", () => {
	it("runs ClientHello, HelloVerifyRequest, the full PSK handshake, then data both ways", () => {
		const pair = new Pair();
		ping(pair);
		pair.runUntil(() => pair.serverProbe.arrived.length > 0);
		check(pair.wire.map((w) => kinds(w.bytes).join(","))).toEqual(["1", "3", "1", "2,14", "16,ccs,enc", "ccs,enc", "data"]);
		check(pair.serverProbe.arrived).toHaveLength(1);
		check(same(pair.serverProbe.arrived[0].bytes, text("GET /lamp"))).toBe(true);
		check(pair.serverProbe.arrived[0].peer).toEqual(CLIENT);
		pair.serverProbe.outbox.push({ ...CLIENT, bytes: text("2.05 on") });
		pair.pump();
		check(pair.clientProbe.arrived.map((a) => a.bytes.length)).toEqual([7]);
		check(events(pair.client)).toEqual([{ kind: "established", code: undefined, detail: undefined, resumed: false }]);
		check(events(pair.server)).toEqual([{ kind: "established", code: undefined, detail: undefined, resumed: false }]);
		// Application data is CCM_8: 8 bytes of explicit nonce and 8 of tag over the plaintext.
		check(pair.wire[6].bytes.length).toBe(r.RecordSize.HEADER + 9 + r.RecordSize.OVERHEAD);
	});

	it("a wrong pre-shared key ends both sides in TLS_HANDSHAKE_FAILED, nothing handed up", () => {
		const pair = new Pair({ client: { identity: new Uint8Array([0x6c, 0x61, 0x6d, 0x70]), psk: new Uint8Array(16) } });
		ping(pair);
		pair.runUntil(() => false, 5000);
		check(pair.serverProbe.arrived).toHaveLength(0);
		check(events(pair.server)).toEqual([{ kind: "closed", code: "TLS_HANDSHAKE_FAILED", detail: "bad_record_mac", resumed: undefined }]);
		check(events(pair.client)).toEqual([{ kind: "closed", code: "TLS_HANDSHAKE_FAILED", detail: "received bad_record_mac", resumed: undefined }]);
	});

	it("an unknown identity gets unknown_psk_identity, and the error names no identity or key", () => {
		const pair = new Pair({ client: { identity: text("intruder"), psk: new Uint8Array(16) } });
		ping(pair);
		pair.runUntil(() => false, 5000);
		const [closed] = events(pair.client);
		check(closed).toEqual({ kind: "closed", code: "TLS_HANDSHAKE_FAILED", detail: "received unknown_psk_identity", resumed: undefined });
		check(pair.serverProbe.arrived).toHaveLength(0);
	});

	it("resumes a session without the cookie round trip: ServerHello, CCS, Finished, then ours with the data", () => {
		const first = new Pair();
		ping(first);
		first.runUntil(() => first.serverProbe.arrived.length > 0);
		const session = first.client.sessions.get(`${SERVER.address}:${SERVER.port}`) as SessionState;
		check(session.sessionId.length).toBe(32);
		// The next wake: a new client layer with the kept session, the same server (its cache).
		const second = new Pair({ resume: session });
		(second as { server: unknown }).server = first.server;
		first.server.closeAll();
		first.pump();
		events(first.server);
		ping(second);
		second.runUntil(() => first.serverProbe.arrived.length > 1);
		check(second.wire.map((w) => kinds(w.bytes).join(","))).toEqual(["1", "2,ccs,enc", "ccs,enc", "data"]);
		check(events(second.client)).toEqual([{ kind: "established", code: undefined, detail: undefined, resumed: true }]);
	});

	it("retransmits the ClientHello after 1, 2, 4 s (doubling) and gives up at the deadline", () => {
		const pair = new Pair({ handshakeTimeout: 10000 });
		pair.filter = () => undefined;
		const sent: number[] = [];
		const at = pair.now;
		ping(pair);
		pair.client.pollTransmit();
		sent.push(pair.now - at);
		for (let next = pair.client.nextTimeout(); next !== undefined && pair.now < 20000; next = pair.client.nextTimeout()) {
			pair.now = next;
			pair.client.tick(pair.now);
			if (pair.client.pollTransmit()) sent.push(pair.now - at);
		}
		check(sent).toEqual([0, 1000, 3000, 7000]);
		check(events(pair.client)).toEqual([{ kind: "closed", code: "TLS_HANDSHAKE_FAILED", detail: "timeout", resumed: undefined }]);
	});

	it("takes the server's Finished without its ChangeCipherSpec (lost): epoch 1 opening under the new keys implies it", () => {
		const pair = new Pair();
		pair.filter = (wire) => {
			if (wire.from !== SERVER) return wire.bytes;
			const kept = r.decodeRecords(wire.bytes).filter((record) => record.type !== r.ContentType.CHANGE_CIPHER_SPEC);
			const parts = kept.map((record) => r.encodeRecord(record, record.fragment));
			const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
			parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
			return out;
		};
		ping(pair);
		pair.pump();
		check(pair.client.established(SERVER)).toBe(true);
		check(pair.serverProbe.arrived).toHaveLength(1);
	});

	it("completes over a link that loses 30 % of datagrams each way", () => {
		for (let seed = 1; seed <= 5; seed++) {
			const pair = new Pair();
			const random = seededRandom(seed);
			pair.filter = (wire) => (random() < 0.3 ? undefined : wire.bytes);
			ping(pair);
			// The application datagram itself may be lost: resending it is CoAP's part, not DTLS's.
			pair.runUntil(() => pair.client.established(SERVER) && pair.server.established(CLIENT));
			check([seed, pair.client.established(SERVER), pair.server.established(CLIENT)]).toEqual([seed, true, true]);
		}
	});

	it("drops a replayed record and records from a stranger", () => {
		const pair = new Pair();
		ping(pair);
		pair.runUntil(() => pair.serverProbe.arrived.length > 0);
		const data = pair.wire[pair.wire.length - 1].bytes;
		pair.server.received(data, CLIENT, pair.now);
		pair.server.received(data, { address: "10.0.0.9", port: 1000 }, pair.now);
		check(pair.serverProbe.arrived).toHaveLength(1);
		// A tampered record is dropped too, and the association lives on.
		const forged = data.slice();
		forged[forged.length - 1] ^= 1;
		pair.server.received(forged, CLIENT, pair.now);
		ping(pair, text("again"));
		pair.pump();
		check(pair.serverProbe.arrived).toHaveLength(2);
		check(pair.server.established(CLIENT)).toBe(true);
	});

	it("at the cap, a new client takes the slot of an established connection quiet for 10 s", () => {
		const pair = new Pair({}, { maxConnections: 1 });
		ping(pair);
		pair.runUntil(() => pair.serverProbe.arrived.length > 0);
		const other = new Pair();
		other.clientAt = { address: "10.0.0.3", port: 1000 };
		(other as { server: unknown }).server = pair.server;
		other.now = pair.now + 11000;
		ping(other);
		other.runUntil(() => pair.serverProbe.arrived.length > 1);
		check(pair.serverProbe.arrived.map((a) => a.peer.address)).toEqual(["10.0.0.1", "10.0.0.3"]);
		check(pair.server.established(CLIENT)).toBe(false);
	});

	it("answers a ClientHello without a cookie statelessly and caps connections", () => {
		const pair = new Pair({}, { maxConnections: 1 });
		ping(pair);
		pair.runUntil(() => pair.serverProbe.arrived.length > 0);
		// A second client past the cap: its cookie'd hello is not served.
		const other = new Pair();
		other.clientAt = { address: "10.0.0.3", port: 1000 };
		(other as { server: unknown }).server = pair.server;
		ping(other);
		other.runUntil(() => false, 3000);
		check(pair.serverProbe.arrived).toHaveLength(1);
		check(other.wire.map((w) => kinds(w.bytes).join(",")).slice(0, 3)).toEqual(["1", "3", "1"]);
	});
});
