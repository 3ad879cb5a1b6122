/**
 * Our CoAP client over DTLS (coaps, PSK, TLS_PSK_WITH_AES_128_CCM_8) against libcoap's
 * coap-server-openssl and coap-server-gnutls: GET /time, PUT and GET a resource, Block2,
 * observe /time; a wrong key ends in TLS_HANDSHAKE_FAILED with no response passed on;
 * through a link losing 30 % of datagrams (and duplicating and reordering some) the
 * handshake and every request complete.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { HostBoard } from "../../boards/host/board";
import type { CoapResponse } from "../../src/coap/client";
import { ProtocolError } from "../../src/common/errors";
import { dtlsLayer, type DtlsEvent } from "../../src/dtls/layer";
import { encodeUtf8 } from "../../src/common/utf8";
import { LibcoapDtlsServer, type DtlsFlavour } from "../../testkit/peers/libcoap-dtls";
import { UdpProxy } from "../../testkit/peers/udp-proxy";
import { describeWithPeers } from "../../testkit/peers/require-peer";
import { waitFor } from "../../testkit/wait-for";
import { HostCoapClient, responseText } from "../../testkit/portable/coap-host-client";

const KEY = "lamp-secret-0123";
const board = new HostBoard({ log: () => undefined });
const body = (n: number) => Uint8Array.from({ length: n }, (_, i) => 0x61 + (i % 26));
const keys = (psk: string) => ({ layer: dtlsLayer, identity: encodeUtf8("lamp"), psk: encodeUtf8(psk), handshakeTimeout: 4000 });

for (const flavour of ["openssl", "gnutls"] as DtlsFlavour[]) {
	describeWithPeers(`CoAP over DTLS: our client, coap-server-${flavour}`, [`coap-server-${flavour}`], () => {
		let server: LibcoapDtlsServer;
		let client: HostCoapClient;

		beforeAll(async () => {
			server = await LibcoapDtlsServer.start(flavour, KEY);
			client = new HostCoapClient(board, { ackTimeout: 500, dtls: keys(KEY) });
		});
		afterAll(async () => {
			client?.stop();
			await server?.stop();
		});

		it("GETs /time, PUTs and GETs a resource, one handshake for all", async () => {
			const time = await client.get(`${server.url}/time`);
			expect(time.status).toBe("2.05");
			expect(responseText(time)).toMatch(/\d\d:\d\d:\d\d/);
			expect((await client.put(`${server.url}/ours`, "first", { contentFormat: 0 })).status).toBe("2.01");
			expect(responseText(await client.get(`${server.url}/ours`))).toBe("first");
			expect(client.transport.dtls?.established({ address: "127.0.0.1", port: server.port + 1 })).toBe(true);
		});

		it("PUTs 1500 bytes in blocks and GETs them back in 64-byte Block2 blocks", async () => {
			expect((await client.put(`${server.url}/big`, body(1500), { blockSize: 128 })).status).toMatch(/2.0[14]/);
			const back = await client.get(`${server.url}/big`, { blockSize: 64 });
			expect(back.payload).toEqual(body(1500));
		});

		it("observes /time over the session", async () => {
			const seen: CoapResponse[] = [];
			const observation = client.observe(`${server.url}/time`, { onNotification: (r) => seen.push(r) });
			await waitFor(() => seen.length >= 2, { what: "two notifications", deadline: 6000 });
			await observation.cancel();
		});

		it("a second client resumes the first one's session (a sleepy node's next wake) and gets its answer", async () => {
			const events: DtlsEvent[] = [];
			const first = new HostCoapClient(board, { dtls: keys(KEY) });
			expect((await first.get(`${server.url}/time`)).status).toBe("2.05");
			const session = first.transport.dtls?.latestSession;
			first.stop();
			expect(session?.sessionId.length).toBeGreaterThan(0);
			const next = new HostCoapClient(board, { dtls: { ...keys(KEY), resume: session, onEvent: (event) => events.push(event) } });
			try {
				expect((await next.get(`${server.url}/time`)).status).toBe("2.05");
			} finally {
				next.stop();
			}
			const established = events.find((event) => event.kind === "established");
			// OpenSSL's server caches sessions; whether GnuTLS's does, libcoap decides: either way the answer comes.
			if (flavour === "openssl") expect(established?.resumed).toBe(true);
			else expect(established).toBeDefined();
		});

		it("a wrong key: TLS_HANDSHAKE_FAILED, no response", async () => {
			const wrong = new HostCoapClient(board, { ackTimeout: 500, dtls: { ...keys("not-the-key-000"), handshakeTimeout: 2500 } });
			const error = await wrong.get(`${server.url}/time`).then(
				() => undefined,
				(e: unknown) => e,
			);
			wrong.stop();
			expect(error).toBeInstanceOf(ProtocolError);
			expect((error as ProtocolError).code).toBe("TLS_HANDSHAKE_FAILED");
			expect(String((error as ProtocolError).message)).not.toContain("not-the-key");
		}, 8000);

		// The RFC 6347 timers (1 s, doubling) make this slow: one flavour is enough.
		if (flavour === "openssl")
			it("through 30 % loss each way: the handshake, then 5 CON GETs", async () => {
				const proxy = await UdpProxy.start({ target: { address: "127.0.0.1", port: server.port + 1 }, seed: 3, loss: 0.3, duplicate: 0.1, reorder: 0.1 });
				const lossy = new HostCoapClient(board, { ackTimeout: 1000, dtls: { ...keys(KEY), handshakeTimeout: 40000 } });
				try {
					for (let i = 0; i < 5; i++) expect((await lossy.get(`coaps://127.0.0.1:${proxy.port}/time`)).status).toBe("2.05");
					expect(proxy.counts.toTarget.dropped + proxy.counts.toClient.dropped).toBeGreaterThan(0);
				} finally {
					lossy.stop();
					await proxy.close();
				}
			}, 60_000);
	});
}
