/**
 * The device's uplink over CoAP. Always-on, the device is a CoAP server:
 * - /lamp: GET "on"/"off", PUT on/off/1/0/true/false/toggle (text) to switch, observable;
 * - /sensors/dht22: GET the latest reading as JSON, observable (5.03 before the first);
 * - /.well-known/core lists both (RFC 6690).
 * With a `collector` URI configured, every lamp state (text/plain) and every reading
 * (application/json) is also POSTed there, CON or NON as `coapType` says. CoAP has no
 * status: availability is whether the server answers.
 *
 * In a sleepy wake there is no server (a sleeping device answers nothing, so no commands
 * arrive): the reading is POSTed to the collector, as CON (the wake ends when it is
 * acknowledged: one round trip) or NON (one datagram, no wait). Message ids and tokens go
 * on across sleep from the retained state (RFC 7252 4.4, 5.3.1), and so do CON readings
 * the collector had not acknowledged: the next wake POSTs them again first.
 *
 * coaps (DTLS) comes as `dtls`, from an image that includes it (uplinks/table.ts): this
 * file imports none of src/dtls at run time.
 */
import type { Board } from "../../common/board";
import { ProtocolError } from "../../common/errors";
import { boardRandom } from "../../common/random";
import { CoapClient } from "../../coap/client";
import { Code, Format, sameBytes } from "../../coap/message";
import { CoapServer } from "../../coap/server";
import type { DtlsFactory, TransportDtls } from "../../coap/transport";
import type { SessionState } from "../../dtls/connection";
import type { DtlsEvent } from "../../dtls/layer";
import type { CoapFirmwareConfig } from "../config";
import type { CoapConfig } from "../config-coap";
import { sleepyVocabulary } from "../retained-vocabulary";
import { decodeCoapState, encodeCoapState, MAX_PENDING_READINGS, type CoapSleepyState } from "../sleepy-coap-state";
import { noDtls, type Uplink, type UplinkEvents, type WakeContext } from "../uplink";

/** The always-on uplink, with its server for whoever adds resources (tests, a board). */
export interface CoapUplink extends Uplink {
	readonly server: CoapServer;
}

export const LAMP_PATH = "/lamp";
export const DHT22_PATH = "/sensors/dht22";

/** `dtls`: the DTLS layer, from an image that includes it; without it a config wanting coaps is a ConfigError. */
export function coapUplink(board: Board, config: CoapFirmwareConfig, events: UplinkEvents, wake?: WakeContext, dtls?: DtlsFactory): Uplink {
	return wake ? sleepyCoap(board, config, events, wake, dtls) : coapServer(board, config.coap, events, dtls);
}

/** The board's randomness for message ids, tokens and retransmission timeouts (RFC 7252 5.3.1: tokens should be hard to guess). */
function parameters(board: Board, coap: CoapConfig) {
	return { ackTimeout: coap.ackTimeout, ackRandomFactor: coap.ackRandomFactor, maxRetransmit: coap.maxRetransmit, nstart: coap.nstart, random: boardRandom(board) };
}

/** coaps for the collector: our identity and key (the URI said coaps://, so the config has them). */
function clientDtls(board: Board, coap: CoapConfig, layer: DtlsFactory | undefined, resume?: SessionState): TransportDtls | undefined {
	const psk = coap.psk;
	if (!coap.collectorSecure || !psk) return undefined;
	if (!layer) throw noDtls("collector");
	return { layer, identity: psk.identity, psk: psk.key, resume, onEvent: (event) => dtlsLog(board, event) };
}

/** A server with a key serves only the identity it was given (RFC 7252 9.1.3.1's PSK mode). */
function serverDtls(board: Board, coap: CoapConfig, layer: DtlsFactory | undefined): TransportDtls | undefined {
	const psk = coap.psk;
	if (!psk) return undefined;
	// Never plain coap in its place: the key says the server is to be coaps only.
	if (!layer) throw noDtls("coapPsk");
	return { layer, lookup: (identity) => (sameBytes(identity, psk.identity) ? psk.key : undefined), onEvent: (event) => dtlsLog(board, event) };
}

/** A failed handshake is logged by its alert's name: no identity, no key. */
function dtlsLog(board: Board, event: DtlsEvent): void {
	if (event.kind === "closed" && event.error && !event.cleanly) board.log("warning", { message: event.error.message, detail: event.error.detail });
}

function coapServer(board: Board, coap: CoapConfig, events: UplinkEvents, dtls: DtlsFactory | undefined): CoapUplink {
	const server = new CoapServer(board, { ...parameters(board, coap), port: coap.port, blockSize: coap.blockSize, dtls: serverDtls(board, coap, dtls), onReady: (port) => board.log("listening", { protocol: coap.psk ? "coaps" : "coap", port }) });
	const collector = coap.collector;
	const client = collector === undefined ? undefined : new CoapClient(board, { ...parameters(board, coap), blockSize: coap.blockSize, dtls: clientDtls(board, coap, dtls) });
	let latest: string | undefined;

	/** Resolves once the collector answered (CON) or the datagram left (NON); never rejects. */
	const post = (payload: string, contentFormat: number): Promise<void> => {
		if (!client || collector === undefined) return Promise.resolve();
		return client.post(collector, payload, { contentFormat, confirmable: coap.confirmable }).then((response) => {
			if (response.code >> 5 !== 2) board.log("warning", { message: "the collector answered " + response.status });
		}, events.report);
	};

	server.add(LAMP_PATH, {
		attributes: { rt: "lamp", if: "core.a", ct: String(Format.TEXT_PLAIN) },
		observable: true,
		accepts: [Format.TEXT_PLAIN],
		get: () => ({ payload: events.lampOn() ? "on" : "off", contentFormat: Format.TEXT_PLAIN }),
		// A change comes back as publishState: observers notified, the collector told.
		put: (request) => (events.command(request.payload) ? {} : { code: Code.BAD_REQUEST, payload: "expected on, off, 1, 0, true, false or toggle" }),
	});
	server.add(DHT22_PATH, {
		attributes: { rt: "dht22", if: "core.s", ct: String(Format.JSON_FORMAT) },
		observable: true,
		get: () => (latest ? { payload: latest, contentFormat: Format.JSON_FORMAT } : { code: Code.SERVICE_UNAVAILABLE, payload: "no reading yet", maxAge: 5 }),
	});

	return {
		server,
		// Serving needs no connection: nothing to announce.
		start: () => undefined,
		connected: false,
		publishState(on) {
			server.changed(LAMP_PATH);
			return post(on ? "on" : "off", Format.TEXT_PLAIN);
		},
		publishStatus: () => Promise.resolve(),
		publishReading(json) {
			latest = json;
			server.changed(DHT22_PATH);
			return post(json, Format.JSON_FORMAT);
		},
		stop() {
			client?.stop();
			server.close();
		},
		collectCommands: () => Promise.resolve(),
		idle: true,
		sleep: () => Promise.resolve(),
		abort: () => undefined,
		exportState: () => new Uint8Array(0),
		reconnectAttempt: 0,
	};
}

function sleepyCoap(board: Board, config: CoapFirmwareConfig, events: UplinkEvents, wake: WakeContext, dtls: DtlsFactory | undefined): Uplink {
	const { coap } = config;
	const vocabulary = sleepyVocabulary(config);
	let state: CoapSleepyState | undefined;
	try {
		state = wake.state && wake.state.length > 0 ? decodeCoapState(wake.state, vocabulary) : undefined;
	} catch (error) {
		events.report(error as Error);
	}
	const client = new CoapClient(board, { ...parameters(board, coap), resume: state, dtls: clientDtls(board, coap, dtls, state?.session) });
	/** CON readings not acknowledged yet, oldest first: what a wake that ends now retains. */
	const pending: string[] = [];
	let waiting = 0;
	const post = (collector: string, reading: string): Promise<void> => {
		pending.push(reading);
		// The oldest beyond the cap go, said so: a collector gone for days must not fill RTC memory.
		while (pending.length > MAX_PENDING_READINGS) board.log("warning", { message: "CoAP reading not delivered, dropped: " + pending.shift() });
		waiting++;
		const delivered = () => {
			const index = pending.indexOf(reading);
			if (index >= 0) pending.splice(index, 1);
		};
		return client.post(collector, reading, { contentFormat: Format.JSON_FORMAT, confirmable: true }).then(
			(response) => {
				waiting--;
				delivered();
				if (response.code >> 5 !== 2) events.report(new Error("the collector answered " + response.status));
			},
			(error: Error) => {
				waiting--;
				// No answer in time: kept for the next wake. Any other failure was an answer.
				if (!(error instanceof ProtocolError && (error.code === "EXCHANGE_TIMEOUT" || error.code === "CLOSED"))) delivered();
				throw error;
			},
		);
	};
	// What the last wake could not deliver goes first, before this wake's reading. A
	// failure is reported unless the wake ended first: then it is retained again.
	const failed = (error: Error) => (error instanceof ProtocolError && error.code === "CLOSED" ? undefined : events.report(error));
	const retained = state ? state.pending : [];
	if (coap.collector !== undefined) for (let i = 0; i < retained.length; i++) post(coap.collector, retained[i]).catch(failed);
	const stop = () => client.stop();
	return {
		// UDP needs no connection: the network is there once the endpoint is.
		start: () => events.online(),
		connected: false,
		// A sleeping device serves no /lamp: its state and status are for the always-on mode.
		publishState: () => Promise.resolve(),
		publishStatus: () => Promise.resolve(),
		publishReading(json) {
			if (coap.collector === undefined) return Promise.resolve();
			if (!coap.confirmable) {
				client.post(coap.collector, json, { contentFormat: Format.JSON_FORMAT, confirmable: false }).catch(() => undefined);
				return Promise.resolve();
			}
			return post(coap.collector, json);
		},
		stop,
		collectCommands: () => Promise.resolve(),
		get idle() {
			return waiting === 0;
		},
		sleep: async () => stop(),
		abort: stop,
		exportState() {
			const { messageId, tokenCounter } = client.sequence;
			// Over coaps the session goes too: the next wake resumes it (one round trip less).
			const session = client.transport.dtls?.latestSession ?? state?.session;
			return encodeCoapState({ messageId, tokenCounter, pending, session }, vocabulary);
		},
		reconnectAttempt: 0,
	};
}
