/**
 * A sleepy wake over CoAP: the reading is POSTed to the collector, as CON (the wake
 * ends when it is acknowledged: one round trip) or NON (one datagram; the wake does not
 * wait for an answer, so it costs no round trip). A sleeping device serves no
 * resources, so no commands arrive; the lamp is for the always-on mode. Message ids and
 * tokens go on across sleep from the retained state (RFC 7252 4.4, 5.3.1), and so do CON
 * readings the collector had not acknowledged: the next wake POSTs them again first.
 */
import type { Board } from "../common/board";
import { boardRandom } from "../common/random";
import { CoapClient } from "../coap/client";
import { JSON_FORMAT } from "../coap/message";
import { ProtocolError } from "../common/errors";
import type { CoapFirmwareConfig } from "./config";
import { sleepyVocabulary } from "./retained-vocabulary";
import { decodeCoapState, encodeCoapState, MAX_PENDING_READINGS, type CoapSleepyState } from "./sleepy-coap-state";
import type { SessionFactory, SleepySession } from "./sleepy";

export function coapSleepySession(board: Board, config: CoapFirmwareConfig): SessionFactory {
	return ({ state: stateBytes, handlers, report }): SleepySession => {
		const { coap, device } = config;
		const vocabulary = sleepyVocabulary(config);
		let state: CoapSleepyState | undefined;
		try {
			state = stateBytes && stateBytes.length > 0 ? decodeCoapState(stateBytes, vocabulary) : undefined;
		} catch (error) {
			report(error as Error);
		}
		const client = new CoapClient(board, {
			ackTimeout: coap.ackTimeout,
			ackRandomFactor: coap.ackRandomFactor,
			maxRetransmit: coap.maxRetransmit,
			nstart: coap.nstart,
			random: boardRandom(board),
			resume: state,
		});
		/** CON readings not acknowledged yet, oldest first: what a wake that ends now retains. */
		const pending: string[] = [];
		let waiting = 0;
		const post = (collector: string, reading: string): Promise<void> => {
			pending.push(reading);
			// The oldest beyond the cap go, said so: a collector gone for days must not fill RTC memory.
			while (pending.length > MAX_PENDING_READINGS) board.log("warning", { message: `CoAP reading not delivered, dropped: ${pending.shift()}` });
			waiting++;
			const delivered = () => {
				const index = pending.indexOf(reading);
				if (index >= 0) pending.splice(index, 1);
			};
			return client.post(collector, reading, { contentFormat: JSON_FORMAT, confirmable: true }).then(
				(response) => {
					waiting--;
					delivered();
					if (response.code >> 5 !== 2) report(new Error(`the collector answered ${response.status}`));
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
		const failed = (error: Error) => (error instanceof ProtocolError && error.code === "CLOSED" ? undefined : report(error));
		if (coap.collector !== undefined) for (const reading of state?.pending ?? []) post(coap.collector, reading).catch(failed);
		return {
			// UDP needs no connection: the network is there once the endpoint is.
			start: () => handlers.onConnect(),
			publish(topic, payload) {
				// Topics are MQTT's: of what a wake publishes, only the reading goes to the collector.
				if (topic !== device.telemetryTopic || coap.collector === undefined) return Promise.resolve();
				if (!coap.confirmable) {
					client.post(coap.collector, payload, { contentFormat: JSON_FORMAT, confirmable: false }).catch(() => undefined);
					return Promise.resolve();
				}
				return post(coap.collector, payload);
			},
			collectCommands: () => Promise.resolve(),
			get idle() {
				return waiting === 0;
			},
			sleep: async () => client.stop(),
			abort: () => client.stop(),
			exportState() {
				const { messageId, tokenCounter } = client.transport.endpoint.sequence;
				return encodeCoapState({ messageId, tokenCounter, pending }, vocabulary);
			},
			reconnectAttempt: 0,
		};
	};
}
