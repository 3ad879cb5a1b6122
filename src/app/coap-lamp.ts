/**
 * The lamp over CoAP (protocol "coap"). The device is a CoAP server:
 * - /lamp: GET "on"/"off", PUT on/off/1/0/true/false/toggle (text) to switch, observable;
 * - /sensors/dht22: GET the latest reading as JSON, observable (5.03 before the first);
 * - /.well-known/core lists both (RFC 6690).
 * With a `collector` URI configured, every lamp change (text/plain) and every reading
 * (application/json) is also POSTed there, as a CON request.
 */
import type { Board } from "../common/board";
import { errorFields } from "../common/errors";
import { boardRandom } from "../common/random";
import { CoapClient } from "../coap/client";
import { BAD_REQUEST, JSON_FORMAT, TEXT_PLAIN, code } from "../coap/message";
import { CoapServer } from "../coap/server";
import type { Lamp } from "../drivers/lamp";
import type { CoapConfig } from "./config-coap";
import type { RunningLamp } from "./device";
import { parseLampCommand } from "./lamp-command";

export interface CoapFirmware extends RunningLamp {
	readonly server: CoapServer;
	/** A new sensor reading (telemetry.ts JSON): served, notified to observers, POSTed to the collector. */
	sendReading(json: string): Promise<void>;
}

const SERVICE_UNAVAILABLE = code(5, 3);
export const LAMP_PATH = "/lamp";
export const DHT22_PATH = "/sensors/dht22";

export function startCoapLamp(board: Board, coap: CoapConfig, lamp: Lamp): CoapFirmware {
	// The board's randomness for message ids, tokens and retransmission timeouts (RFC 7252 5.3.1: tokens should be hard to guess).
	const parameters = { ackTimeout: coap.ackTimeout, ackRandomFactor: coap.ackRandomFactor, maxRetransmit: coap.maxRetransmit, nstart: coap.nstart, random: boardRandom(board) };
	const server = new CoapServer(board, { ...parameters, port: coap.port, blockSize: coap.blockSize, onReady: (port) => board.log("listening", { protocol: "coap", port }) });
	const client = coap.collector === undefined ? undefined : new CoapClient(board, { ...parameters, blockSize: coap.blockSize });
	let latest: string | undefined;

	const report = (error: Error) => board.log("error", errorFields(error));
	/** Resolves once the collector answered (CON) or the datagram left (NON); never rejects. */
	const post = (payload: string, contentFormat: number): Promise<void> => {
		if (!client || coap.collector === undefined) return Promise.resolve();
		return client.post(coap.collector, payload, { contentFormat, confirmable: coap.confirmable }).then((response) => {
			if (response.code >> 5 !== 2) board.log("warning", { message: `the collector answered ${response.status}` });
		}, report);
	};
	const state = () => (lamp.on ? "on" : "off");

	server.add(LAMP_PATH, {
		attributes: { rt: "lamp", if: "core.a", ct: String(TEXT_PLAIN) },
		observable: true,
		accepts: [TEXT_PLAIN],
		get: () => ({ payload: state(), contentFormat: TEXT_PLAIN }),
		put: (request) => {
			const command = parseLampCommand(request.payload);
			if (command === undefined) return { code: BAD_REQUEST, payload: "expected on, off, 1, 0, true, false or toggle" };
			const changed = command === "toggle" ? (lamp.toggle(), true) : lamp.set(command === "on");
			if (changed) {
				board.log("lamp", { state: state() });
				server.changed(LAMP_PATH);
				void post(state(), TEXT_PLAIN);
			}
			return {};
		},
	});
	server.add(DHT22_PATH, {
		attributes: { rt: "dht22", if: "core.s", ct: String(JSON_FORMAT) },
		observable: true,
		get: () => (latest ? { payload: latest, contentFormat: JSON_FORMAT } : { code: SERVICE_UNAVAILABLE, payload: "no reading yet", maxAge: 5 }),
	});

	return {
		server,
		sendReading(json) {
			latest = json;
			server.changed(DHT22_PATH);
			return post(json, JSON_FORMAT);
		},
		stop() {
			client?.stop();
			server.close();
			return Promise.resolve();
		},
	};
}
