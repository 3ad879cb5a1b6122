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
 * coaps (DTLS) comes as `dtls`, from an image that includes it (protocols/table.ts): this
 * file imports none of src/dtls at run time.
 */
import type { Board } from "../../common/board";
import { ProtocolError } from "../../common/errors";
import { boardRandom } from "../../common/random";
import { CoapClient } from "../../coap/client";
import { Code, Format, sameBytes } from "../../coap/message";
import { CoapServer } from "../../coap/server";
import type { DtlsFactory, TransportDtls } from "../../coap/types";
import type { SessionState } from "../../dtls/connection";
import type { DtlsEvent } from "../../dtls/layer";
import type { CoapFirmwareConfig } from "../config";
import { sleepyVocabulary } from "../retained-vocabulary";
import * as retained from "./coap-state";
import { noDtls, type Uplink, type UplinkEvents, type WakeContext } from "../uplink";

/** The always-on uplink, with its server for whoever adds resources (tests, a board). */
export interface CoapUplink extends Uplink {
	readonly server: CoapServer;
}

/** `dtls`: the DTLS layer, from an image that includes it; without it a config wanting coaps is a ConfigError. */
export function coapUplink(board: Board, config: CoapFirmwareConfig, events: UplinkEvents, wake?: WakeContext, dtls?: DtlsFactory): CoapUplink | Uplink {
	const coap = config.coap;
	const psk = coap.psk;
	const collector = coap.collector;
	const report = events.report;
	const resolved = () => Promise.resolve();
	/** A failed handshake is logged by its alert's name: no identity, no key. */
	const onEvent = (event: DtlsEvent) => {
		if (event.kind === "closed" && event.error && !event.cleanly) board.log("warning", { message: event.error.message, detail: event.error.detail });
	};
	/** The board's randomness for message ids, tokens and retransmission timeouts (RFC 7252 5.3.1: tokens should be hard to guess). */
	const parameters = { ackTimeout: coap.ackTimeout, ackRandomFactor: coap.ackRandomFactor, maxRetransmit: coap.maxRetransmit, nstart: coap.nstart, random: boardRandom(board) };
	/** coaps for the collector: our identity and key (the URI said coaps://, so the config has them). */
	const clientDtls = (resume?: SessionState): TransportDtls | undefined => {
		if (!coap.collectorSecure || !psk) return void 0;
		if (!dtls) throw noDtls("collector");
		return { layer: dtls, identity: psk.identity, psk: psk.key, resume, onEvent };
	};

	if (!wake) {
		// Never plain coap in its place: the key says the server is to be coaps only.
		if (psk && !dtls) throw noDtls("coapPsk");
		const server = new CoapServer(board, {
			...parameters,
			port: coap.port,
			blockSize: coap.blockSize,
			// A server with a key serves only the identity it was given (RFC 7252 9.1.3.1's PSK mode).
			dtls: psk && dtls ? { layer: dtls, lookup: (identity) => (sameBytes(identity, psk.identity) ? psk.key : void 0), onEvent } : void 0,
			onReady: (port) => board.log("listening", { protocol: psk ? "coaps" : "coap", port }),
			// A port taken: reported, typed, rather than a server that is silently not there.
			onError: report,
		});
		const client = collector === void 0 ? void 0 : new CoapClient(board, { ...parameters, blockSize: coap.blockSize, dtls: clientDtls() });
		let latest: string | undefined;

		/** Notifies the resource's observers and tells the collector; resolves once it answered (CON) or the datagram left (NON); never rejects. */
		const changed = (path: string, payload: string, contentFormat: number): Promise<void> => {
			server.changed(path);
			if (!client) return Promise.resolve();
			return client.post(collector as string, payload, { contentFormat, confirmable: coap.confirmable }).then((response) => {
				if (response.code >> 5 !== 2) board.log("warning", { message: "the collector answered " + response.status });
			}, report);
		};

		server.add("/lamp", {
			attributes: { rt: "lamp", if: "core.a", ct: "0" /* Format.TEXT_PLAIN */ },
			observable: true,
			accepts: [Format.TEXT_PLAIN],
			get: () => ({ payload: events.lampOn() ? "on" : "off", contentFormat: Format.TEXT_PLAIN }),
			// A change comes back as publishState: observers notified, the collector told.
			put: (request) => (events.command(request.payload) ? {} : { code: Code.BAD_REQUEST, payload: "expected on, off, 1, 0, true, false or toggle" }),
		});
		server.add("/sensors/dht22", {
			attributes: { rt: "dht22", if: "core.s", ct: "50" /* Format.JSON_FORMAT */ },
			observable: true,
			get: () => (latest ? { payload: latest, contentFormat: Format.JSON_FORMAT } : { code: Code.SERVICE_UNAVAILABLE, payload: "no reading yet", maxAge: 5 }),
		});

		return {
			server,
			// Serving needs no connection: nothing to announce.
			start: () => void 0,
			connected: false,
			publishState: (on) => changed("/lamp", on ? "on" : "off", Format.TEXT_PLAIN),
			publishStatus: resolved,
			publishReading(json) {
				latest = json;
				return changed("/sensors/dht22", json, Format.JSON_FORMAT);
			},
			stop() {
				client?.stop();
				server.close();
			},
			collectCommands: resolved,
			idle: true,
			sleep: resolved,
			abort: () => void 0,
			exportState: () => new Uint8Array(0),
			reconnectAttempt: 0,
		};
	}

	const vocabulary = sleepyVocabulary(config);
	let state: retained.CoapSleepyState | undefined;
	try {
		if (wake.state && wake.state.length > 0) state = retained.decodeCoapState(wake.state, vocabulary);
	} catch (error) {
		report(error as Error);
	}
	const client = new CoapClient(board, { ...parameters, resume: state, dtls: clientDtls(state && state.session) });
	/** CON readings not acknowledged yet, oldest first: what a wake that ends now retains. */
	const pending: string[] = [];
	let waiting = 0;
	const post = (reading: string): Promise<void> => {
		pending.push(reading);
		// The oldest beyond the cap go, said so: a collector gone for days must not fill RTC memory.
		while (pending.length > retained.MAX_PENDING_READINGS) board.log("warning", { message: "CoAP reading not delivered, dropped: " + pending.shift() });
		waiting++;
		const delivered = () => {
			const index = pending.indexOf(reading);
			if (index >= 0) pending.splice(index, 1);
		};
		return client.post(collector as string, reading, { contentFormat: Format.JSON_FORMAT, confirmable: true }).then(
			(response) => {
				waiting--;
				delivered();
				if (response.code >> 5 !== 2) report(new Error("the collector answered " + response.status));
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
	const failed = (error: Error) => {
		if (!(error instanceof ProtocolError && error.code === "CLOSED")) report(error);
	};
	const undelivered = state ? state.pending : [];
	if (collector !== void 0) for (let i = 0; i < undelivered.length; i++) post(undelivered[i]).catch(failed);
	const stop = () => client.stop();
	return {
		// UDP needs no connection: the network is there once the endpoint is.
		start: () => events.online(),
		connected: false,
		// A sleeping device serves no /lamp: its state and status are for the always-on mode.
		publishState: resolved,
		publishStatus: resolved,
		publishReading(json) {
			if (collector === void 0) return Promise.resolve();
			if (coap.confirmable) return post(json);
			// NON: nothing to wait for, so the collector is asked for no answer (RFC 7967) and the radio can sleep at once.
			return client.requestNoResponse(Code.POST, collector, { payload: json, contentFormat: Format.JSON_FORMAT }).catch(failed);
		},
		stop,
		collectCommands: resolved,
		get idle() {
			return waiting === 0;
		},
		sleep: async () => stop(),
		abort: stop,
		exportState() {
			const sequence = client.sequence;
			// Over coaps the session goes too: the next wake resumes it (one round trip less).
			const layer = client.transport.dtls;
			const session = (layer && layer.latestSession) || (state && state.session);
			return retained.encodeCoapState({ messageId: sequence.messageId, tokenCounter: sequence.tokenCounter, pending, session }, vocabulary);
		},
		reconnectAttempt: 0,
	};
}
