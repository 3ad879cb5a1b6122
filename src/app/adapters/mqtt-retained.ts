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
 * A session started without saved state writes nothing until a CONNACK has accepted its
 * clean start: a reset before that must start clean again, since the broker may still
 * hold the stale session the retained ids would collide with.
 */
import { ProtocolError } from "../../common/errors";
import type { MqttClient } from "../../mqtt/client";
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
			report(new ProtocolError("RETAINED_TOO_LARGE", `${dropped} unacknowledged MQTT messages not retained: the session is over the ${memory.room} bytes a record keeps`));
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
