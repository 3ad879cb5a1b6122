/**
 * A CoAP server that never answers: a real UDP socket on 127.0.0.1 that takes every
 * datagram and says nothing. The client retransmits per RFC 7252 4.2 and, after
 * MAX_TRANSMIT_WAIT, ends the exchange with a typed EXCHANGE_TIMEOUT and keeps no state.
 */
import dgram from "node:dgram";
import { afterAll, beforeAll, expect, it } from "vitest";
import { HostBoard } from "../../boards/host/board";
import { CoapClient } from "../../src/coap/client";
import { ProtocolError } from "../../src/common/errors";

let silent: dgram.Socket;
let port: number;
let heard = 0;

beforeAll(async () => {
	silent = dgram.createSocket("udp4");
	silent.on("message", () => heard++);
	await new Promise<void>((resolve) => silent.bind(0, "127.0.0.1", resolve));
	port = silent.address().port;
});
afterAll(() => silent.close());

it("ends a request to a silent server with EXCHANGE_TIMEOUT after MAX_TRANSMIT_WAIT, with no state left", async () => {
	const parameters = { ackTimeout: 100, ackRandomFactor: 1.5, maxRetransmit: 3, nstart: 1 };
	const client = new CoapClient(new HostBoard({ log: () => undefined }), { ...parameters, random: () => 0 });
	const outcome = await client.get(`coap://127.0.0.1:${port}/lamp`).then(
		() => undefined,
		(error: unknown) => error,
	);
	expect(outcome).toBeInstanceOf(ProtocolError);
	expect((outcome as ProtocolError).code).toBe("EXCHANGE_TIMEOUT");
	// The first transmission and MAX_RETRANSMIT retransmissions reached the server.
	expect(heard).toBe(1 + parameters.maxRetransmit);
	// (When it ends is asserted on the virtual clock in coap-endpoint.test.ts: at most
	// MAX_TRANSMIT_WAIT, here 2250 ms; wall-clock time is no test's business.)
	expect(client.transport.endpoint.pending).toBe(0);
	client.stop();
});
