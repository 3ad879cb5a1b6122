/**
 * An always-on MQTT session (cleanSession false) kept in retained memory, so a reset or a
 * watchdog restart resumes it as MQTT 4.4 asks: the same packet ids go on, unacknowledged
 * PUBLISHes are resent with DUP 1, PUBRELs are resent, incoming QoS 2 ids awaiting PUBREL
 * are still known. Without it the broker continues its session (session present 1) while
 * the client starts again at packet id 1 (finding 2 of issue 16).
 *
 * Written once the passes of one turn are done (the client's onServiced, then one
 * microtask), so a burst costs one write however many packets and reads it took, not one
 * per packet; a turn that changed nothing writes nothing. No reset comes between a pass
 * and its microtask, only a power cut, which loses the memory anyway.
 * A state over the record's room keeps what fits: queued messages go first (the broker
 * never saw their ids), then in-flight ones newest first, PUBREL-pending ones last (the
 * broker holds those messages until PUBREL). The next packet id is always kept, so a
 * dropped message's id is not reused soon. What is dropped is reported as one typed error.
 *
 * A session started without saved state writes nothing until its client is online, after
 * its clean start (`cleanStart` below): a reset before that must start clean again, since
 * the broker may still hold the stale session the retained ids would collide with.
 */
import type { Board } from "../../common/board";
import { ProtocolError } from "../../common/errors";
import { MqttClient, type MqttClientOptions } from "../../mqtt/client";
import { encodeSessionState, type SessionState } from "../../mqtt/state";
import type { Vocabulary } from "../../power/vocabulary";
import type { RetainedSession } from "../uplink";

/** Returns what to run after each service pass. `resumed`: the session was restored from `memory`. */
export function keepSession(client: () => MqttClient, memory: RetainedSession, resumed: boolean, vocabulary: Vocabulary, report: (error: Error) => void): () => void {
	/** The bytes the memory holds now. */
	let kept = memory.state;
	let droppedBefore = 0;
	let pending = false;
	const write = () => {
		pending = false;
		if (!resumed) {
			if (client().status !== "online") return;
			resumed = true;
		}
		const { bytes, dropped } = fitState(client().exportState(), memory.room, vocabulary);
		if (dropped > 0 && dropped !== droppedBefore)
			report(new ProtocolError("RETAINED_TOO_LARGE", dropped + " unacknowledged MQTT messages not retained: the session is over the " + memory.room + " bytes a record keeps"));
		droppedBefore = dropped;
		if (kept && same(kept, bytes)) return;
		kept = bytes;
		memory.save(bytes);
	};
	return () => {
		if (pending) return;
		pending = true;
		void Promise.resolve().then(write);
	};
}

/** The state's bytes, with as many messages left out as it takes to fit `room`. */
export function fitState(state: SessionState, room: number, vocabulary: Vocabulary): { readonly bytes: Uint8Array; readonly dropped: number } {
	let bytes = encodeSessionState(state, vocabulary);
	if (bytes.length <= room) return { bytes, dropped: 0 };
	const queued = state.queued.slice();
	const inflight = state.inflight.slice();
	let dropped = 0;
	while (bytes.length > room && queued.length + inflight.length > 0) {
		if (queued.length > 0) queued.pop();
		else {
			let last = inflight.length - 1;
			while (last > 0 && inflight[last].released) last--;
			inflight.splice(inflight[last].released ? inflight.length - 1 : last, 1);
		}
		dropped++;
		bytes = encodeSessionState({ ...state, inflight, queued }, vocabulary);
	}
	return { bytes, dropped };
}

function same(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false;
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
	return true;
}

/**
 * Whether a persistent session must start clean: nothing usable was saved (first boot, a
 * power cut, a record that failed its check), or the last wake kept its messages before
 * its clean start was done (`notStarted`). The broker may then still hold the session of
 * an earlier run, with packet ids this client no longer knows: continuing it
 * (MQTT-3.1.2-4) with ids from 1 again reuses ids the broker still has in flight, and a
 * strict broker drops a new QoS 2 message as a duplicate (MQTT-2.3.1-2).
 */
export function startsClean(state: SessionState | undefined): boolean {
	return state === undefined || state.nextPacketId === 0;
}

/** The state to retain while the clean start is not done: 0 is no packet id (2.3.1), so it can say "start clean" to the next run. */
export function notStarted(state: SessionState): SessionState {
	return { ...state, nextPacketId: 0 };
}

export interface CleanStart {
	/** The clean connection's CONNACK came: the broker holds no old session any more. */
	done: boolean;
	/** Connects clean, and runs `then` once the broker has discarded the old session. */
	run(then: () => void): void;
	stop(): void;
}

/**
 * A persistent session that starts empty, the same way for both versions and both modes:
 * one connection with a clean session first (3.1.1 CleanSession 1, 5.0 Clean Start 1 with
 * Session Expiry 0), with no will and nothing else sent, DISCONNECT at its CONNACK, and
 * only then the client's own connection (CleanSession 0, or Clean Start 0 with its
 * Session Expiry), which finds no session and persists from its first packet. 3.1.1 has no
 * shorter way: a clean session lasts exactly as long as its connection (3.1.2-6), and a
 * sleepy wake's session must outlive the wake's DISCONNECT. It costs one connection, on a
 * first boot or after a power cut only.
 */
export function cleanStart(board: Board, options: MqttClientOptions, report: (error: Error) => void): CleanStart {
	let client: MqttClient | undefined;
	const start: CleanStart = {
		done: false,
		run(then) {
			const first: MqttClient = (client = new MqttClient(board, {
				// No will, and (clean) no Session Expiry: `options` are the client's, before its state and callbacks.
				...options,
				cleanSession: true,
				will: undefined,
				onConnect() {
					start.done = true;
					// Once this pass of the client is over: stopping inside its own callback would re-enter it.
					void Promise.resolve().then(() => {
						// Stopped meanwhile (the wake ended): the client's own connection is not wanted either.
						if (client !== first) return;
						client = undefined;
						first.stop();
						then();
					});
				},
				onDisconnect: (error) => error && report(error),
			}));
			first.start();
		},
		stop() {
			client?.stop();
			client = undefined;
		},
	};
	return start;
}
