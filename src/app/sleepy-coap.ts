/**
 * A sleepy wake over CoAP: the reading is POSTed to the collector, as CON (the wake
 * ends when it is acknowledged: one round trip) or NON (one datagram; the wake does not
 * wait for an answer, so it costs no round trip). A sleeping device serves no
 * resources, so no commands arrive; the lamp is for the always-on mode. Message ids and
 * tokens go on across sleep from the retained state (RFC 7252 4.4, 5.3.1).
 */
import type { Board } from "../common/board";
import { boardRandom } from "../common/random";
import { CoapClient } from "../coap/client";
import { JSON_FORMAT } from "../coap/message";
import type { CoapFirmwareConfig } from "./config";
import type { SessionFactory, SleepySession } from "./sleepy";

/** Retained: the last message id and token counter, two bytes each. */
function decodeSequence(bytes: Uint8Array | undefined): { messageId: number; tokenCounter: number } | undefined {
	if (!bytes || bytes.length !== 4) return undefined;
	return { messageId: (bytes[0] << 8) | bytes[1], tokenCounter: (bytes[2] << 8) | bytes[3] };
}

export function coapSleepySession(board: Board, config: CoapFirmwareConfig): SessionFactory {
	return ({ state, handlers, report }): SleepySession => {
		const { coap, device } = config;
		const client = new CoapClient(board, {
			ackTimeout: coap.ackTimeout,
			ackRandomFactor: coap.ackRandomFactor,
			maxRetransmit: coap.maxRetransmit,
			nstart: coap.nstart,
			random: boardRandom(board),
			resume: decodeSequence(state),
		});
		let waiting = 0;
		return {
			// UDP needs no connection: the network is there once the endpoint is.
			start: () => handlers.onConnect(),
			publish(topic, payload) {
				// Topics are MQTT's: of what a wake publishes, only the reading goes to the collector.
				if (topic !== device.telemetryTopic || coap.collector === undefined) return Promise.resolve();
				const posted = client.post(coap.collector, payload, { contentFormat: JSON_FORMAT, confirmable: coap.confirmable });
				if (!coap.confirmable) {
					posted.catch(() => undefined);
					return Promise.resolve();
				}
				waiting++;
				return posted.then(
					(response) => {
						waiting--;
						if (response.code >> 5 !== 2) report(new Error(`the collector answered ${response.status}`));
					},
					(error: Error) => {
						waiting--;
						throw error;
					},
				);
			},
			collectCommands: () => Promise.resolve(),
			get idle() {
				return waiting === 0;
			},
			sleep: async () => client.stop(),
			abort: () => client.stop(),
			exportState() {
				const { messageId, tokenCounter } = client.transport.endpoint.sequence;
				return new Uint8Array([messageId >> 8, messageId & 0xff, tokenCounter >> 8, tokenCounter & 0xff]);
			},
			reconnectAttempt: 0,
		};
	};
}
